//! Prompt templates: where each comes from, and filling in its placeholders.
//!
//! A template is looked up, in order, at its environment variable
//! (`LLAMA_PROMPT_PATH`, `LLAMA_RESPONDER_PROMPT_PATH`; relative paths
//! against the working directory), at `prompts/<name>.prompt` under Ember's
//! home, then falls back to the copy built into the binary (the files in
//! `ember-repl/prompts/`). Templates are read again for every prompt, so an
//! operator can edit one without restarting.
//!
//! Placeholders use Python's `str.format` syntax (`{name}`, `{{`/`}}` for
//! literal braces) so templates written for the Python runtime keep working.
//! Unlike `str.format`, an unknown `{name}` is left as-is instead of failing,
//! and values are inserted in a single pass (a `{user_prompt}` typed by the
//! operator is never expanded again), in time linear in the template.
//!
//! A template file is read only if it is a regular file of at most
//! [`MAX_BYTES`] in UTF-8 (see [`crate::safe_read`]); otherwise the next
//! source is used and [`Template::warning`] says why.

use crate::safe_read::{self, ReadError};
use std::path::{Path, PathBuf};

/// Largest template read: far above any prompt a model's context holds.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

pub const PLANNER_DEFAULT: &str = include_str!("../prompts/planner.prompt");
pub const RESPONDER_DEFAULT: &str = include_str!("../prompts/responder.prompt");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Planner,
    Responder,
}

impl Kind {
    fn file_name(self) -> &'static str {
        match self {
            Kind::Planner => "planner.prompt",
            Kind::Responder => "responder.prompt",
        }
    }
    fn var(self) -> &'static str {
        match self {
            Kind::Planner => "LLAMA_PROMPT_PATH",
            Kind::Responder => "LLAMA_RESPONDER_PROMPT_PATH",
        }
    }
    fn builtin(self) -> &'static str {
        match self {
            Kind::Planner => PLANNER_DEFAULT,
            Kind::Responder => RESPONDER_DEFAULT,
        }
    }
}

/// A loaded template and a description of its origin for `/config`.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub text: String,
    pub origin: String,
    /// A file that was there but could not be used.
    pub warning: Option<String>,
}

/// The text of a template file, or why it cannot be used (None: missing).
fn read(path: &Path) -> Result<String, Option<String>> {
    match safe_read::read_capped(path, MAX_BYTES) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| Some("is not UTF-8 text".to_owned())),
        Err(ReadError::Missing) => Err(None),
        Err(e) => Err(Some(e.to_string())),
    }
}

/// Finds the template of `kind`: the setting's file, the home's file, the built-in copy.
pub fn load(kind: Kind, setting: Option<&Path>, home: Option<&Path>) -> Template {
    let mut skipped = String::new();
    let mut warning = None;
    if let Some(path) = setting {
        match read(path) {
            Ok(text) => {
                return Template {
                    text: text.trim().to_string(),
                    origin: path.display().to_string(),
                    warning: None,
                }
            }
            Err(why) => {
                let why = why.unwrap_or_else(|| "does not exist".into());
                skipped = format!(" ({} {} unreadable: {why})", kind.var(), path.display());
                warning = Some(format!(
                    "{}={} {why}; using the next template",
                    kind.var(),
                    path.display()
                ));
            }
        }
    }
    if let Some(home) = home {
        let path: PathBuf = home.join("prompts").join(kind.file_name());
        match read(&path) {
            Ok(text) => {
                return Template {
                    text: text.trim().to_string(),
                    origin: format!("{}{skipped}", path.display()),
                    warning,
                }
            }
            Err(Some(why)) => {
                warning.get_or_insert(format!(
                    "template {} {why}; using the built-in one",
                    path.display()
                ));
            }
            Err(None) => {}
        }
    }
    Template {
        text: kind.builtin().trim().to_string(),
        origin: format!("built-in{skipped}"),
        warning,
    }
}

/// Fills `{name}` placeholders from `values`; `{{` and `}}` become single braces.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(i) = memchr::memchr2(b'{', b'}', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            // The name ends at the next brace; when that is a `{` there is
            // no placeholder here, and the search starts again from it (so
            // `{a{a{a…` is one pass, not one scan to the end per brace).
            let named = memchr::memchr2(b'{', b'}', after.as_bytes())
                .filter(|&end| after.as_bytes().get(end) == Some(&b'}'))
                .and_then(|end| {
                    let (name, next) = (after.get(..end)?, after.get(end + 1..)?);
                    Some((values.iter().find(|(k, _)| *k == name)?.1, next))
                });
            match named {
                Some((value, next)) => {
                    out.push_str(value);
                    rest = next;
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        } else {
            out.push('}');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_python_format_templates_in_one_pass() {
        let t = "Cmds: {commands}\n{{\"a\": 1}}\nUser: {user_prompt} {unknown} }";
        let out = render(
            t,
            &[
                ("commands", "- /status"),
                ("user_prompt", "say {commands} {{x}}"),
            ],
        );
        assert_eq!(
            out,
            "Cmds: - /status\n{\"a\": 1}\nUser: say {commands} {{x}} {unknown} }"
        );
        assert_eq!(render("{", &[]), "{");
        assert_eq!(render("{open", &[("open", "x")]), "{open");
        assert_eq!(render("é{a}é", &[("a", "ü")]), "éüé");
        assert_eq!(render("{x{a}}", &[("a", "1")]), "{x1}");
    }

    #[test]
    fn a_megabyte_of_open_braces_fills_at_once() {
        let t = "{a".repeat(512 * 1024);
        let start = std::time::Instant::now();
        let out = render(&t, &[("a", "x")]);
        assert_eq!(out, t);
        let close = format!("{}}}", "{".repeat(1024 * 1024));
        assert_eq!(render(&close, &[]).len(), 1024 * 512 + 1);
        let took = start.elapsed();
        eprintln!("filled in {took:?}");
        // Linear: well under a second in release, a few in a debug build on
        // a busy runner; the quadratic fill took minutes here.
        assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    }

    #[test]
    fn unusable_template_files_warn_and_fall_back() {
        let tmp = tempfile::tempdir().expect("tmp");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join("prompts")).expect("mkdir");
        std::fs::write(
            home.join("prompts/planner.prompt"),
            b"caf\xe9 {user_prompt}",
        )
        .expect("write");
        let fifo = tmp.path().join("fifo");
        crate::testutil::mkfifo(&fifo);
        let t = load(Kind::Planner, Some(&fifo), Some(&home));
        assert_eq!(t.text, PLANNER_DEFAULT.trim());
        let w = t.warning.expect("warning");
        assert!(w.starts_with("LLAMA_PROMPT_PATH="), "{w}");
        assert!(
            w.ends_with(" is a FIFO, not a regular file; using the next template"),
            "{w}"
        );
        let t = load(Kind::Planner, None, Some(&home));
        assert_eq!(t.text, PLANNER_DEFAULT.trim());
        let w = t.warning.expect("warning");
        assert!(
            w.ends_with("planner.prompt is not UTF-8 text; using the built-in one"),
            "{w}"
        );
        let t = load(Kind::Planner, Some(Path::new("/dev/zero")), None);
        assert!(t
            .warning
            .expect("warning")
            .contains("is a character device"));
        let big = tmp.path().join("big");
        std::fs::write(&big, vec![b'x'; MAX_BYTES as usize + 1]).expect("write");
        assert!(load(Kind::Planner, Some(&big), None)
            .warning
            .expect("warning")
            .contains("more than the"));
    }

    #[test]
    fn builtin_templates_carry_every_placeholder() {
        for (kind, names) in [
            (
                Kind::Planner,
                &["commands", "documentation", "history", "user_prompt"][..],
            ),
            (
                Kind::Responder,
                &["documentation", "tool_outputs", "user_prompt"][..],
            ),
        ] {
            let text = kind.builtin();
            for n in names {
                assert!(text.contains(&format!("{{{n}}}")), "{kind:?} lacks {{{n}}}");
            }
        }
        let planner = render(PLANNER_DEFAULT, &[]);
        assert!(
            planner.contains("{\"response\""),
            "escaped braces survive: {planner}"
        );
    }

    #[test]
    fn lookup_order_is_setting_home_builtin() {
        let tmp = tempfile::tempdir().expect("tmp");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join("prompts")).expect("mkdir");
        std::fs::write(home.join("prompts/planner.prompt"), "home {user_prompt}\n").expect("write");
        let custom = tmp.path().join("custom.prompt");
        std::fs::write(&custom, "custom").expect("write");

        let t = load(Kind::Planner, Some(&custom), Some(&home));
        assert_eq!(
            (t.text.as_str(), t.origin.clone()),
            ("custom", custom.display().to_string())
        );
        let t = load(Kind::Planner, Some(&tmp.path().join("gone")), Some(&home));
        assert_eq!(t.text, "home {user_prompt}");
        assert!(t.origin.contains("LLAMA_PROMPT_PATH") && t.origin.contains("unreadable"));
        assert!(t.warning.is_some());
        let t = load(Kind::Responder, None, Some(&home));
        assert_eq!(
            (t.text.as_str(), t.origin.as_str()),
            (RESPONDER_DEFAULT.trim(), "built-in")
        );
    }
}

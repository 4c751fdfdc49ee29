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
//! operator is never expanded again).

use std::path::{Path, PathBuf};

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
}

/// Finds the template of `kind`: the setting's file, the home's file, the built-in copy.
pub fn load(kind: Kind, setting: Option<&Path>, home: Option<&Path>) -> Template {
    let mut skipped = String::new();
    if let Some(path) = setting {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                return Template {
                    text: text.trim().to_string(),
                    origin: path.display().to_string(),
                }
            }
            Err(e) => skipped = format!(" ({} {} unreadable: {e})", kind.var(), path.display()),
        }
    }
    if let Some(home) = home {
        let path: PathBuf = home.join("prompts").join(kind.file_name());
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Template {
                text: text.trim().to_string(),
                origin: format!("{}{skipped}", path.display()),
            };
        }
    }
    Template {
        text: kind.builtin().trim().to_string(),
        origin: format!("built-in{skipped}"),
    }
}

/// Fills `{name}` placeholders from `values`; `{{` and `}}` become single braces.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            let named = after
                .split_once('}')
                .and_then(|(name, next)| Some((values.iter().find(|(k, _)| *k == name)?.1, next)));
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
        let t = load(Kind::Responder, None, Some(&home));
        assert_eq!(
            (t.text.as_str(), t.origin.as_str()),
            (RESPONDER_DEFAULT.trim(), "built-in")
        );
    }
}

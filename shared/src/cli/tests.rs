use super::doc::roff;
use super::doc::{answer, Doc};
use super::*;

#[derive(Debug, Default, PartialEq)]
struct Raw {
    remote: Option<String>,
    force: bool,
    keep: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Word {
    Make,
    Drop,
    Secret,
}

fn keep(raw: &mut Raw, v: &str) -> Result<(), String> {
    if v == "bad" {
        return Err(format!("bad keep '{v}'"));
    }
    raw.keep = Some(v.to_owned());
    Ok(())
}

static SPEC: Spec<Raw, Word> = Spec {
    name: "tool",
    about: "a test tool",
    usage: "[--remote NAME] {{commands}} [options]",
    options: &[Opt::value(
        "--remote",
        "NAME",
        "--remote needs a value",
        |raw: &mut Raw, v| {
            raw.remote = Some(v.to_owned());
            Ok(())
        },
    )
    .help(&["Where to go"])],
    options_layout: Layout::Joined { width: 14, gap: 2 },
    commands_title: "Commands:",
    commands: &[
        Sub::new(Word::Make, "make", "[--force] <what>", &["Make it"]).options(&[Opt::flag(
            "--force",
            |raw: &mut Raw| raw.force = true,
        )
        .first_only()
        .help(&["Even if it exists"])]),
        Sub::new(
            Word::Drop,
            "drop",
            "[--keep <N>] [<one>] [--and-a-long-tail]",
            &["Drop things,", "two lines of help"],
        )
        .options(&[Opt::value("--keep", "<N>", "--keep needs a number", keep)])
        .words(Words::AtMost(1)),
        Sub::new(Word::Secret, "secret", "", &[]).hidden(),
    ],
    layout: Layout::Joined { width: 22, gap: 2 },
    notes: "Examples:\n  tool make x\n",
    extra_word: |w| format!("Unknown option: {w}"),
};

fn words(args: &[&str]) -> Result<(Vec<String>, Raw), String> {
    let mut raw = Raw::default();
    let left = SPEC.lex(args, &mut raw)?;
    let mut left: Vec<String> = left.iter().map(|s| s.to_string()).collect();
    if let Some(sub) = left.first().and_then(|w| SPEC.command(w)) {
        let rest: Vec<&str> = left[1..].iter().map(String::as_str).collect();
        left = SPEC
            .lex_command(sub, &rest, &mut raw)?
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    Ok((left, raw))
}

#[test]
fn options_take_both_spellings_anywhere() {
    let (left, raw) = words(&["drop", "--remote", "a", "x"]).unwrap();
    assert_eq!((left, raw.remote.as_deref()), (vec!["x".into()], Some("a")));
    let (_, raw) = words(&["--remote=b", "drop"]).unwrap();
    assert_eq!(raw.remote.as_deref(), Some("b"));
    let (_, raw) = words(&["--remote=", "drop"]).unwrap();
    assert_eq!(raw.remote.as_deref(), Some(""));
    // A value may look like an option: it is the next argument, as in the scripts.
    let (_, raw) = words(&["--remote", "--help", "drop"]).unwrap();
    assert_eq!(raw.remote.as_deref(), Some("--help"));
    assert_eq!(
        words(&["drop", "--remote"]).unwrap_err(),
        "--remote needs a value"
    );
}

#[test]
fn near_misses_are_words() {
    let (left, _) = words(&["--remotex", "--", "-r"]).unwrap();
    assert_eq!(left, ["--remotex", "--", "-r"]);
    // A flag takes no `=VALUE`.
    let (left, raw) = words(&["make", "--force=1", "x"]).unwrap();
    assert_eq!(
        (left, raw.force),
        (vec!["--force=1".into(), "x".into()], false)
    );
}

#[test]
fn first_only_flag() {
    let (left, raw) = words(&["make", "--force", "x"]).unwrap();
    assert_eq!((left, raw.force), (vec!["x".into()], true));
    let (left, raw) = words(&["make", "x", "--force"]).unwrap();
    assert_eq!(
        (left, raw.force),
        (vec!["x".into(), "--force".into()], false)
    );
    let (left, raw) = words(&["make", "--force", "--force"]).unwrap();
    assert_eq!((left, raw.force), (vec!["--force".into()], true));
}

#[test]
fn errors_come_in_argument_order() {
    assert_eq!(
        words(&["drop", "a", "b", "--keep", "bad"]).unwrap_err(),
        "Unknown option: b"
    );
    assert_eq!(
        words(&["drop", "--keep", "bad", "a", "b"]).unwrap_err(),
        "bad keep 'bad'"
    );
    assert_eq!(
        words(&["drop", "--keep"]).unwrap_err(),
        "--keep needs a number"
    );
    let (left, raw) = words(&["drop", "--keep=2", "a"]).unwrap();
    assert_eq!((left, raw.keep.as_deref()), (vec!["a".into()], Some("2")));
}

#[test]
fn help_and_lookups() {
    assert!(wants_help(&["x", "-h"]));
    assert!(wants_help(&["--help"]));
    assert!(!wants_help(&["--help=1", "-hx"]));
    assert_eq!(SPEC.command("secret").map(|c| c.key), Some(Word::Secret));
    assert!(SPEC.command("Make").is_none());
    assert_eq!(
        SPEC.command("make")
            .map(|c| SPEC.command_usage(c))
            .as_deref(),
        Some("Usage: tool make [--force] <what>")
    );
}

#[test]
fn help_text_layout() {
    assert_eq!(
        SPEC.help("tool"),
        "\
Usage: tool [--remote NAME] {make|drop} [options]

Commands:
  make [--force] <what>   Make it
  drop [--keep <N>] [<one>] [--and-a-long-tail]
                          Drop things,
                          two lines of help

Options:
  --remote NAME   Where to go

Examples:
  tool make x
"
    );
}

#[test]
fn column_layout() {
    let mut out = String::new();
    let columns = Layout::Columns { name: 6, args: 8 };
    row(&mut out, columns, 0, "go", "<x>", &["Go"]);
    row(&mut out, columns, 0, "help", "", &["Help"]);
    row(&mut out, columns, -1, "off", "<y>", &["Off", "by one"]);
    row(
        &mut out,
        Layout::Joined { width: 6, gap: 2 },
        0,
        "bare",
        "",
        &[],
    );
    assert_eq!(
        out,
        "  go     <x>      Go\n  help            Help\n  off    <y>     Off\n                 by one\n  bare\n"
    );
}

fn doc() -> Doc {
    SPEC.doc()
}

#[test]
fn doc_from_the_spec() {
    let d = doc();
    assert_eq!(d.usage, "tool [--remote NAME] {make|drop} [options]");
    let names: Vec<&str> = d.commands.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["make", "drop"], "hidden commands are left out");
    let opts: Vec<&str> = d
        .options
        .iter()
        .flat_map(|o| o.names.iter())
        .map(String::as_str)
        .collect();
    assert_eq!(opts, ["--remote", "--help"]);
    assert_eq!(d.commands[1].options[0].value.as_deref(), Some("<N>"));
}

/// Runs `script` after sourcing the bash completion for `name`; COMPREPLY.
fn complete(script: &str, name: &str, words: &[&str]) -> String {
    let cword = words.len() - 1;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "{script}\nCOMP_WORDS=({name} {}); COMP_CWORD={}; _{}; echo \"${{COMPREPLY[*]}}\"",
        quoted.join(" "),
        cword + 1,
        name.replace('-', "_")
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &program])
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

#[test]
fn bash_completion_offers_commands_then_their_options() {
    let script = doc().bash("my-tool");
    assert_eq!(
        complete(&script, "my-tool", &[""]),
        "make drop --remote --help"
    );
    assert_eq!(complete(&script, "my-tool", &["d"]), "drop");
    assert_eq!(
        complete(&script, "my-tool", &["drop", "--"]),
        "--keep --remote --help"
    );
    assert_eq!(
        complete(&script, "my-tool", &["--remote", "x", "make", "--f"]),
        "--force"
    );
    // A value is not the command.
    assert_eq!(
        complete(&script, "my-tool", &["--remote", "drop", "make", "--f"]),
        "--force"
    );
    // After an option that takes a value: nothing of ours (bash's default, files).
    assert_eq!(complete(&script, "my-tool", &["drop", "--keep", ""]), "");
}

#[test]
fn hidden_options_answer() {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(answer(&args(&["make"]), doc).is_none());
    assert!(answer(&args(&["--man", "a", "b"]), doc).is_none());
    assert!(answer(&args(&["make", "--man"]), doc).is_none());
    let bash = answer(&args(&["--completions", "bash", "anklume-tool"]), doc)
        .unwrap()
        .unwrap();
    assert!(
        bash.contains("complete -o default -F _anklume_tool anklume-tool\n"),
        "{bash}"
    );
    let fish = answer(&args(&["--completions", "fish"]), doc)
        .unwrap()
        .unwrap();
    assert!(fish.contains("complete -c tool -n __fish_use_subcommand -a drop -d 'Drop things, two lines of help'\n"), "{fish}");
    assert!(
        fish.contains("complete -c tool -n '__fish_seen_subcommand_from drop' -l keep -r -d ''\n"),
        "{fish}"
    );
    let zsh = answer(&args(&["--completions", "zsh"]), doc)
        .unwrap()
        .unwrap();
    assert!(zsh.starts_with("#compdef tool\n"), "{zsh}");
    assert!(zsh.contains("'make:Make it'"), "{zsh}");
    assert_eq!(
        answer(&args(&["--completions", "tcsh"]), doc),
        Some(Err("unknown shell 'tcsh': use bash, zsh or fish".into()))
    );
    assert!(answer(&args(&["--man", "a b"]), doc).unwrap().is_err());
    assert!(answer(&args(&["--man", "-x"]), doc).unwrap().is_err());
}

#[test]
fn man_page() {
    let man = doc().man("anklume-tool");
    assert!(
        man.starts_with(".TH ANKLUME\\-TOOL 1 \"\" \"anklume\\-tool "),
        "{man}"
    );
    assert!(
        man.contains(".SH NAME\nanklume\\-tool \\- a test tool\n"),
        "{man}"
    );
    assert!(
        man.contains(
            ".SH SYNOPSIS\n.nf\nanklume\\-tool [\\-\\-remote NAME] {make|drop} [options]\n.fi\n"
        ),
        "{man}"
    );
    assert!(man.contains(".TP\n\\fBdrop\\fR [\\-\\-keep <N>]"), "{man}");
    assert!(
        man.contains(".TP\n\\fB\\-\\-remote\\fR \\fINAME\\fR\nWhere to go\n"),
        "{man}"
    );
    assert!(
        man.contains(".RS\n.TP\n\\fB\\-\\-force\\fR\nEven if it exists\n.RE\n"),
        "{man}"
    );
    // A command's option nothing explains stays in its synopsis only.
    assert!(!man.contains("\\fB\\-\\-keep"), "{man}");
    assert!(
        man.ends_with(".SH NOTES\n.nf\nExamples:\n  tool make x\n.fi\n"),
        "{man}"
    );
    assert_eq!(roff(".x\n'y\n\\z"), "\\&.x\n\\&'y\n\\ez");
}

#[test]
fn words_offered_once() {
    // A clap command repeats the tool's own --help among its options.
    let mut d = doc();
    d.commands[0].options.push(super::doc::Opt {
        names: vec!["--help".into()],
        value: None,
        help: String::new(),
    });
    let bash = d.bash("tool");
    assert!(
        bash.contains("make) words='--force --help --remote' ;;"),
        "{bash}"
    );
}

#[test]
fn arguments_that_are_not_utf8_are_refused_with_their_bytes_shown() {
    use std::os::unix::ffi::OsStringExt;
    let ok = args_from(["create", "web"].into_iter().map(std::ffi::OsString::from));
    assert_eq!(ok.expect("text"), ["create", "web"]);
    let bad = vec![
        std::ffi::OsString::from("create"),
        std::ffi::OsString::from_vec(b"snap\xff\x1b".to_vec()),
    ];
    let e = args_from(bad.into_iter()).expect_err("not UTF-8");
    assert_eq!(
        e.to_string(),
        "argument \"snap\\xFF\\u{1b}\" is not valid UTF-8; Incus names and snapshot names are text"
    );
}

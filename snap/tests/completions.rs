//! Completions and man page printed from snap's command-line declaration
//! (what the Debian package installs).

use std::process::Command;

fn snap(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_snap"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// What the bash completion offers for the words typed after the command.
fn offered(script: &str, typed: &[&str]) -> String {
    let words: Vec<String> = typed.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "{script}\nCOMP_WORDS=(anklume-snap {}); COMP_CWORD={}; _anklume_snap; echo \"${{COMPREPLY[*]}}\"",
        words.join(" "),
        typed.len()
    );
    let out = Command::new("bash")
        .args(["--norc", "-c", &program])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

#[test]
fn bash_completion_offers_commands_and_flags() {
    let script = snap(&["--completions", "bash", "anklume-snap"]);
    assert_eq!(
        offered(&script, &[""]),
        "create restore list delete help --remote --help"
    );
    assert_eq!(offered(&script, &["cr"]), "create");
    assert_eq!(
        offered(&script, &["restore", "--"]),
        "--force --remote --help"
    );
    assert_eq!(
        offered(&script, &["--remote", "lab", "list", "--j"]),
        "--json"
    );
    assert_eq!(
        offered(&script, &["--remote", ""]),
        "",
        "a remote name is not ours to offer"
    );
}

#[test]
fn zsh_fish_and_man() {
    let zsh = snap(&["--completions", "zsh"]);
    assert!(zsh.starts_with("#compdef snap\n"), "{zsh}");
    assert!(zsh.contains("'create:Create a snapshot'"), "{zsh}");
    let fish = snap(&["--completions", "fish"]);
    assert!(
        fish.contains("complete -c snap -n '__fish_seen_subcommand_from list' -l json -d ''\n"),
        "{fish}"
    );
    let man = snap(&["--man", "anklume-snap"]);
    assert!(
        man.contains(".SH SYNOPSIS\n.nf\nanklume\\-snap [\\-\\-remote NAME] <command> [args]\n"),
        "{man}"
    );
    assert!(man.contains(".TP\n\\fBrestore\\fR [\\-\\-force] <instance|self> <snap\\-name>\nRestore a snapshot\n"), "{man}");
}

#[test]
fn hidden_options_only_alone() {
    // Anywhere else they are what they were: an unknown command.
    let out = Command::new(env!("CARGO_BIN_EXE_snap"))
        .args(["list", "--man"])
        .env_remove("ANKLUME_INCUS_REMOTE")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(".TH"));
    let out = Command::new(env!("CARGO_BIN_EXE_snap"))
        .args(["--completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR: unknown shell 'tcsh': use bash, zsh or fish\n"
    );
}

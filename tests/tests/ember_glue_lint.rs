//! Ember's glue files checked without running them for real: shellcheck
//! over the scripts and templates, hadolint over the Dockerfile, the
//! Makefile's Ember targets (`make -n`), and the zshrc `tmux` wrapper that
//! hands `EMBER_SKIP_AUTO_REPL` over to new windows.

use std::fs;
use std::process::Command;

use e2e::glue::{have, write_exec};
use e2e::rig::workspace_root;

#[test]
fn shellcheck_every_script() {
    if !have("shellcheck", &["--version"]) {
        return;
    }
    let root = workspace_root();
    let run = |args: &[&str]| {
        let out = Command::new("sh")
            .current_dir(&root)
            .args(["-c", &format!("shellcheck {}", args.join(" "))])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck {args:?}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    run(&["scripts/*.sh"]);
    run(&["-s", "sh", "scripts/provision.sh", "scripts/tmux_pane.sh"]);
    run(&["-s", "sh", "templates/zprofile", "templates/ember.openrc"]);
}

#[test]
fn hadolint_dockerfile() {
    if !have("hadolint", &["--version"]) {
        return;
    }
    let out = Command::new("hadolint")
        .current_dir(workspace_root())
        .arg("Dockerfile")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn make_n(args: &[&str]) -> String {
    let out = e2e::make()
        .current_dir(workspace_root())
        .args(["-n", "--no-print-directory", "DOCKER=docker"])
        .args(args)
        .env_remove("MODEL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make -n {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn makefile_ember_targets() {
    if !have("make", &["--version"]) {
        return;
    }
    let build = make_n(&["docker-build"]);
    assert!(
        build.contains("docker build --build-arg EMBER_RUSTFLAGS='-C target-cpu=native' -f Dockerfile -t ember-dev:latest ."),
        "{build}"
    );
    assert!(make_n(&["docker-rebuild"]).contains("docker build --no-cache"));
    let dev = make_n(&[
        "dev",
        "ENV_VARS=-e LLAMA_CPP_MODEL=/srv/ember/models/a.gguf",
    ]);
    assert!(dev.contains("docker run -d --rm --name ember-dev"), "{dev}");
    assert!(dev.contains(":/srv/ember\""), "{dev}");
    assert!(
        dev.contains("-e LLAMA_CPP_MODEL=/srv/ember/models/a.gguf"),
        "{dev}"
    );
    let repl = make_n(&[
        "repl",
        "MODEL=/srv/ember/models/b.gguf",
        "LLAMA_CPP_TIMEOUT=180",
        "LLAMA_CPP_THREADS=2",
    ]);
    assert!(repl.contains("exec -i"), "{repl}");
    assert!(
        repl.contains("-e 'LLAMA_CPP_MODEL=/srv/ember/models/b.gguf'"),
        "{repl}"
    );
    assert!(
        repl.contains("-e 'LLAMA_CPP_TIMEOUT=180'") && repl.contains("-e 'LLAMA_CPP_THREADS=2'"),
        "{repl}"
    );
    assert!(repl.contains("ember-dev ember-repl"), "{repl}");
    let local = make_n(&["repl-local", "MODEL=x.gguf"]);
    assert!(
        local.contains("LLAMA_CPP_MODEL=x.gguf target/native/release/ember-repl"),
        "{local}"
    );
}

/// ember-repl is built for this CPU in its own target dir; the anklume
/// tools keep the portable build in target/release, with no RUSTFLAGS.
#[test]
fn makefile_native_flags_reach_only_ember() {
    if !have("make", &["--version"]) {
        return;
    }
    let ember = make_n(&["build-ember"]);
    assert!(
        ember.contains("RUSTFLAGS=\"${RUSTFLAGS:+$RUSTFLAGS }-C target-cpu=native\" ")
            && ember.contains("--target-dir target/native -p ember-repl"),
        "{ember}"
    );
    let tools = make_n(&["build"]);
    assert!(
        tools.contains(" build --release")
            && !tools.contains("RUSTFLAGS")
            && !tools.contains("target-cpu")
            && !tools.contains("--target-dir")
            && !tools.contains("ember-repl"),
        "{tools}"
    );
    let sync = make_n(&["sync", "INFRA_SRC=x.yml"]);
    assert!(
        !sync.contains("target-cpu") && sync.contains("target/release/generate"),
        "{sync}"
    );
    let portable = make_n(&["build-ember", "EMBER_RUSTFLAGS="]);
    assert!(!portable.contains("target-cpu"), "{portable}");
    // The build for distribution: no target CPU, CPU kernels picked at run time.
    let dist = make_n(&["build-ember-portable"]);
    assert!(
        dist.contains("scripts/build-ember-portable.sh") && !dist.contains("target-cpu"),
        "{dist}"
    );
}

/// The zshrc `tmux` wrapper turns `EMBER_SKIP_AUTO_REPL=1 tmux new-window`
/// into `tmux new-window -e EMBER_SKIP_AUTO_REPL=1`. zsh may be absent: the
/// function is plain sh plus `local`, so bash runs it.
#[test]
fn zshrc_tmux_wrapper_hands_over_skip() {
    let zshrc = fs::read_to_string(workspace_root().join("templates/zshrc")).unwrap();
    let start = zshrc.find("tmux() {").expect("tmux wrapper in zshrc");
    let end = start + zshrc[start..].find("\n}\n").expect("end of wrapper") + 3;
    let wrapper = &zshrc[start..end];
    let dir = tempfile::tempdir().unwrap();
    write_exec(
        &dir.path().join("tmux"),
        "#!/bin/sh\nprintf '%s|' \"$@\"; echo\n",
    );
    let run = |skip: Option<&str>, args: &str| {
        let mut cmd = Command::new("bash");
        cmd.args(["-c", &format!("{wrapper}\ntmux {args}")])
            .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()));
        match skip {
            Some(v) => cmd.env("EMBER_SKIP_AUTO_REPL", v),
            None => cmd.env_remove("EMBER_SKIP_AUTO_REPL"),
        };
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    assert_eq!(
        run(Some("1"), "new-window -n x").trim(),
        "new-window|-e|EMBER_SKIP_AUTO_REPL=1|-n|x|"
    );
    assert_eq!(
        run(Some("1"), "splitw -h").trim(),
        "splitw|-e|EMBER_SKIP_AUTO_REPL=1|-h|"
    );
    assert_eq!(run(None, "new-window").trim(), "new-window|");
    assert_eq!(run(Some("0"), "new-window").trim(), "new-window|");
    assert_eq!(run(Some("1"), "ls").trim(), "ls|");
}

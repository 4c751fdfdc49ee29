//! `scripts/package-deb.sh`: both Debian packages are built, installed with
//! dpkg, every binary answers `--help` from its installed path, a sync runs
//! from there, the portable ember-repl generates on the CPU variant it picked
//! from /usr/lib/ember-repl, man pages and completions are where man and bash
//! look, nothing lands on snapd's `/usr/bin/snap`, and a purge removes every
//! file. ember-repl is the portable build (`scripts/build-ember-portable.sh`,
//! in `${CARGO_TARGET_DIR:-target}/portable`: the first run compiles llama.cpp
//! and its CPU variants, which takes long).
//!
//! Installs on the machine itself, so it needs root and dpkg: skipped loudly
//! without them, a failure under CI.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use e2e::checkout::{binaries, text};
use e2e::rig::workspace_root;

const TOOLS: [&str; 5] = [
    "generate",
    "snap",
    "snapshot-apply",
    "incus-guard",
    "code-audit",
];
const PACKAGES: [&str; 2] = ["anklume-rs", "ember-repl"];

fn can_install() -> bool {
    let root = text(&Command::new("id").arg("-u").output().unwrap().stdout).trim() == "0";
    let dpkg = Command::new("dpkg-deb").arg("--version").output().is_ok();
    if root && dpkg {
        return true;
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("the package test must run in CI: it needs root and dpkg-deb");
    }
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: package test needs root and dpkg-deb (it installs the packages) ***\n"
    );
    false
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn show(o: &Output) -> String {
    format!("{:?}\n{}{}", o.status, text(&o.stdout), text(&o.stderr))
}

/// dpkg with `args`, waiting for the dpkg lock another process may hold.
fn dpkg(args: &[&str]) -> Output {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let out = run("dpkg", args);
        if out.status.success() || !text(&out.stderr).contains("lock") || Instant::now() > deadline
        {
            return out;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Purges the packages when the test ends, whatever happened.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let out = dpkg(&["--purge", PACKAGES[0], PACKAGES[1]]);
        if !out.status.success() {
            eprintln!("dpkg --purge failed: {}", show(&out));
        }
    }
}

#[test]
fn packages_install_run_and_purge() {
    if !can_install() {
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(workspace_root().join("scripts/package-deb.sh"))
        .arg(out_dir.path())
        .env("BIN", binaries())
        .env_remove("EMBER_BIN")
        .output()
        .unwrap();
    assert!(out.status.success(), "package-deb.sh: {}", show(&out));
    let debs: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(debs.len(), 2, "{}", show(&out));
    for (deb, pkg) in debs.iter().zip(PACKAGES) {
        assert!(deb.contains(&format!("/{pkg}_")), "{deb}");
        let listing = text(&run("dpkg-deb", &["-c", deb]).stdout);
        // snapd owns /usr/bin/snap; ours only ever adds anklume-* and ember-repl there.
        let in_bin = |l: &&str| l.contains(" ./usr/bin/") && !l.ends_with(" ./usr/bin/");
        for line in listing.lines().filter(in_bin) {
            assert!(
                line.contains("./usr/bin/anklume-") || line.contains("./usr/bin/ember-repl"),
                "{line}"
            );
        }
    }
    let deps = text(&run("dpkg-deb", &["-f", &debs[1], "Depends"]).stdout);
    assert!(deps.contains("libgomp1"), "ember-repl Depends: {deps}");

    let _installed = Installed;
    let out = dpkg(&["-i", &debs[0], &debs[1]]);
    assert!(out.status.success(), "dpkg -i: {}", show(&out));

    for t in TOOLS {
        for path in [
            format!("/usr/lib/anklume-rs/bin/{t}"),
            format!("/usr/bin/anklume-{t}"),
        ] {
            let out = run(&path, &["--help"]);
            assert!(
                out.status.success() && !out.stdout.is_empty(),
                "{path}: {}",
                show(&out)
            );
        }
        assert!(Path::new(&format!("/usr/share/man/man1/anklume-{t}.1.gz")).is_file());
        assert!(Path::new(&format!("/usr/share/zsh/vendor-completions/_anklume-{t}")).is_file());
        assert!(Path::new(&format!(
            "/usr/share/fish/vendor_completions.d/anklume-{t}.fish"
        ))
        .is_file());
    }
    let out = run("/usr/bin/ember-repl", &["--help"]);
    assert!(out.status.success(), "ember-repl: {}", show(&out));
    let ldd = text(&run("ldd", &["/usr/bin/ember-repl"]).stdout);
    assert!(!ldd.contains("not found"), "{ldd}");
    assert!(ldd.contains("/../lib/ember-repl/libllama.so.0"), "{ldd}");
    // It generates, on the CPU variant it picked from its private folder.
    let scratch = tempfile::tempdir().unwrap();
    let model = scratch.path().join("tiny.gguf");
    let prompt = scratch.path().join("prompt.txt");
    std::fs::write(&prompt, "the vault is ready").unwrap();
    let out = Command::new("/usr/bin/ember-repl")
        .arg("fixture")
        .arg(&model)
        .output()
        .unwrap();
    assert!(out.status.success(), "fixture: {}", show(&out));
    let out = Command::new("/usr/bin/ember-repl")
        .args(["bench", "--tokens", "4", "--runs", "1", "--model"])
        .arg(&model)
        .arg("--prompt-file")
        .arg(&prompt)
        .env_remove("EMBER_CPU_VARIANT")
        .env("LLAMA_CPP_THREADS", "1")
        .env("LLAMA_CPP_CTX", "256")
        .output()
        .unwrap();
    let bench = text(&out.stdout);
    assert!(
        out.status.success()
            && bench.contains(" gen_tokens=4 ")
            && bench.contains(" variant, picked at run time)\n"),
        "bench: {}",
        show(&out)
    );
    assert!(
        Path::new("/usr/lib/ember-repl/libggml-cpu-x64.so").is_file()
            || cfg!(not(target_arch = "x86_64"))
    );

    // A sync from the installed path.
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join("context")).unwrap();
    let out = Command::new("/usr/bin/anklume-generate")
        .arg(workspace_root().join("examples/homelab/infra.yml"))
        .arg("--base-dir")
        .arg(work.path().join("out"))
        .env("ANKLUME_SKIP_HOST_SUBNET_CHECK", "1")
        .env("ANKLUME_HOST_RESOURCES", "none")
        .env("ANKLUME_CONTEXT_DIR", work.path().join("context"))
        .output()
        .unwrap();
    assert!(out.status.success(), "sync: {}", show(&out));
    assert!(work.path().join("out/inventory/ops.yml").is_file());

    // bash completion, as bash-completion would load it.
    let out = run(
        "bash",
        &[
            "-c",
            "source /usr/share/bash-completion/completions/anklume-snap; \
             COMP_WORDS=(anklume-snap cr); COMP_CWORD=1; _anklume_snap; echo \"${COMPREPLY[*]}\"",
        ],
    );
    assert_eq!(text(&out.stdout), "create\n", "{}", show(&out));
    if run("sh", &["-c", "command -v man"]).status.success() {
        let out = run("man", &["-w", "anklume-snapshot-apply"]);
        assert!(
            text(&out.stdout).contains("/usr/share/man/man1/anklume-snapshot-apply.1"),
            "{}",
            show(&out)
        );
    }

    drop(_installed);
    for p in PACKAGES {
        let status = text(&run("dpkg-query", &["-W", "-f=${Status}", p]).stdout);
        assert!(
            !status.contains("installed") || status.contains("not-installed"),
            "{p}: {status}"
        );
    }
    for gone in [
        "/usr/lib/anklume-rs",
        "/usr/bin/anklume-snap",
        "/usr/bin/ember-repl",
        "/usr/lib/ember-repl",
        "/usr/share/man/man1/anklume-generate.1.gz",
        "/usr/share/bash-completion/completions/anklume-snap",
    ] {
        assert!(!Path::new(gone).exists(), "{gone} left behind after purge");
    }
}

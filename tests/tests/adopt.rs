//! `make adopt` / `make unadopt` on an anklume-shaped checkout the test
//! writes itself (`e2e::checkout`): every Makefile target of the checkout runs
//! our binary afterwards, the scripts still import as modules, arguments,
//! output, exit codes and signals pass through, adopting twice changes
//! nothing, scripts with local changes are refused, and unadopt gives every
//! byte back. apply/rollback on the real Incus rig is in `adopt_rig.rs`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use e2e::checkout::{adopt_cmd, binaries, sh, text, Checkout, SCRIPTS, STAND_IN};

/// Environment that keeps generate and snapshot-apply off the host: no host
/// probing, state in the checkout's scratch folder, `incus` a logging fake.
fn tool_env(c: &Checkout) -> Vec<(String, String)> {
    let scratch = c.scratch.path();
    let fake = scratch.join("bin");
    fs::create_dir_all(&fake).unwrap();
    let incus = fake.join("incus");
    fs::write(
        &incus,
        format!(
            "#!/bin/sh\necho \"$*\" >> {}\n[ \"$1\" = list ] && echo '[]'\nexit 0\n",
            scratch.join("incus.log").display()
        ),
    )
    .unwrap();
    fs::set_permissions(&incus, fs::Permissions::from_mode(0o755)).unwrap();
    fs::create_dir_all(scratch.join("context")).unwrap();
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap());
    vec![
        ("PATH".into(), path),
        ("ANKLUME_SKIP_HOST_SUBNET_CHECK".into(), "1".into()),
        ("ANKLUME_HOST_RESOURCES".into(), "none".into()),
        (
            "ANKLUME_CONTEXT_DIR".into(),
            scratch.join("context").display().to_string(),
        ),
        (
            "ANKLUME_PRE_APPLY_STATE_DIR".into(),
            scratch.join("state").display().to_string(),
        ),
    ]
}

fn incus_log(c: &Checkout) -> String {
    fs::read_to_string(c.scratch.path().join("incus.log")).unwrap_or_default()
}

fn run(c: &Checkout, env: &[(String, String)], program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(c.path())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

fn make(c: &Checkout, env: &[(String, String)], target: &str, vars: &[&str]) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.make(target, vars, &env)
}

/// The target's output is our binary's, byte for byte, and not the stand-in's.
fn same_as_binary(c: &Checkout, env: &[(String, String)], target: &str, bin: &str, args: &[&str]) {
    let via = make(c, env, target, &[]);
    let direct = run(c, env, binaries().join(bin).to_str().unwrap(), args);
    let show = |o: &Output| format!("{:?}\n{}{}", o.status, text(&o.stdout), text(&o.stderr));
    assert!(!show(&via).contains(STAND_IN), "{target}: {}", show(&via));
    assert_eq!(via.stdout, direct.stdout, "{target}: {}", show(&via));
    assert_eq!(
        via.stderr.is_empty(),
        direct.stderr.is_empty(),
        "{target}: {}\ndirect: {}",
        show(&via),
        show(&direct)
    );
    if direct.status.success() {
        assert!(via.status.success(), "{target}: {}", show(&via));
    } else {
        assert!(
            text(&via.stderr).contains(&text(&direct.stderr)),
            "{target}: {}",
            show(&via)
        );
    }
}

/// A refused `make adopt|unadopt`: make exits 2 and adds its own `***` line
/// under the script's one `ERROR:` line; run directly, the script exits
/// `code`. Returns the ERROR line.
fn refused(out: Output, code: i32) -> String {
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("ERROR: "), "{err}");
    let ours: Vec<&&str> = lines[1..]
        .iter()
        .filter(|l| !l.starts_with("make: *** "))
        .collect();
    // Usage errors add the usage line.
    assert!(ours.len() <= usize::from(code == 2), "{err}");
    assert!(err.contains(&format!("Error {code}")), "{err}");
    lines[0].to_owned()
}

fn adopt_ok(c: &Checkout) -> String {
    let out = adopt_cmd("adopt", c.path(), &[]);
    assert!(
        out.status.success(),
        "adopt: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn unadopt_ok(c: &Checkout) -> String {
    let out = adopt_cmd("unadopt", c.path(), &[]);
    assert!(
        out.status.success(),
        "unadopt: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn adopt_runs_our_binaries_then_unadopt_gives_every_byte_back() {
    let c = Checkout::new();
    let before = c.files();
    let env = tool_env(&c);

    let said = adopt_ok(&c);
    assert!(said.contains("Adopted"), "{said}");
    let mut status: Vec<String> = c.git_status().lines().map(str::to_owned).collect();
    status.sort();
    let mut want: Vec<String> = SCRIPTS.iter().map(|s| format!(" M scripts/{s}")).collect();
    want.sort();
    // Only the five scripts; the binaries' folder ignores itself.
    assert_eq!(status, want);
    for s in SCRIPTS {
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(
            mode(&c.path().join("scripts").join(s)),
            mode(&c.path().join(".anklume-rs/orig").join(s)),
            "{s} keeps its mode"
        );
    }

    // Adopting again changes nothing: not a byte, not an mtime.
    let adopted = c.files();
    let again = adopt_ok(&c);
    assert!(
        again.contains("already adopted; nothing changed"),
        "{again}"
    );
    assert_eq!(c.files(), adopted);

    // Each target of the checkout runs our binary.
    let out = make(&c, &env, "sync", &[]);
    assert!(
        out.status.success(),
        "sync: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(c.path().join("inventory/ops.yml").is_file());
    assert!(c.path().join("host_vars/ops-ctl.yml").is_file());
    same_as_binary(&c, &env, "sync", "generate", &["infra.yml"]);
    same_as_binary(
        &c,
        &env,
        "sync-dry",
        "generate",
        &["infra.yml", "--dry-run"],
    );
    same_as_binary(
        &c,
        &env,
        "sync-clean",
        "generate",
        &["infra.yml", "--clean-orphans"],
    );
    same_as_binary(&c, &env, "rollback-list", "snapshot-apply", &["list"]);
    same_as_binary(&c, &env, "rollback", "snapshot-apply", &["rollback"]);
    same_as_binary(&c, &env, "rollback-cleanup", "snapshot-apply", &["cleanup"]);
    same_as_binary(&c, &env, "audit", "code-audit", &[]);
    let out = make(&c, &env, "audit-json", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = fs::read_to_string(c.path().join("reports/audit.json")).unwrap();
    assert!(json.trim_start().starts_with('{'), "{json}");

    // apply: snapshot-apply create → playbook → cleanup, all through the shims;
    // only our snapshot-apply asks Incus for its all-projects listing.
    let out = make(&c, &env, "apply", &["PLAYBOOK=echo PLAYBOOK-RAN"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains("PLAYBOOK-RAN") && !all.contains(STAND_IN),
        "{all}"
    );
    assert!(
        incus_log(&c).contains("list --all-projects --format json"),
        "{}",
        incus_log(&c)
    );

    // The shell shims under `bash`, as the checkout's tests call them.
    let out = run(&c, &env, "bash", &["scripts/snap.sh", "list"]);
    let direct = run(
        &c,
        &env,
        binaries().join("snap").to_str().unwrap(),
        &["list"],
    );
    assert_eq!(
        (out.stdout, out.stderr, out.status.code()),
        (direct.stdout, direct.stderr, direct.status.code())
    );

    // Exit codes and stderr pass through the Python shim.
    let out = run(&c, &env, "python3", &["scripts/generate.py", "missing.yml"]);
    let direct = run(
        &c,
        &env,
        binaries().join("generate").to_str().unwrap(),
        &["missing.yml"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!((out.stdout, out.stderr), (direct.stdout, direct.stderr));

    // Imported as modules, the scripts are still the originals.
    let out = run(&c, &env, "python3", &["tests/test_import.py"]);
    assert_eq!(text(&out.stdout), "IMPORT OK\n", "{}", text(&out.stderr));

    let said = unadopt_ok(&c);
    assert!(said.contains("5 scripts restored"), "{said}");
    assert!(!c.path().join(".anklume-rs").exists());
    assert_eq!(c.git_status(), "");
    let after = c.files();
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (path, was) in &before {
        assert_eq!(
            &after[path],
            was,
            "{} is back byte for byte (mode, mtime)",
            path.display()
        );
    }
    // And the originals run again.
    let out = run(&c, &env, "python3", &["scripts/generate.py"]);
    assert_eq!(out.status.code(), Some(3));
    let said = unadopt_ok(&c);
    assert!(said.contains("not adopted; nothing to undo"), "{said}");
}

#[test]
fn scripts_with_local_changes_are_refused_unless_forced() {
    let c = Checkout::new();
    let snap = c.path().join("scripts/snap.sh");
    let mut changed = fs::read(&snap).unwrap();
    changed.extend_from_slice(b"# my local fix\n");
    fs::write(&snap, &changed).unwrap();
    let before = c.files();

    let err = refused(adopt_cmd("adopt", c.path(), &[]), 1);
    assert!(
        err.contains("scripts/snap.sh has local changes") && err.contains("FORCE=1"),
        "{err}"
    );
    assert_eq!(c.files(), before, "a refused adopt touches nothing");

    // Forced: adopted, and unadopt gives the changed file back.
    let out = adopt_cmd("adopt", c.path(), &["FORCE=1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_ne!(fs::read(&snap).unwrap(), changed);
    unadopt_ok(&c);
    assert_eq!(fs::read(&snap).unwrap(), changed);
    assert_eq!(c.git_status(), " M scripts/snap.sh\n");

    // A shim edited after adopt is not silently overwritten by unadopt.
    adopt_cmd("adopt", c.path(), &["FORCE=1"]);
    fs::write(&snap, "#!/bin/sh\necho edited\n").unwrap();
    let err = refused(adopt_cmd("unadopt", c.path(), &[]), 1);
    assert!(err.contains("changed since adopt"), "{err}");
    let out = adopt_cmd("unadopt", c.path(), &["FORCE=1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(fs::read(&snap).unwrap(), changed);
}

#[test]
fn not_a_checkout_or_no_folder_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let err = refused(adopt_cmd("adopt", dir.path(), &[]), 1);
    assert!(
        err.contains("is not an anklume checkout: scripts/generate.py is missing"),
        "{err}"
    );
    let out = e2e::make()
        .args(["-s", "--no-print-directory", "adopt"])
        .current_dir(e2e::rig::workspace_root())
        .output()
        .unwrap();
    let err = refused(out, 2);
    assert!(err.starts_with("ERROR: ANKLUME="), "{err}");
    let err = refused(adopt_cmd("unadopt", &dir.path().join("nope"), &[]), 1);
    assert!(err.contains("nope is not a folder"), "{err}");

    // No python3 on PATH: refused before anything is written.
    let c = Checkout::new();
    let before = c.files();
    let bin = c.scratch.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink("/usr/bin/dirname", bin.join("dirname")).unwrap();
    let out = Command::new("/bin/bash")
        .arg(e2e::rig::workspace_root().join("scripts/adopt.sh"))
        .args(["adopt", c.path().to_str().unwrap()])
        .env("PATH", &bin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("ERROR: python3 not found"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(c.files(), before);
}

/// The incus-guard shim keeps the original's path lines: rewritten with sed
/// (as anklume's own tests do, into a copy elsewhere) they reach the binary.
#[test]
fn incus_guard_shim_takes_sed_rewritten_paths() {
    let c = Checkout::new();
    adopt_ok(&c);
    let t = tempfile::tempdir().unwrap();
    let tp = t.path().display().to_string();
    let patched = t.path().join("guard-patched.sh");
    let out = Command::new("sed")
        .arg("-e")
        .arg(format!("s|LOGFILE=.*|LOGFILE=\"{tp}/guard.log\"|"))
        .arg("-e")
        .arg(format!("s|GUARD_STATE=.*|GUARD_STATE=\"{tp}/state\"|"))
        .arg("-e")
        .arg(format!(
            "s|GUARD_SCRIPT_INSTALL=.*|GUARD_SCRIPT_INSTALL=\"{tp}/installed-guard.sh\"|"
        ))
        .arg("-e")
        .arg(format!("s|DROPIN_DIR=.*|DROPIN_DIR=\"{tp}/dropin\"|"))
        .arg("-e")
        .arg(format!(
            "s|DROPIN_FILE=.*|DROPIN_FILE=\"{tp}/dropin/network-guard.conf\"|"
        ))
        .arg(c.path().join("scripts/incus-guard.sh"))
        .output()
        .unwrap();
    assert!(out.status.success());
    fs::write(&patched, &out.stdout).unwrap();
    // systemctl is a no-op fake: nothing here may touch the host's systemd.
    let fake = t.path().join("bin");
    fs::create_dir_all(&fake).unwrap();
    fs::write(fake.join("systemctl"), "#!/bin/sh\nexit 0\n").unwrap();
    fs::set_permissions(fake.join("systemctl"), fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .arg(&patched)
        .arg("install")
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let dropin = fs::read_to_string(t.path().join("dropin/network-guard.conf")).unwrap();
    assert!(
        dropin.contains(&format!("ExecStartPost={tp}/installed-guard.sh post-start")),
        "{dropin}"
    );
    assert_eq!(
        fs::read(t.path().join("installed-guard.sh")).unwrap(),
        fs::read(binaries().join("incus-guard")).unwrap(),
        "the drop-in runs our guard"
    );

    // Usage under the script's own name, exit code through the shim.
    let out = Command::new("bash")
        .arg("scripts/incus-guard.sh")
        .current_dir(c.path())
        .output()
        .unwrap();
    let direct = Command::new(binaries().join("incus-guard"))
        .arg0("scripts/incus-guard.sh")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        (out.stdout, out.stderr, out.status.code()),
        (direct.stdout, direct.stderr, direct.status.code())
    );
    unadopt_ok(&c);
}

/// The Python shim becomes the binary (same process, so signals reach it)
/// with SIGXFSZ at its default, not Python's "ignored" (Rust itself
/// ignores SIGPIPE, so that one cannot be told apart).
#[test]
fn python_shim_execs_the_binary_in_the_same_process() {
    let c = Checkout::new();
    adopt_ok(&c);
    let fifo = c.path().join("infra-fifo.yml");
    let made = sh(c.path(), "mkfifo", &[fifo.to_str().unwrap()]);
    assert!(made.status.success());
    let mut child = Command::new("python3")
        .args(["scripts/generate.py", "infra-fifo.yml"])
        .current_dir(c.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let exe_link = format!("/proc/{}/exe", child.id());
    let ours = c.path().join(".anklume-rs/bin/generate");
    let deadline = Instant::now() + Duration::from_secs(30);
    // generate blocks opening the FIFO: wait until the process is our binary.
    while fs::read_link(&exe_link).ok().as_deref() != Some(ours.as_path()) {
        assert!(
            Instant::now() < deadline,
            "python3 never became {}",
            ours.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let ignored = status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:\t"))
        .map(|m| u64::from_str_radix(m.trim(), 16).unwrap())
        .unwrap();
    assert_eq!(ignored & (1 << (25 - 1)), 0, "SIGXFSZ ignored: {ignored:x}");
    sh(c.path(), "kill", &["-TERM", &child.id().to_string()]);
    let st = child.wait().unwrap();
    assert_eq!(st.signal(), Some(15), "{st:?}");
    fs::remove_file(&fifo).unwrap();
    unadopt_ok(&c);
    assert_eq!(c.git_status(), "");
}

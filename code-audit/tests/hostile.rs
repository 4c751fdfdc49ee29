//! Trees built to abuse the audit: a `code-analysis.sh` planted above the
//! current folder, sixty thousand shell scripts, names carrying terminal
//! escapes, a project path that is not UTF-8, folders too deep to list,
//! UTF-16 files, a `vulture.py` waiting to be imported.

mod common;

use common::{fake_bin, parse, project, run, run_with_path, stderr, stdout, BIN};
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;

#[test]
fn a_script_found_by_searching_upward_is_not_run() {
    let p = project(false);
    fs::write(
        p.path().join("scripts/code-analysis.sh"),
        ": > RAN\necho ran\n",
    )
    .unwrap();
    let bin_root = tempfile::tempdir().unwrap();
    let bin = fake_bin(bin_root.path(), &[("shellcheck", "exit 0")]);
    std::os::unix::fs::symlink("/bin/bash", bin.join("bash")).unwrap();
    let deep = p.path().join("roles/base_system/tasks");
    let out = run_with_path(&deep, &bin, &["--json"]);
    assert!(out.status.success(), "{out:?}");
    assert!(!p.path().join("RAN").exists(), "the planted script ran");
    let script = p
        .path()
        .canonicalize()
        .unwrap()
        .join("scripts/code-analysis.sh");
    assert!(
        stderr(&out).contains(&format!(
            "code-audit: not running {}: the folder was found by searching upward, not named with --project-dir\n",
            script.display()
        )),
        "{}",
        stderr(&out)
    );
    let dc = &parse(&stdout(&out))["dead_code"];
    assert!(
        dc["stdout"]
            .as_str()
            .unwrap()
            .starts_with("Dead code (scripts/code-analysis.sh not run: the project was not named with --project-dir; tools run directly)\n"),
        "{dc}"
    );
    // Named, the same script runs.
    let out = run_with_path(
        &deep,
        &bin,
        &["--json", "--project-dir", p.path().to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(p.path().join("RAN").exists());
}

#[test]
fn sixty_thousand_shell_scripts_are_checked_in_batches() {
    let t = tempfile::tempdir().unwrap();
    let scripts = t.path().join("scripts");
    fs::create_dir_all(&scripts).unwrap();
    // 60 000 names of ~45 bytes: 2.7 MB of arguments, over the kernel's limit.
    for i in 0..60_000 {
        fs::write(
            scripts.join(format!("a-rather-long-script-name-{i:06}.sh")),
            "",
        )
        .unwrap();
    }
    let bin_root = tempfile::tempdir().unwrap();
    let bin = fake_bin(
        bin_root.path(),
        &[("shellcheck", "echo \"batch $(($# - 1)) $1\"; exit 1")],
    );
    let out = run_with_path(t.path(), &bin, &["--json", "--project-dir", "."]);
    assert!(out.status.success(), "{out:?}");
    let v = parse(&stdout(&out));
    let text = v["dead_code"]["stdout"].as_str().unwrap().to_owned();
    let batches: Vec<u64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("batch "))
        .map(|l| {
            assert!(l.ends_with(" --include=SC2034"), "{l}");
            l.split(' ').next().unwrap().parse().unwrap()
        })
        .collect();
    assert!(batches.len() > 10, "{batches:?}");
    assert_eq!(batches.iter().sum::<u64>(), 60_000);
    assert!(!text.contains("too long"), "{text}");
    assert_eq!(v["line_counts"]["shell"]["file_count"], 60_000);
}

#[test]
fn a_project_dir_that_is_not_utf8_works() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join(OsStr::from_bytes(b"proj\xff"));
    common::fixture(&dir, false);
    fs::write(
        dir.join("scripts/code-analysis.sh"),
        "echo \"analysed $1\"\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .current_dir(t.path())
        .arg("--json")
        .arg("--project-dir")
        .arg(OsStr::from_bytes(b"./proj\xff/"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v = parse(&stdout(&out));
    assert_eq!(v["project_dir"], "proj\u{fffd}");
    assert_eq!(v["summary"]["total_role_lines"], 247);
    assert_eq!(v["dead_code"]["stdout"], "analysed dead-code\n");
}

#[test]
fn control_characters_in_names_are_escaped() {
    let t = tempfile::tempdir().unwrap();
    let scripts = t.path().join("scripts");
    fs::create_dir_all(&scripts).unwrap();
    fs::write(scripts.join("x\x1b]2;TITLE\x07y.py"), "a\n").unwrap();
    fs::write(scripts.join("red\x1b[41m\u{202e}.sh"), "a\n").unwrap();
    fs::create_dir_all(t.path().join("roles/r\u{9b}31m/tasks")).unwrap();
    fs::write(t.path().join("roles/r\u{9b}31m/tasks/main.yml"), "a\n").unwrap();
    let bin_root = tempfile::tempdir().unwrap();
    let bin = fake_bin(bin_root.path(), &[("shellcheck", "echo \"In $2 line 1\"")]);
    let out = run_with_path(t.path(), &bin, &["--project-dir", "."]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    for bad in ['\x1b', '\x07', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(bad), "{bad:?} reached the terminal:\n{text}");
    }
    assert!(text.contains("  x\\x1b]2;TITLE\\x07y "), "{text}");
    assert!(
        text.contains("  scripts/red\\x1b[41m\\u202e.sh\n"),
        "{text}"
    );
    assert!(text.contains("  r\\x9b31m "), "{text}");
    assert!(
        text.contains("In scripts/red\\x1b[41m\\u202e.sh line 1\n"),
        "{text}"
    );
    // The JSON report keeps the names, escaped by its encoder.
    let json = stdout(&run_with_path(
        t.path(),
        &bin,
        &["--json", "--project-dir", "."],
    ));
    assert!(!json.contains('\x1b'));
    assert!(parse(&json)["test_ratios"]["x\x1b]2;TITLE\x07y"].is_object());
}

#[test]
fn folders_too_deep_to_list_are_reported() {
    let p = project(false);
    // Built one level at a time, relative to the previous folder: the whole
    // path is too long to create in one go.
    use nix::fcntl::{openat, OFlag};
    use nix::sys::stat::{mkdirat, Mode};
    let part = "d".repeat(250);
    let mut dir = fs::File::open(p.path().join("roles/base_system")).unwrap();
    for _ in 0..20 {
        mkdirat(&dir, part.as_str(), Mode::from_bits_truncate(0o755)).unwrap();
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY;
        dir = fs::File::from(openat(&dir, part.as_str(), flags, Mode::empty()).unwrap());
    }
    let flags = OFlag::O_WRONLY | OFlag::O_CREAT;
    let yml = openat(&dir, "deep.yml", flags, Mode::from_bits_truncate(0o644)).unwrap();
    std::io::Write::write_all(&mut fs::File::from(yml), b"x: 1\n").unwrap();
    let out = run(
        p.path(),
        &["--json", "--project-dir", ".", "--no-dead-code"],
    );
    assert!(out.status.success(), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.starts_with("code-audit: WARNING: 1 folder not counted: path longer than the system limit of 4096 bytes (…")
            && err.ends_with(&format!("{})\n", &part[..119])),
        "{err}"
    );
    assert_eq!(parse(&stdout(&out))["summary"]["total_role_lines"], 247);
}

#[test]
fn utf16_files_count_their_text_lines() {
    let t = tempfile::tempdir().unwrap();
    let scripts = t.path().join("scripts");
    fs::create_dir_all(&scripts).unwrap();
    let utf16 = |bom: bool, text: &str| {
        let mut bytes = if bom { vec![0xff, 0xfe] } else { vec![] };
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    fs::write(scripts.join("marked.py"), utf16(true, "a\nb\n")).unwrap();
    // No mark: counted as bytes, as upstream (which reads it as UTF-8).
    fs::write(scripts.join("unmarked.py"), utf16(false, "a\nb\n")).unwrap();
    let out = run(
        t.path(),
        &["--json", "--project-dir", ".", "--no-dead-code"],
    );
    let v = parse(&stdout(&out));
    assert_eq!(v["test_ratios"]["marked"]["impl_lines"], 2);
    assert_eq!(v["test_ratios"]["unmarked"]["impl_lines"], 3);
}

#[test]
fn a_vulture_module_in_the_tree_is_never_imported() {
    let Some(python) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("python3"))
        .find(|p| p.is_file())
    else {
        eprintln!("SKIPPED: python3 not installed");
        return;
    };
    let p = project(false);
    let marker = p.path().join("IMPORTED");
    let plant = format!("open({:?}, 'w').close()\n", marker.to_str().unwrap());
    fs::write(p.path().join("vulture.py"), &plant).unwrap();
    fs::write(p.path().join("scripts/vulture.py"), &plant).unwrap();
    let bin = p.path().join("bin");
    fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&python, bin.join("python3")).unwrap();
    for cwd in [p.path(), &p.path().join("scripts")] {
        let out = run_with_path(cwd, &bin, &["--json", "--project-dir", "."]);
        assert!(out.status.success(), "{out:?}");
        assert!(
            !marker.exists(),
            "vulture.py was imported from {}",
            cwd.display()
        );
    }
    let _ = Path::new(BIN);
}

#[test]
fn the_checkout_it_was_adopted_into_is_trusted() {
    let p = project(false);
    fs::write(
        p.path().join("scripts/code-analysis.sh"),
        "echo adopted-ran\n",
    )
    .unwrap();
    let bin = p.path().join(".anklume-rs/bin");
    fs::create_dir_all(&bin).unwrap();
    fs::copy(BIN, bin.join("code-audit")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(bin.join("code-audit"))
        .current_dir(elsewhere.path())
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let checkout = p.path().canonicalize().unwrap();
    assert_eq!(
        stderr(&out),
        format!(
            "code-audit: auditing {} (the checkout this code-audit was adopted into)\n",
            checkout.display()
        )
    );
    let v = parse(&stdout(&out));
    assert_eq!(v["dead_code"]["stdout"], "adopted-ran\n");
    assert_eq!(v["summary"]["total_role_lines"], 247);
}

/// `-o` goes through shared::write: through a link to a regular file (as
/// upstream), never through a dangling one (upstream creates its target);
/// an existing report keeps its permissions.
#[test]
fn output_files_follow_the_write_rules() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let tree = project(false);
    let out = tempfile::tempdir().unwrap();
    let dangling = out.path().join("report.json");
    symlink(out.path().join("nowhere/deep/r.json"), &dangling).unwrap();
    let dir = tree.path().to_str().unwrap();
    let r = run(
        tree.path(),
        &[
            "--project-dir",
            dir,
            "--no-dead-code",
            "-o",
            dangling.to_str().unwrap(),
        ],
    );
    assert_eq!(r.status.code(), Some(1), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("which does not exist"),
        "{}",
        stderr(&r)
    );
    assert!(!out.path().join("nowhere").exists());

    let real = out.path().join("real.txt");
    fs::write(&real, "old").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
    let link = out.path().join("link.txt");
    symlink(&real, &link).unwrap();
    let r = run(
        tree.path(),
        &[
            "--project-dir",
            dir,
            "--no-dead-code",
            "-o",
            link.to_str().unwrap(),
        ],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_ne!(fs::read_to_string(&real).unwrap(), "old");
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

//! Shared helpers for the `code-audit` integration tests: the fixture
//! project and a way to run the binary.

#![allow(dead_code)] // each test file uses a different subset

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_code-audit");

fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// A small anklume-like tree covering every rule of the audit: matching and
/// missing tests, a test-only module, an empty script (int ratio 0), a tie
/// at the rounding digit (1/8), CRLF and lone-CR line ends, hidden files,
/// a folder and a dangling symlink matching `*.py` / `*.sh`, roles with a
/// 241-line one, a symlinked role, a symlinked folder inside a role (not
/// followed), an empty role and an empty folder. With `non_utf8`, also a
/// Latin-1 script (2 lines), which upstream counted as 0.
pub fn fixture(root: &Path, non_utf8: bool) {
    write(
        root,
        "scripts/generate.py",
        "#!/usr/bin/env python3\n# Generator\nimport sys\n\ndef main():\n    pass\n\ndef helper():\n    pass\n",
    );
    write(
        root,
        "scripts/snap.sh",
        "#!/usr/bin/env bash\n# Snapshot manager\nset -euo pipefail\necho \"hello\"\n",
    );
    write(
        root,
        "scripts/untested.py",
        "# No test exists for this\ndef orphan():\n    pass\n",
    );
    write(root, "scripts/empty.py", "");
    write(root, "scripts/eighth.py", "x = 1\n".repeat(8));
    write(
        root,
        "scripts/crlf.py",
        "a = 1\r\nb = 2\rc = 3\r\n\r\nd = 4",
    );
    write(root, "scripts/.hidden.py", "pass\n");
    write(root, "scripts/my-tool.sh", "#!/bin/sh\nunused=1\necho hi\n");
    write(root, "scripts/notes.txt", "not counted\n");
    fs::create_dir_all(root.join("scripts/folder.py")).unwrap();
    symlink(root.join("nowhere"), root.join("scripts/dangling.sh")).unwrap();
    if non_utf8 {
        write(root, "scripts/latin1.py", b"# caf\xe9\nx = 1\n");
    }

    write(
        root,
        "tests/test_generate.py",
        "import pytest\n\ndef test_basic():\n    assert True\n\ndef test_another():\n    assert True\n",
    );
    write(root, "tests/test_snap.py", "def test_snap():\n    pass\n");
    write(
        root,
        "tests/test_my_tool.py",
        "def test_tool():\n    pass\n",
    );
    write(root, "tests/test_eighth.py", "pass\n");
    write(
        root,
        "tests/test_orphan.py",
        "def test_orphan():\n    pass\n\n",
    );
    write(root, "tests/conftest.py", "import pytest\n");
    write(root, "tests/snap.py", "helper = 1\n");
    fs::create_dir_all(root.join("tests/fixtures")).unwrap();

    write(
        root,
        "roles/base_system/tasks/main.yml",
        "---\n- name: Install packages\n  apt:\n    name: vim\n",
    );
    write(
        root,
        "roles/incus_network/tasks/main.yml",
        format!("---\n{}", "- name: Task\n  debug: msg=ok\n".repeat(120)),
    );
    write(
        root,
        "roles/incus_network/templates/bridge.j2",
        "{{ name }}\n{{ addr }}\n",
    );
    write(root, "roles/incus_network/README.md", "not counted\n");
    write(root, "roles/stray.yml", "---\nstray: true\n");
    fs::create_dir_all(root.join("roles/empty_role")).unwrap();
    write(
        root,
        "shared_role/tasks/main.yml",
        "---\n- debug: msg=shared\n",
    );
    symlink(root.join("shared_role"), root.join("roles/linked_role")).unwrap();
    symlink(
        root.join("shared_role"),
        root.join("roles/base_system/vendored"),
    )
    .unwrap();

    write(root, "site.yml", "---\n- hosts: all\n  roles: []\n");
    write(root, ".yamllint.yml", "extends: default\n");
    write(root, "docs/ignored.yml", "not: counted\n");
}

/// A fresh fixture in a temp folder.
pub fn project(non_utf8: bool) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    fixture(t.path(), non_utf8);
    t
}

/// Run the binary in `cwd` with `args`.
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

/// Run the binary in `cwd` with only `path` on PATH.
pub fn run_with_path(cwd: &Path, path: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(cwd)
        .env("PATH", path)
        .args(args)
        .output()
        .unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Parse a JSON report, failing the test when it is not valid JSON.
pub fn parse(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("invalid JSON ({e}):\n{json}"))
}

/// A folder holding executable shell scripts named after fake tools.
pub fn fake_bin(root: &Path, tools: &[(&str, &str)]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = root.join("fakebin");
    fs::create_dir_all(&dir).unwrap();
    for (name, body) in tools {
        let p = dir.join(name);
        fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

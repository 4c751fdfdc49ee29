//! An anklume-shaped checkout written by the adopt tests: a git repository
//! whose Makefile calls the five scripts the way anklume's does, stand-in
//! originals that announce themselves, and a unit test that imports
//! `generate.py` and `code-audit.py` as modules.
//!
//! Also: the anklume binaries of this workspace (built once, debug) and the
//! `make adopt` / `make unadopt` calls.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::rig::workspace_root;

/// What every stand-in original prints before failing with exit 3: a run
/// that shows it did not go through our binary.
pub const STAND_IN: &str = "STAND-IN ORIGINAL";

pub const SCRIPTS: [&str; 5] = [
    "generate.py",
    "snap.sh",
    "snapshot-apply.sh",
    "incus-guard.sh",
    "code-audit.py",
];

const MAKEFILE: &str = "\
SHELL := /bin/bash
INFRA_SRC := $(if $(wildcard infra/base.yml),infra,infra.yml)
PLAYBOOK ?= ansible-playbook site.yml
KEEP ?=
T ?=

sync:
\tpython3 scripts/generate.py $(INFRA_SRC)
sync-dry:
\tpython3 scripts/generate.py $(INFRA_SRC) --dry-run
sync-clean:
\tpython3 scripts/generate.py $(INFRA_SRC) --clean-orphans

define around
\t$(if $(SKIP_SNAPSHOT),,@scripts/snapshot-apply.sh create $(if $(3),--limit $(3)))
\t@echo \"Running: $(1)\"
\t@$(2)
\t$(if $(SKIP_SNAPSHOT),,@scripts/snapshot-apply.sh cleanup $(if $(KEEP),--keep $(KEEP)))
endef

apply:
\t$(call around,apply,$(PLAYBOOK))
rollback:
\t@scripts/snapshot-apply.sh rollback $(T)
rollback-list:
\t@scripts/snapshot-apply.sh list
rollback-cleanup:
\t@scripts/snapshot-apply.sh cleanup $(if $(KEEP),--keep $(KEEP))
audit:
\t@python3 scripts/code-audit.py
audit-json:
\t@python3 scripts/code-audit.py --json --output reports/audit.json
";

const GENERATE_PY: &str = "\
#!/usr/bin/env python3
\"\"\"Stand-in for the checkout's generator.\"\"\"
import sys


def load_infra(path):
    return {\"stand_in\": path}


if __name__ == \"__main__\":
    print(\"STAND-IN ORIGINAL generate\")
    sys.exit(3)
";

const CODE_AUDIT_PY: &str = "\
#!/usr/bin/env python3
\"\"\"Stand-in for the checkout's audit.\"\"\"
import sys


def count_lines(path):
    return 42


if __name__ == \"__main__\":
    print(\"STAND-IN ORIGINAL code-audit\")
    sys.exit(3)
";

const GUARD_SH: &str = "\
#!/usr/bin/env bash
set -euo pipefail
LOGFILE=\"/var/log/incus-network-guard.log\"
GUARD_STATE=\"/run/incus-guard-host-dev\"
GUARD_SCRIPT_INSTALL=\"/opt/anklume/incus-guard.sh\"
DROPIN_DIR=\"/etc/systemd/system/incus.service.d\"
DROPIN_FILE=\"$DROPIN_DIR/network-guard.conf\"
echo \"STAND-IN ORIGINAL incus-guard\"
exit 3
";

const IMPORT_TEST: &str = "\
import importlib
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / \"scripts\"
sys.path.insert(0, str(SCRIPTS))

import generate  # noqa: E402
from generate import load_infra  # noqa: E402

assert load_infra(\"x\") == {\"stand_in\": \"x\"}, load_infra(\"x\")
assert generate.__file__ == str(SCRIPTS / \"generate.py\"), generate.__file__
code_audit = importlib.import_module(\"code-audit\")
assert code_audit.count_lines(\"y\") == 42
print(\"IMPORT OK\")
";

/// The checkout: a git repository in a temporary folder.
pub struct Checkout {
    pub dir: tempfile::TempDir,
    /// Outside the checkout: fakes, state, logs of one test.
    pub scratch: tempfile::TempDir,
}

pub fn sh(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(path: &Path, body: &str, mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, body).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

impl Checkout {
    /// Writes the tree and commits it.
    pub fn new() -> Checkout {
        let dir = tempfile::Builder::new()
            .prefix("anklume-checkout")
            .tempdir()
            .unwrap();
        let p = dir.path();
        write(&p.join("Makefile"), MAKEFILE, 0o644);
        write(&p.join("scripts/generate.py"), GENERATE_PY, 0o755);
        write(&p.join("scripts/code-audit.py"), CODE_AUDIT_PY, 0o755);
        write(&p.join("scripts/incus-guard.sh"), GUARD_SH, 0o755);
        for name in ["snap", "snapshot-apply"] {
            let body = format!("#!/usr/bin/env bash\necho \"{STAND_IN} {name}\"\nexit 3\n");
            write(&p.join(format!("scripts/{name}.sh")), &body, 0o755);
        }
        // Not executable, as a script some checkouts keep: the mode must survive.
        write(&p.join("scripts/other.sh"), "echo other\n", 0o644);
        write(&p.join("tests/test_import.py"), IMPORT_TEST, 0o644);
        let infra =
            fs::read_to_string(workspace_root().join("examples/homelab/infra.yml")).unwrap();
        write(&p.join("infra.yml"), &infra, 0o644);
        write(
            &p.join(".gitignore"),
            "inventory/\ngroup_vars/\nhost_vars/\nreports/\n__pycache__/\n",
            0o644,
        );
        for args in [
            &["init", "-q"][..],
            &["add", "-A"],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                "checkout",
            ],
        ] {
            let out = sh(p, "git", args);
            assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
        }
        Checkout {
            dir,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `git status --porcelain`.
    pub fn git_status(&self) -> String {
        text(&sh(self.path(), "git", &["status", "--porcelain"]).stdout)
    }

    /// Every file under the checkout except `.git` and what the targets make
    /// (ignored output folders): path → (bytes, mode, mtime).
    pub fn files(&self) -> BTreeMap<PathBuf, (Vec<u8>, u32, i64)> {
        let mut all = BTreeMap::new();
        walk(self.path(), self.path(), &mut all);
        all
    }

    /// `make <target>` inside the checkout, quiet, with `env` added.
    pub fn make(&self, target: &str, vars: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = crate::make();
        cmd.args(["-s", "--no-print-directory", target])
            .args(vars)
            .current_dir(self.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

impl Default for Checkout {
    fn default() -> Self {
        Self::new()
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, u32, i64)>) {
    use std::os::unix::fs::MetadataExt;
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap().to_path_buf();
        let top = rel.components().next().unwrap().as_os_str().to_owned();
        let skip = ["inventory", "group_vars", "host_vars", "reports", ".git"];
        if skip.iter().any(|s| top == *s) || rel.ends_with("__pycache__") {
            continue;
        }
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            walk(root, &path, out);
        } else {
            out.insert(rel, (fs::read(&path).unwrap(), meta.mode(), meta.mtime()));
        }
    }
}

/// The folder holding this workspace's five anklume binaries, built (debug)
/// on first use.
pub fn binaries() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args(["build", "--quiet"])
            .args(["-p", "generate", "-p", "snap", "-p", "snapshot-apply"])
            .args(["-p", "incus-guard", "-p", "code-audit"])
            .current_dir(workspace_root())
            .output()
            .unwrap();
        assert!(out.status.success(), "cargo build: {}", text(&out.stderr));
        // This test runs from <target>/debug/deps/.
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        assert!(dir.join("generate").is_file(), "{}", dir.display());
        dir
    })
}

/// `make adopt|unadopt ANKLUME=<dir> BIN=<our binaries>` in this workspace.
pub fn adopt_cmd(verb: &str, dir: &Path, extra: &[&str]) -> Output {
    crate::make()
        .args(["-s", "--no-print-directory", verb])
        .arg(format!("ANKLUME={}", dir.display()))
        .arg(format!("BIN={}", binaries().display()))
        .args(extra)
        .current_dir(workspace_root())
        .output()
        .unwrap()
}

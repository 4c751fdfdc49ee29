//! Ember's `scripts/provision.sh`, driven for real against recording fakes
//! of apk/adduser/rc-update/cargo/curl/chown in a scratch `EMBER_ROOT`:
//! rendering of the templates, the tty1 autologin edit of inittab, the model
//! download (resumed when partial), idempotence, `--dry-run`, and the refusal
//! to run anywhere but Alpine.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use e2e::glue::write_exec;
use e2e::rig::workspace_root;

const FAKE: &str = r#"#!/bin/sh
printf '%s %s\n' "$(basename "$0")" "$*" >>"$FAKE_LOG"
case "$(basename "$0")" in
  adduser)
    for last; do :; done
    echo "$last:x:1000:1000::/home/$last:/bin/zsh" >>"$EMBER_ROOT/etc/passwd" ;;
  cargo)
    printf 'cargo-env RUSTFLAGS=%s\n' "${RUSTFLAGS:-}" >>"$FAKE_LOG" ;;
  curl)
    while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
    echo "fake gguf" >>"$out" ;;
esac
exit 0
"#;

struct Scratch {
    dir: tempfile::TempDir,
    fakes: PathBuf,
    log: PathBuf,
    root: PathBuf,
}

const INITTAB: &str = "::sysinit:/sbin/openrc sysinit\n\
tty1::respawn:/sbin/getty 38400 tty1\n\
tty2::respawn:/sbin/getty 38400 tty2\n\
::shutdown:/sbin/openrc shutdown\n";

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let fakes = dir.path().join("fakes");
        let root = dir.path().join("root");
        fs::create_dir_all(&fakes).unwrap();
        fs::create_dir_all(root.join("etc")).unwrap();
        for tool in ["apk", "adduser", "rc-update", "cargo", "curl", "chown"] {
            write_exec(&fakes.join(tool), FAKE);
        }
        fs::write(
            root.join("etc/os-release"),
            "NAME=\"Alpine Linux\"\nID=alpine\n",
        )
        .unwrap();
        fs::write(root.join("etc/inittab"), INITTAB).unwrap();
        fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/ash\n").unwrap();
        let log = dir.path().join("calls.log");
        Scratch {
            dir,
            fakes,
            log,
            root,
        }
    }

    fn provision(&self, args: &[&str]) -> Output {
        let path = format!(
            "{}:{}",
            self.fakes.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("sh")
            .arg(workspace_root().join("scripts/provision.sh"))
            .args(args)
            .env("PATH", path)
            .env("FAKE_LOG", &self.log)
            .env("EMBER_ROOT", &self.root)
            .env("EMBER_VAULT_DIR", "/srv/vault")
            .env("EMBER_MODEL_DIR", "/srv/models")
            .env(
                "EMBER_MODEL_URL",
                "https://models.invalid/tiny/tiny-q4.gguf?download=true",
            )
            .env("LLAMA_DIR", "/opt/llama")
            .env("APK_PRUNE", "nano openssh-server")
            .env("EMBER_SERVICE", "openrc")
            .env_remove("EMBER_USER")
            .env_remove("EMBER_SKIP_BUILD")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "provision.sh {args:?}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn calls(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn tree(&self) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
        fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, u32)>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let meta = fs::symlink_metadata(&path).unwrap();
                let rel = path.strip_prefix(base).unwrap().to_path_buf();
                if meta.is_dir() {
                    out.insert(rel.clone(), (Vec::new(), meta.permissions().mode()));
                    walk(&path, base, out);
                } else if meta.file_type().is_symlink() {
                    out.insert(
                        rel,
                        (
                            fs::read_link(&path)
                                .unwrap()
                                .into_os_string()
                                .into_encoded_bytes(),
                            0,
                        ),
                    );
                } else {
                    out.insert(rel, (fs::read(&path).unwrap(), meta.permissions().mode()));
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.root, &self.root, &mut out);
        out
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

#[test]
fn provision_renders_everything_into_ember_root() {
    let s = Scratch::new();
    s.provision(&[]);
    let repo = workspace_root();
    let repo = repo.to_str().unwrap();

    let tmux = s.read("home/ember/.tmux.conf");
    assert!(
        tmux.contains(&format!("default-command \"{repo}/scripts/tmux_pane.sh\"")),
        "{tmux}"
    );
    assert!(
        tmux.contains(&format!("#({repo}/target/native/release/ember-repl hud")),
        "{tmux}"
    );
    assert!(tmux.contains("default-shell \"/bin/zsh\""));
    let zshrc = s.read("home/ember/.zshrc");
    assert!(
        zshrc.contains("VAULT_DIR=\"${VAULT_DIR:-/srv/vault}\""),
        "{zshrc}"
    );
    assert!(
        zshrc.contains("LLAMA_CPP_MODEL=\"${LLAMA_CPP_MODEL:-/srv/models/tiny-q4.gguf}\""),
        "{zshrc}"
    );
    assert!(zshrc.contains("LLAMA_CPP_DIR=\"/opt/llama\""));
    assert!(zshrc.contains(&format!("EMBER_REPO_DIR=\"{repo}\"")));
    assert!(zshrc.contains("alias hud="));
    let zprofile = s.read("home/ember/.zprofile");
    assert!(zprofile.contains("EMBER_SKIP_AUTO_TMUX"));
    assert!(
        zprofile.contains(&format!("EMBER_REPO_DIR=\"{repo}\"")),
        "{zprofile}"
    );
    assert!(
        zprofile.contains("\"$EMBER_REPO_DIR/scripts/ember_dev_run.sh\""),
        "{zprofile}"
    );
    let service = s.read("etc/init.d/ember");
    assert!(service.starts_with("#!/sbin/openrc-run"));
    assert!(service.contains("ember_user=\"ember\""));
    let mode = fs::metadata(s.root.join("etc/init.d/ember"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    for rendered in [&tmux, &zshrc, &zprofile, &service] {
        assert!(!rendered.contains("{{"), "placeholder left:\n{rendered}");
    }

    let inittab = s.read("etc/inittab");
    assert_eq!(
        inittab,
        INITTAB.replace(
            "tty1::respawn:/sbin/getty 38400 tty1",
            "tty1::respawn:/sbin/agetty --autologin ember --noclear 38400 tty1 linux"
        )
    );
    assert_eq!(s.read("etc/inittab.ember.bak"), INITTAB);
    assert!(s.root.join("srv/vault").is_dir());
    assert_eq!(s.read("srv/models/tiny-q4.gguf"), "fake gguf\n");
    assert!(!s.root.join("srv/models/tiny-q4.gguf.part").exists());

    let calls = s.calls();
    let has = |prefix: &str| calls.iter().any(|c| c.starts_with(prefix));
    assert!(has("apk update"), "{calls:#?}");
    let add = calls
        .iter()
        .find(|c| c.starts_with("apk add"))
        .expect("apk add");
    for pkg in [
        "tmux",
        "zsh",
        "cargo",
        "rust",
        "cmake",
        "clang-dev",
        "build-base",
        "curl",
    ] {
        assert!(add.split(' ').any(|w| w == pkg), "{pkg} missing from {add}");
    }
    assert!(
        has("adduser -D -h /home/ember -s /bin/zsh ember"),
        "{calls:#?}"
    );
    assert!(has(&format!(
        "cargo build --release --locked -p ember-repl --target-dir {repo}/target/native --manifest-path {repo}/Cargo.toml"
    )), "{calls:#?}");
    // Native for ember-repl only, in its own target dir.
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("cargo-env RUSTFLAGS=") && c.ends_with("-C target-cpu=native")),
        "{calls:#?}"
    );
    let curl = calls.iter().find(|c| c.starts_with("curl")).expect("curl");
    assert!(
        curl.contains("-C -") && curl.contains(".gguf.part"),
        "{curl}"
    );
    assert!(has("rc-update add ember default"));
    assert!(has("apk del nano openssh-server"));
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("chown") && c.trim_end().ends_with(repo)),
        "chowned the checkout under EMBER_ROOT: {calls:#?}"
    );
    assert_eq!(
        fs::read_link(s.root.join("usr/local/bin/ember-repl")).unwrap(),
        Path::new(repo).join("target/native/release/ember-repl")
    );
}

#[test]
fn provision_is_idempotent() {
    let s = Scratch::new();
    s.provision(&[]);
    let first = s.tree();
    let first_calls = s.calls().len();
    let mtime = |rel: &str| fs::metadata(s.root.join(rel)).unwrap().modified().unwrap();
    let zshrc_time = mtime("home/ember/.zshrc");
    let out = s.provision(&[]);
    assert_eq!(first, s.tree(), "second run changed files");
    assert_eq!(
        zshrc_time,
        mtime("home/ember/.zshrc"),
        "unchanged dotfile rewritten"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("tty1 autologin already configured"),
        "{stdout}"
    );
    assert!(stdout.contains("model present"), "{stdout}");
    let inittab = s.read("etc/inittab");
    assert_eq!(inittab.matches("--autologin ember").count(), 1);
    assert_eq!(inittab.matches("tty1::").count(), 1);
    let second: Vec<String> = s.calls()[first_calls..].to_vec();
    assert!(
        !second.iter().any(|c| c.starts_with("adduser")),
        "user created twice: {second:#?}"
    );
    assert!(
        !second.iter().any(|c| c.starts_with("curl")),
        "model downloaded twice: {second:#?}"
    );
    // Rebuilds go through cargo (incremental), never a clean.
    assert!(second
        .iter()
        .any(|c| c.starts_with("cargo build --release")));
    assert!(!s.calls().iter().any(|c| c.starts_with("cargo clean")));
}

#[test]
fn provision_resumes_a_partial_download() {
    let s = Scratch::new();
    fs::create_dir_all(s.root.join("srv/models")).unwrap();
    fs::write(s.root.join("srv/models/tiny-q4.gguf.part"), "half ").unwrap();
    s.provision(&[]);
    // The fake curl appends, as `curl -C -` does.
    assert_eq!(s.read("srv/models/tiny-q4.gguf"), "half fake gguf\n");
}

#[test]
fn provision_dry_run_changes_nothing() {
    let s = Scratch::new();
    let before = s.tree();
    let out = s.provision(&["--dry-run"]);
    assert_eq!(before, s.tree(), "--dry-run wrote files");
    assert!(
        s.calls().is_empty(),
        "--dry-run ran commands: {:#?}",
        s.calls()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "[dry-run] apk add",
        "[dry-run] adduser",
        "[dry-run] env RUSTFLAGS=",
        "cargo build",
        "[dry-run] curl",
        "[dry-run] edit",
        ".tmux.conf",
    ] {
        assert!(stdout.contains(expected), "{expected} not shown:\n{stdout}");
    }
    // And after a real run, a dry run still changes nothing.
    s.provision(&[]);
    let provisioned = s.tree();
    s.provision(&["-n"]);
    assert_eq!(provisioned, s.tree());
    let _ = &s.dir;
}

#[test]
fn provision_refuses_non_alpine() {
    let s = Scratch::new();
    fs::write(s.root.join("etc/os-release"), "ID=debian\n").unwrap();
    let out = Command::new("sh")
        .arg(workspace_root().join("scripts/provision.sh"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                s.fakes.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("FAKE_LOG", &s.log)
        .env("EMBER_ROOT", &s.root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not Alpine"));
    assert!(s.calls().is_empty());
}

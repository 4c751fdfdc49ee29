//! Test scaffolding: a runtime over a fake backend, a temporary home with
//! docs, a vault and a models directory, and a captured output.

use crate::backend::fake::FakeBackend;
use crate::config::Settings;
use crate::home::Home;
use crate::render::Ui;
use crate::runtime::Runtime;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// Makes a FIFO at `path`.
pub fn mkfifo(path: &std::path::Path) {
    crate::os::mkfifo(path).expect("mkfifo");
}

/// A fresh, leaked cancel flag (each test its own).
pub fn flag() -> &'static AtomicBool {
    Box::leak(Box::new(AtomicBool::new(false)))
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub rt: Runtime,
}

impl Fixture {
    pub fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// The fake backend inside the runtime.
    pub fn fake(&mut self) -> &mut FakeBackend {
        let any: &mut dyn std::any::Any = self.rt.backend.as_any_mut();
        any.downcast_mut::<FakeBackend>().expect("fake backend")
    }

    /// Runs `f` with a UI writing to a buffer; returns what was written.
    pub fn capture(&mut self, f: impl FnOnce(&mut Runtime, &mut Ui)) -> String {
        let mut buf = Vec::new();
        {
            let mut ui = Ui::new(&mut buf, false, false);
            f(&mut self.rt, &mut ui);
        }
        String::from_utf8(buf).expect("utf8 output")
    }
}

/// A runtime with docs, a ready vault, one model file and the given replies.
pub fn fixture(replies: &[&str], env: &[(&str, &str)]) -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    let home = root.join("home");
    std::fs::create_dir_all(home.join("docs")).expect("mkdir");
    std::fs::write(
        home.join("README.md"),
        "Ember readme: the vault lives at /vault.",
    )
    .expect("write");
    std::fs::write(home.join("AGENTS.md"), "Agents: core, network.").expect("write");
    std::fs::write(home.join("docs/ROADMAP.md"), "Roadmap: HUD.").expect("write");
    std::fs::create_dir_all(root.join("vault")).expect("mkdir");
    std::fs::create_dir_all(root.join("models")).expect("mkdir");
    std::fs::write(root.join("models/fake.gguf"), b"GGUF\x03\0\0\0").expect("write");
    let mut map: HashMap<String, String> = HashMap::from([
        (
            "VAULT_DIR".to_string(),
            root.join("vault").display().to_string(),
        ),
        (
            "LLAMA_CPP_MODEL_DIR".to_string(),
            root.join("models").display().to_string(),
        ),
    ]);
    for (k, v) in env {
        map.insert((*k).to_string(), (*v).to_string());
    }
    let settings = Settings::load(&move |k| map.get(k).cloned(), 2);
    let cancel = flag();
    let backend = Box::new(FakeBackend::with_replies(cancel, replies));
    let home = Home {
        dir: Some(home),
        how: "EMBER_REPO_DIR",
    };
    let mut rt = Runtime::new(settings, home, backend, cancel);
    rt.cwd = Some(root.to_path_buf());
    // Loaded up front so that outputs hold only what the test is about.
    rt.ensure_model(&mut |_| {}).expect("fake load");
    Fixture { dir, rt }
}

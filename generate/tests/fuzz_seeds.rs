//! The fuzz targets' seeds, replayed on stable Rust without libFuzzer:
//! every file under `fuzz/seeds/` (hand-written infra files, and inputs a
//! fuzzer once crashed on) and the inputs below go through the same
//! functions the targets call (`generate::fuzz::check`, which runs the
//! binary's pipeline with its writes into a temp folder, and `check_yaml`),
//! and none may panic. As under libFuzzer, a panic counts even when something
//! catches it. Seeds not named `bad-*` or `crash-*` must also make it to
//! the end of the pipeline, so that they keep seeding all of it.

use generate::fuzz::{check, check_yaml, init, Stage};
use generate::End;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Small inputs kept as regressions for the corners of the loader.
const INLINE: &[&[u8]] = &[
    b"",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"---\n...\n",
    b"~",
    b"[]",
    b"project_name: x\nglobal: x\ndomains: x\n",
    b"project_name: x\nglobal: {}\ndomains: {}\n",
    b"project_name: x\nglobal: {}\ndomains: {a: }\n",
    b"project_name: x\nglobal: {addressing: {}}\ndomains: {a: {machines: {b: {ip: 5}}}}\n",
    b"project_name: x\nglobal: {addressing: {zone_step: 0}}\ndomains: {a: {machines: {b: {}}}}\n",
    b"project_name: x\nglobal: {resource_policy: {host_reserve: {memory: infGiB}}}\ndomains: {a: {machines: {b: {}}}}\n",
    b"a: &a [*a]\n",
    b"a: &a {b: *a}\n",
    b"<<: {a: 1}\n<<: [{b: 2}]\n",
    b"? [a, b]\n: c\n",
    b"!!binary aGVsbG8=\n",
    b"a: !!float .nan\nb: !!int 0x_1F\nc: 1:30:00\nd: 2001-12-14t21:59:43.10-05:00\n",
    b"#nesting: absolute_level=-99999999999999999999 vm_nested=true\nproject_name: x\n",
];

fn seed_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn no_seed_panics() {
    init();
    // Record every panic, also one a library catches (libFuzzer aborts on
    // those too); the default hook still prints it.
    let panicked = Arc::new(AtomicBool::new(false));
    let default_hook = std::panic::take_hook();
    let flag = Arc::clone(&panicked);
    std::panic::set_hook(Box::new(move |info| {
        flag.store(true, Ordering::SeqCst);
        default_hook(info);
    }));

    let files = seed_files();
    assert!(files.len() >= 5, "fuzz/seeds/ has {} files", files.len());
    let mut inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            (name.into_owned(), std::fs::read(p).expect("seed readable"))
        })
        .collect();
    inputs.extend(
        INLINE
            .iter()
            .enumerate()
            .map(|(i, data)| (format!("inline #{i}"), data.to_vec())),
    );

    let mut failures = Vec::new();
    for (name, data) in &inputs {
        panicked.store(false, Ordering::SeqCst);
        let run = catch_unwind(AssertUnwindSafe(|| {
            let yaml = check_yaml(data);
            (yaml, check(data))
        }));
        match run {
            _ if panicked.load(Ordering::SeqCst) => failures.push(format!("{name}: panicked")),
            Err(_) => failures.push(format!("{name}: panicked")),
            Ok((yaml, stage)) => {
                eprintln!("{name}: {stage:?}");
                assert_eq!(yaml, stage > Stage::NotYaml, "{name}: the two loads differ");
                let expected_valid = !name.starts_with("bad-")
                    && !name.starts_with("crash-")
                    && !name.starts_with("inline");
                if expected_valid && stage != Stage::Ran(End::Done) {
                    failures.push(format!("{name}: stopped at {stage:?}"));
                }
            }
        }
    }
    let _ = std::panic::take_hook();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

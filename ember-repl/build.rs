//! Build settings of the `portable` feature (nothing otherwise).
//!
//! The portable binary links llama.cpp and ggml as shared libraries, and
//! loads one of ggml's CPU variant libraries at run time. Installed, they
//! all live in a private folder, `<bin>/../lib/ember-repl`
//! (`/usr/lib/ember-repl` for `/usr/bin/ember-repl`), found through an
//! `$ORIGIN`-relative RPATH: DT_RPATH rather than RUNPATH, because it also
//! serves the libraries' own dependencies (libllama.so needs libggml.so),
//! which a RUNPATH on the binary would not.
//!
//! Under cargo (run, test) the libraries stay in llama-cpp-sys-2's build
//! folder: cargo puts it on the library path, and the CPU variants' folder
//! is compiled in as `EMBER_BUILD_BACKENDS_DIR`, the fallback after the
//! installed one.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_PORTABLE").is_none() {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-Wl,--disable-new-dtags,-rpath,$ORIGIN/../lib/ember-repl");
    // llama-cpp-sys-2 (links = "llama") publishes where its build put the
    // CPU variants (`cargo:backends_dir=`).
    println!("cargo:rerun-if-env-changed=DEP_LLAMA_BACKENDS_DIR");
    if let Some(dir) = std::env::var_os("DEP_LLAMA_BACKENDS_DIR") {
        println!(
            "cargo:rustc-env=EMBER_BUILD_BACKENDS_DIR={}",
            dir.to_string_lossy()
        );
    }
}

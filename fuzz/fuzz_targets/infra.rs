//! Fuzz target `infra`: any bytes through the generator's whole pipeline
//! (`generate::fuzz::check`: the binary's own run, writing its files into a
//! temp folder, then a `--dry-run --strict` run over them), plus the YAML
//! round trip. No program is run (no `ip`, no `incus`: the runs' config
//! fixes the host facts). Errors are fine; a panic is a crash. Run from the
//! `fuzz/` folder, on the stable toolchain:
//!
//!     RUSTC_BOOTSTRAP=1 cargo fuzz run infra corpus/infra seeds \
//!         -- -max_total_time=600 -jobs=1
//!
//! A crash is saved under artifacts/infra/; replay it with
//! `cargo fuzz run infra <file>`, shrink it with `cargo fuzz tmin infra
//! <file>`, and add it to seeds/ so that `cargo test -p generate --test
//! fuzz_seeds` replays it. README.md has the details.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        generate::fuzz::init();
    },
    |data: &[u8]| {
        let _ = generate::fuzz::check(data);
    }
);

//! Fuzz target `yaml`: the YAML layer alone, `py::yaml::load_str` and
//! the PyYAML emitter round trip (`emit::dump`, then `load_str` again).
//! Faster than `infra` per input, so it goes deeper into the loader.
//!
//!     cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run yaml seeds \
//!         -- -max_total_time=300 -jobs=1
//!
//! (see README.md for the corpus folder and the sanitizer).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = generate::fuzz::check_yaml(data);
});

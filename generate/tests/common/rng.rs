//! The deterministic PRNG of the randomized tests (`shared::rng`), under the
//! name the end-to-end property test and the validator's fuzz unit test
//! (which includes this file by path) use.

// Not every test binary that includes `common` draws random numbers.
#[allow(unused_imports)]
pub use shared::rng::Rng;

//! Helpers for the end-to-end tests: an anklume-shaped checkout and our
//! binaries for the adopt tests, the real-Incus test rig, and the tmux
//! harness of Ember's glue tests.

#![forbid(unsafe_code)]

pub mod checkout;
pub mod glue;
pub mod rig;

/// `make`, run as a user would type it: under `make test` the environment
/// says we are a sub-make, which changes how make words its errors
/// (`make[1]: ***`) and passes its flags down.
pub fn make() -> std::process::Command {
    let mut cmd = std::process::Command::new("make");
    cmd.env_remove("MAKELEVEL")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS");
    cmd
}

//! How long this tool lets incus take; the calls themselves live in
//! `shared::incus`.

use std::time::Duration;

/// A snapshot of a big instance on a `dir` pool is a full copy; the
/// listing's two minutes would kill the client while the daemon goes on.
pub const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(1800);

/// The listing timeout of the commands that change things.
pub fn list_timeout() -> Duration {
    shared::incus::DEFAULT_TIMEOUT
}

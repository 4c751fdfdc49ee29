//! What tells llama.cpp to stop: Ctrl-C's flag and the answer's deadline.
//!
//! llama.cpp polls these through its abort callback (inside a long prompt
//! evaluation) and its progress callback (while loading); the backend checks
//! them between tokens. Shared behind an `Arc` so a context can hold on to
//! the flags its callback reads for as long as it lives.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

pub struct Flags {
    cancel: &'static AtomicBool,
    base: Instant,
    /// Deadline in nanoseconds after `base`; 0 = none.
    deadline_ns: AtomicU64,
}

impl Flags {
    pub fn new(cancel: &'static AtomicBool) -> Flags {
        Flags {
            cancel,
            base: Instant::now(),
            deadline_ns: AtomicU64::new(0),
        }
    }

    pub fn arm(&self, deadline: Instant) {
        let ns = deadline.saturating_duration_since(self.base).as_nanos();
        self.deadline_ns.store(
            u64::try_from(ns).unwrap_or(u64::MAX).max(1),
            Ordering::Relaxed,
        );
    }

    pub fn disarm(&self) {
        self.deadline_ns.store(0, Ordering::Relaxed);
    }

    fn expired(&self) -> bool {
        let d = self.deadline_ns.load(Ordering::Relaxed);
        d != 0 && u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX) >= d
    }

    /// Ctrl-C was pressed.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Ctrl-C was pressed or the deadline has passed.
    pub fn should_stop(&self) -> bool {
        self.cancelled() || self.expired()
    }
}

//! Where a run's lines go: stdout for the report, stderr for errors,
//! warnings and INFO lines, as upstream splits them. The binary writes
//! through the shared output layer (`shared::out`: never a panic; a closed
//! pipe or a full disk is `main`'s to report), the fuzz target to a sink.

use std::io::{self, Write};

/// A run's two streams.
pub struct Output {
    /// The process's streams, or nowhere.
    std: bool,
}

impl Output {
    /// The process's stdout and stderr.
    pub fn std() -> Output {
        Output { std: true }
    }

    /// Everything dropped.
    pub fn sink() -> Output {
        Output { std: false }
    }

    /// A line of the report.
    pub fn out(&mut self, line: &str) {
        if self.std {
            shared::outln!("{line}");
        }
    }

    /// A line on stderr.
    pub fn err(&mut self, line: &str) {
        if self.std {
            shared::eoutln!("{line}");
        }
    }

    /// Many lines of the report at once, in one write rather than one
    /// per line.
    pub fn out_all(&mut self, each: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
        let mut buf = Vec::new();
        // Writing into memory cannot fail.
        let _ = each(&mut buf);
        if self.std {
            shared::out::bytes(&buf);
        }
    }
}

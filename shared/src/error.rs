//! The error type shared by the tools, and how a tool reports one.
//!
//! Convention: a tool prints one line `ERROR: <what is wrong and what to do>`
//! to stderr and exits 1; usage errors exit 2 (clap's default).

use std::fmt;

/// One user-facing failure: a sentence that says what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error(e.to_string())
    }
}

/// Build an [`Error`] with `format!` syntax.
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => { $crate::Error::new(format!($($arg)*)) };
}

/// Print `ERROR: <e>` on stderr and exit with `code`.
pub fn die(e: impl fmt::Display, code: i32) -> ! {
    eprintln!("ERROR: {e}");
    std::process::exit(code)
}

//! The one error type of the tools: a user-facing sentence and the exit
//! code it ends the tool with.
//!
//! Convention: a tool prints one line `ERROR: <what is wrong and what to do>`
//! on stderr and exits 1; usage errors exit 2. Where upstream printed its
//! own lines or mirrored a child's exit code, the tool prints them itself
//! and passes up [`Error::exit`]: nothing more is printed, the code is kept.
//! Only `main`, through [`crate::out::finish`], turns an error into an exit.

use std::fmt;

/// One failure: a sentence that says what is wrong and what to do, and the
/// exit code of the tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: i32,
    msg: String,
    /// Already told to the user: [`crate::out::finish`] prints nothing.
    reported: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A failure that ends the tool with exit code 1.
    pub fn new(msg: impl Into<String>) -> Self {
        Error::with_code(1, msg)
    }

    /// A command line the tool cannot take: exit code 2.
    pub fn usage(msg: impl Into<String>) -> Self {
        Error::with_code(2, msg)
    }

    /// A failure with its own exit code (upstream's, where it differed).
    pub fn with_code(code: i32, msg: impl Into<String>) -> Self {
        Error {
            code,
            msg: msg.into(),
            reported: false,
        }
    }

    /// The user has been told already (the tool printed upstream's lines,
    /// or a child such as `incus` printed its own): just exit with `code`.
    pub fn exit(code: i32) -> Self {
        Error {
            code,
            msg: String::new(),
            reported: true,
        }
    }

    pub fn code(&self) -> i32 {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.msg
    }

    pub fn is_reported(&self) -> bool {
        self.reported
    }
}

/// A run that returned an exit code: 0 is success, any other code has been
/// reported by the run itself.
pub fn status(code: i32) -> Result<()> {
    match code {
        0 => Ok(()),
        code => Err(Error::exit(code)),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(e.to_string())
    }
}

impl From<String> for Error {
    fn from(msg: String) -> Self {
        Error::new(msg)
    }
}

/// Code that still carries messages as `String` (a command line parser)
/// takes an [`Error`] through `?`.
impl From<Error> for String {
    fn from(e: Error) -> String {
        e.msg
    }
}

impl From<&str> for Error {
    fn from(msg: &str) -> Self {
        Error::new(msg)
    }
}

/// Build an [`Error`] (exit code 1) with `format!` syntax.
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => { $crate::Error::new(format!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(Error::new("x").code(), 1);
        assert_eq!(Error::usage("x").code(), 2);
        assert_eq!(Error::with_code(3, "x").code(), 3);
        let e = Error::exit(141);
        assert!(e.is_reported() && e.code() == 141 && e.message().is_empty());
        assert_eq!(status(0), Ok(()));
        assert_eq!(status(4), Err(Error::exit(4)));
        assert_eq!(err!("a {}", 1).to_string(), "a 1");
    }
}

//! Ctrl-C while the model works: a SIGINT handler that only raises a flag.
//!
//! At the prompt the line editor owns Ctrl-C (it cancels the line). While a
//! prompt is being answered the terminal is back in normal mode and Ctrl-C
//! is a SIGINT; [`SigintGuard`] turns it into [`INTERRUPTED`], which the
//! backend polls between tokens, and restores the previous handler after.

use std::sync::atomic::{AtomicBool, Ordering};

/// Raised by Ctrl-C during an answer; the backend stops at the next token.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Installs the flag-raising SIGINT handler until dropped.
pub struct SigintGuard {
    previous: Option<crate::os::SavedSigint>,
}

impl SigintGuard {
    pub fn install() -> SigintGuard {
        INTERRUPTED.store(false, Ordering::SeqCst);
        SigintGuard {
            previous: crate::os::set_sigint_flag(on_sigint),
        }
    }
}

impl Drop for SigintGuard {
    fn drop(&mut self) {
        if let Some(old) = self.previous.take() {
            crate::os::restore_sigint(old);
        }
    }
}

/// Whether stdin and stdout are terminals.
pub fn stdin_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

pub fn stdout_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
}

/// Colours unless `NO_COLOR` is set (https://no-color.org) or TERM is
/// dumb, given the two variables' values.
pub fn color_wanted(no_color: Option<String>, term: Option<String>) -> bool {
    no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_rules() {
        let s = |v: &str| Some(v.to_owned());
        assert!(color_wanted(None, None));
        assert!(color_wanted(s(""), s("xterm")));
        assert!(!color_wanted(s("1"), s("xterm")));
        assert!(!color_wanted(None, s("dumb")));
    }

    #[test]
    fn sigint_sets_the_flag_only_while_guarded() {
        let guard = SigintGuard::install();
        assert!(!INTERRUPTED.load(Ordering::SeqCst));
        crate::os::raise_sigint();
        assert!(INTERRUPTED.load(Ordering::SeqCst));
        drop(guard);
        INTERRUPTED.store(false, Ordering::SeqCst);
    }
}

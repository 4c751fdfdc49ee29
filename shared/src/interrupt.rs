//! Children never outlive an interrupted tool.
//!
//! [`stop_children_on_signals`] turns SIGINT and SIGTERM into a flag that
//! every running [`crate::cmd::Cmd`] watches: the child is killed and the
//! call returns [`crate::cmd::CmdError::Interrupted`], so the tool can put
//! its state in order and exit. [`die_with_parent`] covers what no handler
//! can see (SIGKILL): each child started afterwards gets SIGTERM from the
//! kernel when the thread that started it dies.

use nix::libc;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static WATCHING: AtomicBool = AtomicBool::new(false);
static DIE_WITH_PARENT: AtomicBool = AtomicBool::new(false);
/// The signal that set [`STOP`], for the exit code (128 + signal).
static SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    // Only atomics here: anything else is not async-signal-safe.
    SIGNAL.store(signal, Ordering::SeqCst);
    STOP.store(true, Ordering::SeqCst);
}

/// From now on SIGINT / SIGTERM set the stop flag instead of killing the
/// process; running and later children are killed when it is set.
/// Also turns on [`die_with_parent`].
pub fn stop_children_on_signals() {
    die_with_parent();
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: the handler only stores to atomics.
        if unsafe { sigaction(signal, &action) }.is_ok() {
            WATCHING.store(true, Ordering::SeqCst);
        }
    }
}

/// Children started from now on get SIGTERM when their parent thread dies,
/// even by SIGKILL (Linux `PR_SET_PDEATHSIG`).
pub fn die_with_parent() {
    DIE_WITH_PARENT.store(true, Ordering::SeqCst);
}

/// Has SIGINT or SIGTERM arrived (with [`stop_children_on_signals`] on)?
pub fn interrupted() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The exit code for an interrupted run: 128 + the signal (130 for SIGINT).
pub fn exit_code() -> i32 {
    128 + SIGNAL.load(Ordering::SeqCst).max(2)
}

/// Are running children watched (so a wait must wake up to check)?
pub(crate) fn watching() -> bool {
    WATCHING.load(Ordering::SeqCst)
}

/// Set the stop flag as a signal would (for tests).
#[doc(hidden)]
pub fn raise_for_test() {
    on_signal(libc::SIGTERM);
}

/// Prepare `cmd` so that the child dies with the thread starting it.
pub(crate) fn arm(cmd: &mut std::process::Command) {
    if !DIE_WITH_PARENT.load(Ordering::SeqCst) {
        return;
    }
    use std::os::unix::process::CommandExt;
    let parent = std::process::id();
    // SAFETY: between fork and exec only async-signal-safe calls (prctl,
    // getppid, _exit), no allocation.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            // The parent may have died before prctl: then nobody will
            // send the signal, so do not start at all.
            if u32::try_from(libc::getppid()).ok() != Some(parent) {
                libc::_exit(143);
            }
            Ok(())
        });
    }
}

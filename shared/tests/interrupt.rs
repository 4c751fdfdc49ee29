//! SIGTERM to a tool that called `stop_children_on_signals`: its running
//! child is killed and the call says so. Its own test binary: the handler
//! is process-wide.

use shared::cmd::{Cmd, CmdError};
use std::time::{Duration, Instant};

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_stops_the_running_child() {
    shared::interrupt::stop_children_on_signals();
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 60", pidfile.display());
    let runner = std::thread::spawn(move || Cmd::new("sh").args(["-c", &script]).read());
    wait_for("the child to start", || {
        std::fs::read_to_string(&pidfile).is_ok_and(|s| s.ends_with('\n'))
    });
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let started = Instant::now();
    nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::Signal::SIGTERM).unwrap();
    let result = runner.join().unwrap();
    assert!(
        matches!(result, Err(CmdError::Interrupted { .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(shared::interrupt::interrupted());
    assert_eq!(shared::interrupt::exit_code(), 143);
    wait_for("the child to be gone", || {
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
    });
    // Later calls do not even start.
    let e = Cmd::new("true").read().unwrap_err();
    assert!(matches!(e, CmdError::Interrupted { .. }), "{e:?}");
}

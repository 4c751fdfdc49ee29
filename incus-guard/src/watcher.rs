//! The bridge watcher: deletes a conflicting bridge as soon as it appears.
//!
//! With netlink it sleeps in poll(2) until the kernel announces a link or
//! address change and judges just that change, so reaction takes about a
//! millisecond and an idle watcher costs nothing. Without netlink it falls
//! back to the script's approach: a full `ip -json` listing every 100 ms.

use std::collections::HashMap;
use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use crate::backend::{remove_bridge, Backend, NetOps};
use crate::log::Logger;
use crate::net::{Addr, Conflict, HostNet, Link};
use crate::netlink::NetlinkOps;
use crate::nlmonitor::{Event, Monitor};

/// The script's poll period, kept for the fallback.
pub const POLL_PERIOD: Duration = Duration::from_millis(100);

/// When and how a watcher run ends.
pub struct Until<'a> {
    /// Readable (or closed) means stop: drain, scan once more, return.
    pub stop: Option<&'a UnixStream>,
    pub deadline: Option<Instant>,
}

/// Watch until told to stop; returns how many bridges were deleted.
/// `ready` is called once the watcher is subscribed and has made its first
/// full pass, with "netlink events" or "ip polling".
pub fn run(
    host: &HostNet,
    backend: Backend,
    log: &Logger,
    until: &Until<'_>,
    ready: impl FnOnce(&str),
) -> usize {
    if backend.wants_netlink() {
        if let (Ok(mon), Ok(ops)) = (Monitor::open(), NetlinkOps::open()) {
            let mut w = Watch::new(host, Box::new(ops), log);
            return w.events(mon, until, ready);
        }
    }
    match Backend::Ip.open() {
        Ok(ops) => Watch::new(host, ops, log).polling(until, ready),
        Err(e) => {
            log.note(&format!("WATCHER: cannot watch the network: {e}"));
            0
        }
    }
}

struct Watch<'a> {
    host: &'a HostNet,
    ops: Box<dyn NetOps>,
    log: &'a Logger,
    links: HashMap<u32, Link>,
    deleted: usize,
}

impl<'a> Watch<'a> {
    fn new(host: &'a HostNet, ops: Box<dyn NetOps>, log: &'a Logger) -> Watch<'a> {
        Watch {
            host,
            ops,
            log,
            links: HashMap::new(),
            deleted: 0,
        }
    }

    fn events(&mut self, mut mon: Monitor, until: &Until<'_>, ready: impl FnOnce(&str)) -> usize {
        // Subscribed before this first read, so nothing falls in between.
        self.resync();
        ready("netlink events");
        while let Some(woke) = wait(&mon, until) {
            for ev in mon.read() {
                self.handle(ev);
            }
            if woke == Woke::Stop {
                self.resync();
                break;
            }
        }
        self.deleted
    }

    fn polling(&mut self, until: &Until<'_>, ready: impl FnOnce(&str)) -> usize {
        self.resync();
        ready("ip polling");
        while let Some(woke) = wait_stop(until, POLL_PERIOD) {
            self.resync();
            if woke == Woke::Stop {
                break;
            }
        }
        self.deleted
    }

    fn handle(&mut self, ev: Event) {
        match ev {
            Event::Link(link) => {
                self.links.insert(link.index, link);
            }
            Event::LinkGone(index) => {
                self.links.remove(&index);
            }
            Event::Addr(addr) => self.judge(&addr),
            Event::Resync => self.resync(),
        }
    }

    /// One new address: delete its link if that makes it a conflict.
    fn judge(&mut self, addr: &Addr) {
        if !addr.counts() || self.host.overlap(&addr.subnet).is_none() {
            return;
        }
        if !self.links.contains_key(&addr.index) {
            // Events come in order, so this is rare (a resync in between).
            if let Ok(links) = self.ops.links() {
                self.links = links.into_iter().map(|l| (l.index, l)).collect();
            }
        }
        let conflict = self
            .links
            .get(&addr.index)
            .and_then(|l| self.host.conflict(l, addr));
        if let Some(c) = conflict {
            self.remove(&c);
        }
    }

    /// Re-read everything and remove whatever conflicts.
    fn resync(&mut self) {
        let (links, addrs) = match self.ops.snapshot() {
            Ok(state) => state,
            Err(e) => {
                self.log
                    .note(&format!("WATCHER: cannot read the network: {e}"));
                return;
            }
        };
        for c in self.host.conflicts(&links, &addrs) {
            self.remove(&c);
        }
        self.links = links.into_iter().map(|l| (l.index, l)).collect();
    }

    fn remove(&mut self, c: &Conflict) {
        let link = self.links.get(&c.index).cloned().unwrap_or_else(|| Link {
            index: c.index,
            name: c.name.clone(),
            kind: Some("bridge".into()),
            master: None,
            lower: None,
        });
        match remove_bridge(self.ops.as_mut(), &link, &c.bridge) {
            Ok(()) => {
                self.deleted += 1;
                self.links.remove(&c.index);
                self.log.note(&format!(
                    "WATCHER: Deleted conflicting bridge {} ({})",
                    c.name, c.bridge
                ));
            }
            Err(e) => self.log.note(&format!(
                "WATCHER: Could not delete conflicting bridge {} ({}): {e}",
                c.name, c.bridge
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Woke {
    Event,
    Stop,
}

/// Sleep until the monitor has data, the stop signal comes or the deadline
/// passes (`None`: the deadline passed). No timeout otherwise: an idle
/// watcher never wakes up.
fn wait(mon: &Monitor, until: &Until<'_>) -> Option<Woke> {
    let timeout = until
        .deadline
        .map(|d| d.saturating_duration_since(Instant::now()));
    if timeout == Some(Duration::ZERO) {
        return None;
    }
    let mut fds = vec![PollFd::new(mon.fd(), PollFlags::POLLIN)];
    if let Some(s) = until.stop {
        fds.push(PollFd::new(s.as_fd(), PollFlags::POLLIN));
    }
    let ms = timeout.map_or(PollTimeout::NONE, |t| {
        PollTimeout::try_from(t).unwrap_or(PollTimeout::MAX)
    });
    // EINTR and friends: just look again.
    let _ = poll(&mut fds, ms);
    let stopped = fds
        .get(1)
        .and_then(|f| f.revents())
        .is_some_and(|r| !r.is_empty());
    Some(if stopped { Woke::Stop } else { Woke::Event })
}

/// The polling loop's sleep: `period`, cut short by stop or the deadline.
fn wait_stop(until: &Until<'_>, period: Duration) -> Option<Woke> {
    let left = until
        .deadline
        .map(|d| d.saturating_duration_since(Instant::now()));
    if left == Some(Duration::ZERO) {
        return None;
    }
    let nap = left.map_or(period, |l| l.min(period));
    let Some(s) = until.stop else {
        std::thread::sleep(nap);
        return Some(Woke::Event);
    };
    let mut fds = [PollFd::new(s.as_fd(), PollFlags::POLLIN)];
    let ms = PollTimeout::try_from(nap).unwrap_or(PollTimeout::MAX);
    let _ = poll(&mut fds, ms);
    let stopped = fds[0].revents().is_some_and(|r| !r.is_empty());
    Some(if stopped { Woke::Stop } else { Woke::Event })
}

/// A watcher on its own thread, for the time `start` brings Incus up.
pub struct Background {
    stop: UnixStream,
    thread: JoinHandle<usize>,
}

impl Background {
    pub fn spawn(host: HostNet, backend: Backend, log: Logger) -> Result<Background, String> {
        let (stop, theirs) =
            UnixStream::pair().map_err(|e| format!("cannot start the bridge watcher: {e}"))?;
        let thread = std::thread::Builder::new()
            .name("bridge-watcher".into())
            .spawn(move || {
                let until = Until {
                    stop: Some(&theirs),
                    deadline: None,
                };
                run(&host, backend, &log, &until, |_| {})
            })
            .map_err(|e| format!("cannot start the bridge watcher: {e}"))?;
        Ok(Background { stop, thread })
    }

    /// Stop after a last drain and scan; returns the number of deletions.
    pub fn stop(mut self) -> usize {
        let _ = self.stop.write_all(&[1]);
        self.thread.join().unwrap_or(0)
    }
}

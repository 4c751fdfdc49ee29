//! Kernel link/address events from an rtnetlink multicast subscription.
//!
//! The socket is non-blocking: the watcher waits on its descriptor with
//! poll(2), so an idle guard sleeps in the kernel and costs no CPU.

use std::os::fd::{AsFd, BorrowedFd};

use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket};
use nix::libc;

use crate::net::{Addr, Link};
use crate::netlink::{addr_of, link_of, split};

/// Room for a burst of events before the kernel drops some (then we resync).
const SOCKET_RCVBUF: usize = 4 * 1024 * 1024;
const RECV_BUF: usize = 256 * 1024;

/// What the watcher needs to know about a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Link(Link),
    LinkGone(u32),
    Addr(Addr),
    /// Events were lost or unreadable: re-read the whole state.
    Resync,
}

pub struct Monitor {
    sock: Socket,
    buf: Vec<u8>,
}

impl Monitor {
    /// Subscribe to link and IPv4/IPv6 address changes.
    pub fn open() -> Result<Monitor, String> {
        let fail = |what: &str, e: std::io::Error| format!("cannot {what} a netlink monitor: {e}");
        let mut sock = Socket::new(NETLINK_ROUTE).map_err(|e| fail("open", e))?;
        sock.bind_auto().map_err(|e| fail("bind", e))?;
        for group in [
            libc::RTNLGRP_LINK,
            libc::RTNLGRP_IPV4_IFADDR,
            libc::RTNLGRP_IPV6_IFADDR,
        ] {
            sock.add_membership(group)
                .map_err(|e| fail("subscribe", e))?;
        }
        // Best effort: a small buffer only means more resyncs.
        let _ = sock.set_rx_buf_sz(SOCKET_RCVBUF);
        sock.set_non_blocking(true)
            .map_err(|e| fail("configure", e))?;
        Ok(Monitor {
            sock,
            buf: Vec::with_capacity(RECV_BUF),
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    /// Everything queued right now (empty when nothing is pending).
    pub fn read(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            self.buf.clear();
            match self.sock.recv(&mut self.buf, libc::MSG_TRUNC) {
                Ok(n) if n > self.buf.len() => events.push(Event::Resync),
                Ok(n) => decode(&self.buf[..n], &mut events),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return events,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // ENOBUFS: the kernel dropped events for us; anything else
                // is just as unknowable. Either way, read the state afresh.
                Err(_) => {
                    events.push(Event::Resync);
                    return events;
                }
            }
        }
    }
}

/// The events in one datagram.
pub fn decode(bytes: &[u8], events: &mut Vec<Event>) {
    for msg in split(bytes) {
        let Ok(msg) = msg else {
            events.push(Event::Resync);
            return;
        };
        let NetlinkPayload::InnerMessage(inner) = msg.payload else {
            continue;
        };
        match inner {
            RouteNetlinkMessage::NewLink(l) => events.push(Event::Link(link_of(&l))),
            RouteNetlinkMessage::DelLink(l) => events.push(Event::LinkGone(l.header.index)),
            RouteNetlinkMessage::NewAddress(a) => {
                if let Some(addr) = addr_of(&a) {
                    events.push(Event::Addr(addr));
                }
            }
            _ => {}
        }
    }
}

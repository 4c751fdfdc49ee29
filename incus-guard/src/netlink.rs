//! Kernel reads and changes through rtnetlink (synchronous sockets, no
//! async runtime): link/address/route dumps, link deletion, default route.
//!
//! This is the fast path: one socket per thread, no process spawned, so a
//! watcher can react to an event within a millisecond or so.

use std::net::IpAddr;
use std::time::Duration;

use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP,
    NLM_F_DUMP_INTR, NLM_F_EXCL, NLM_F_REQUEST,
};
use netlink_packet_route::address::{AddressAttribute, AddressMessage, AddressScope};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use nix::sys::socket::{setsockopt, sockopt::ReceiveTimeout};
use nix::sys::time::TimeVal;

use crate::backend::NetOps;
use crate::net::{Addr, Link, Route, Subnet};

/// Large enough for any single datagram the kernel sends on a route socket
/// (dumps are cut into ~32 KiB datagrams).
const RECV_BUF: usize = 256 * 1024;
/// The kernel answers a route request at once; silence this long means
/// something is wrong, and the guard must not hang inside Incus' start job.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// A dump the kernel marks as interrupted (the table changed under it) is
/// simply asked again; three tries is plenty outside a storm.
const DUMP_TRIES: usize = 3;

/// A request socket: unicast replies only, no multicast groups.
pub struct NetlinkOps {
    sock: Socket,
    seq: u32,
    buf: Vec<u8>,
}

impl NetlinkOps {
    pub fn open() -> Result<NetlinkOps, String> {
        let mut sock =
            Socket::new(NETLINK_ROUTE).map_err(|e| format!("cannot open a netlink socket: {e}"))?;
        sock.bind_auto()
            .map_err(|e| format!("cannot bind a netlink socket: {e}"))?;
        sock.connect(&SocketAddr::new(0, 0))
            .map_err(|e| format!("cannot connect a netlink socket: {e}"))?;
        let timeout = TimeVal::new(REPLY_TIMEOUT.as_secs() as _, 0);
        setsockopt(&sock, ReceiveTimeout, &timeout)
            .map_err(|e| format!("cannot set a netlink timeout: {e}"))?;
        Ok(NetlinkOps {
            sock,
            seq: 0,
            buf: Vec::with_capacity(RECV_BUF),
        })
    }

    fn dump(&mut self, msg: RouteNetlinkMessage) -> Result<Vec<RouteNetlinkMessage>, String> {
        let mut last = String::new();
        for _ in 0..DUMP_TRIES {
            match self.exchange(msg.clone(), NLM_F_REQUEST | NLM_F_DUMP)? {
                (msgs, false) => return Ok(msgs),
                (_, true) => last = "the kernel kept interrupting the dump".to_owned(),
            }
        }
        Err(last)
    }

    fn change(&mut self, msg: RouteNetlinkMessage, flags: u16) -> Result<(), String> {
        self.exchange(msg, NLM_F_REQUEST | NLM_F_ACK | flags)
            .map(|_| ())
    }

    /// Send one request and read until its Done or ACK; returns the inner
    /// messages and whether the dump was interrupted.
    fn exchange(
        &mut self,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<(Vec<RouteNetlinkMessage>, bool), String> {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = flags;
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(msg));
        packet.finalize();
        let mut out = vec![0; packet.buffer_len()];
        packet.serialize(&mut out);
        self.sock
            .send(&out, 0)
            .map_err(|e| format!("netlink send failed: {e}"))?;

        let mut got = Vec::new();
        let mut interrupted = false;
        loop {
            self.buf.clear();
            let n = self
                .sock
                .recv(&mut self.buf, nix::libc::MSG_TRUNC)
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::WouldBlock => {
                        "the kernel did not answer a netlink request".to_owned()
                    }
                    _ => format!("netlink receive failed: {e}"),
                })?;
            if n > self.buf.len() {
                return Err("netlink reply larger than the receive buffer".to_owned());
            }
            for parsed in split(&self.buf[..n]) {
                let (header, payload) = parsed?.into_parts();
                if header.sequence_number != self.seq {
                    continue; // a late reply to an earlier request
                }
                match payload {
                    NetlinkPayload::Done(_) => return Ok((got, interrupted)),
                    NetlinkPayload::Error(e) => {
                        return match e.code {
                            None => Ok((got, interrupted)),
                            Some(_) => Err(e.to_io().to_string()),
                        };
                    }
                    NetlinkPayload::InnerMessage(m) => {
                        interrupted |= header.flags & NLM_F_DUMP_INTR != 0;
                        got.push(m);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The netlink messages packed in one datagram.
pub fn split(
    mut bytes: &[u8],
) -> impl Iterator<Item = Result<NetlinkMessage<RouteNetlinkMessage>, String>> + '_ {
    std::iter::from_fn(move || {
        if bytes.is_empty() {
            return None;
        }
        let msg = match NetlinkMessage::<RouteNetlinkMessage>::deserialize(bytes) {
            Ok(m) => m,
            Err(e) => {
                bytes = &[];
                return Some(Err(format!("undecodable netlink message: {e}")));
            }
        };
        // Messages are 4-byte aligned; a zero length would loop forever.
        let len = (msg.header.length as usize + 3) & !3;
        bytes = if len == 0 || len >= bytes.len() {
            &[]
        } else {
            &bytes[len..]
        };
        Some(Ok(msg))
    })
}

/// Our view of an `RTM_NEWLINK`.
pub fn link_of(msg: &LinkMessage) -> Link {
    let mut link = Link {
        index: msg.header.index,
        name: String::new(),
        kind: None,
        master: None,
        lower: None,
    };
    let mut lower_elsewhere = false;
    for attr in &msg.attributes {
        match attr {
            LinkAttribute::IfName(n) => link.name = n.clone(),
            LinkAttribute::Controller(m) if *m != 0 => link.master = Some(*m),
            LinkAttribute::Link(l) if *l != 0 => link.lower = Some(*l),
            // The lower link lives in another namespace (a veth peer): its
            // index means nothing here and must not protect a local bridge.
            LinkAttribute::LinkNetNsId(_) => lower_elsewhere = true,
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    if let LinkInfo::Kind(k) = info {
                        link.kind = Some(k.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    if lower_elsewhere {
        link.lower = None;
    }
    link
}

/// Our view of an `RTM_NEWADDR`; `None` for non-IP families.
pub fn addr_of(msg: &AddressMessage) -> Option<Addr> {
    let mut address = None;
    let mut local = None;
    for attr in &msg.attributes {
        match attr {
            AddressAttribute::Address(a) => address = Some(*a),
            // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours.
            AddressAttribute::Local(a) => local = Some(*a),
            _ => {}
        }
    }
    let ip = local.or(address)?;
    Some(Addr {
        index: msg.header.index,
        subnet: Subnet::new(ip, msg.header.prefix_len)?,
        global: msg.header.scope == AddressScope::Universe,
    })
}

/// Our view of a default route in the main table; `None` for anything else.
fn default_route_of(msg: &RouteMessage) -> Option<Route> {
    let h = &msg.header;
    if h.destination_prefix_length != 0 || h.kind != RouteType::Unicast {
        return None;
    }
    let mut table = u32::from(h.table);
    let mut route = Route {
        gateway: None,
        oif: None,
        metric: 0,
    };
    for attr in &msg.attributes {
        match attr {
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Oif(i) => route.oif = Some(*i),
            RouteAttribute::Priority(p) => route.metric = *p,
            RouteAttribute::Gateway(RouteAddress::Inet(a)) => route.gateway = Some((*a).into()),
            RouteAttribute::Gateway(RouteAddress::Inet6(a)) => route.gateway = Some((*a).into()),
            _ => {}
        }
    }
    (table == u32::from(RouteHeader::RT_TABLE_MAIN)).then_some(route)
}

impl NetOps for NetlinkOps {
    fn links(&mut self) -> Result<Vec<Link>, String> {
        let msgs = self.dump(RouteNetlinkMessage::GetLink(LinkMessage::default()))?;
        Ok(msgs
            .iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewLink(l) => Some(link_of(l)),
                _ => None,
            })
            .collect())
    }

    fn addrs(&mut self) -> Result<Vec<Addr>, String> {
        let msgs = self.dump(RouteNetlinkMessage::GetAddress(AddressMessage::default()))?;
        Ok(msgs
            .iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewAddress(a) => addr_of(a),
                _ => None,
            })
            .collect())
    }

    fn default_routes(&mut self) -> Result<Vec<Route>, String> {
        let mut req = RouteMessage::default();
        req.header.address_family = AddressFamily::Inet;
        let msgs = self.dump(RouteNetlinkMessage::GetRoute(req))?;
        let mut routes: Vec<Route> = msgs
            .iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewRoute(r) => default_route_of(r),
                _ => None,
            })
            .collect();
        routes.sort_by_key(|r| r.metric);
        Ok(routes)
    }

    fn delete_link(&mut self, link: &Link) -> Result<(), String> {
        let mut down = LinkMessage::default();
        down.header.index = link.index;
        down.header.change_mask = LinkFlags::Up;
        // A link that vanished in between is what we wanted anyway.
        let gone = |e: &String| e.contains("No such device");
        match self.change(RouteNetlinkMessage::SetLink(down), 0) {
            Err(e) if !gone(&e) => return Err(e),
            _ => {}
        }
        let mut del = LinkMessage::default();
        del.header.index = link.index;
        match self.change(RouteNetlinkMessage::DelLink(del), 0) {
            Err(e) if !gone(&e) => Err(e),
            _ => Ok(()),
        }
    }

    fn delete_addr(&mut self, link: &Link, subnet: &Subnet) -> Result<(), String> {
        let mut msg = AddressMessage::default();
        msg.header.index = link.index;
        msg.header.prefix_len = subnet.prefix;
        msg.header.family = match subnet.addr {
            IpAddr::V4(_) => AddressFamily::Inet,
            IpAddr::V6(_) => AddressFamily::Inet6,
        };
        // What `ip addr del` sends: IPv4 matches on the local address.
        if subnet.addr.is_ipv4() {
            msg.attributes.push(AddressAttribute::Local(subnet.addr));
        }
        msg.attributes.push(AddressAttribute::Address(subnet.addr));
        self.change(RouteNetlinkMessage::DelAddress(msg), 0)
    }

    fn add_default_route(&mut self, gateway: IpAddr, dev: &Link) -> Result<(), String> {
        let mut msg = RouteMessage::default();
        msg.header.address_family = match gateway {
            IpAddr::V4(_) => AddressFamily::Inet,
            IpAddr::V6(_) => AddressFamily::Inet6,
        };
        msg.header.table = RouteHeader::RT_TABLE_MAIN;
        // What `ip route add` records, so the route looks hand-made.
        msg.header.protocol = RouteProtocol::Boot;
        msg.header.scope = RouteScope::Universe;
        msg.header.kind = RouteType::Unicast;
        msg.attributes = vec![
            RouteAttribute::Gateway(RouteAddress::from(gateway)),
            RouteAttribute::Oif(dev.index),
        ];
        self.change(
            RouteNetlinkMessage::NewRoute(msg),
            NLM_F_CREATE | NLM_F_EXCL,
        )
    }

    fn name(&self) -> &'static str {
        "netlink"
    }
}

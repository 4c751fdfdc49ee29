//! The network model: subnets and their overlap, links, addresses, routes,
//! and which bridges conflict with the host network.
//!
//! Everything here is pure so that the rule deciding what gets deleted can be
//! tested on every prefix length without touching a kernel.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An interface address with its prefix length, e.g. `192.168.1.10/24`.
/// The host bits are kept (they are what `ip addr` shows and what a log
/// reader recognises); [`Subnet::network`] gives the masked form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subnet {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Subnet {
    /// `None` when the prefix is longer than the family allows.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Subnet> {
        (prefix <= max_prefix(addr)).then_some(Subnet { addr, prefix })
    }

    /// A single address (/32 or /128).
    pub fn host(addr: IpAddr) -> Subnet {
        Subnet {
            addr,
            prefix: max_prefix(addr),
        }
    }

    /// The network address with the host bits cleared.
    pub fn network(&self) -> Subnet {
        let addr = match self.addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask_v4(self.prefix))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask_v6(self.prefix))),
        };
        Subnet {
            addr,
            prefix: self.prefix,
        }
    }

    /// True when the two ranges share at least one address: both are of the
    /// same family and agree on the bits of the shorter prefix. CIDR ranges
    /// either nest or are disjoint, so this covers every prefix length.
    pub fn overlaps(&self, other: &Subnet) -> bool {
        let shorter = self.prefix.min(other.prefix);
        match (self.addr, other.addr) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let m = mask_v4(shorter);
                u32::from(a) & m == u32::from(b) & m
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let m = mask_v6(shorter);
                u128::from(a) & m == u128::from(b) & m
            }
            _ => false,
        }
    }

    /// Link-local ranges (169.254/16, fe80::/10) exist on every interface
    /// and are never routed, so they can never take the host's traffic.
    pub fn is_link_local(&self) -> bool {
        match self.addr {
            IpAddr::V4(a) => a.is_link_local(),
            IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

fn mask_v4(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

fn mask_v6(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Why a text is not a subnet (Incus answers `none`, `auto` or nothing for
/// networks without an address; those are simply not subnets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseSubnetError(pub String);

impl FromStr for Subnet {
    type Err = ParseSubnetError;

    /// `ADDR/PREFIX`, or a bare address taken as a single host.
    fn from_str(s: &str) -> Result<Subnet, ParseSubnetError> {
        let s = s.trim();
        let bad = || ParseSubnetError(s.to_owned());
        match s.split_once('/') {
            Some((addr, prefix)) => {
                let addr: IpAddr = addr.parse().map_err(|_| bad())?;
                let prefix: u8 = prefix.parse().map_err(|_| bad())?;
                Subnet::new(addr, prefix).ok_or_else(bad)
            }
            None => s.parse().map(Subnet::host).map_err(|_| bad()),
        }
    }
}

/// A network interface as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub name: String,
    /// `IFLA_INFO_KIND`: "bridge", "veth", ...; `None` for physical NICs.
    pub kind: Option<String>,
    /// The bridge/bond this link is enslaved to (`IFLA_MASTER`).
    pub master: Option<u32>,
    /// The link this one sits on (`IFLA_LINK`, e.g. a VLAN's parent).
    pub lower: Option<u32>,
}

impl Link {
    pub fn is_bridge(&self) -> bool {
        self.kind.as_deref() == Some("bridge")
    }
}

/// One address on one interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr {
    pub index: u32,
    pub subnet: Subnet,
    /// Scope global (`RT_SCOPE_UNIVERSE`); host- and link-scoped addresses
    /// are never routed off the box and cannot conflict.
    pub global: bool,
}

impl Addr {
    /// Does this address take part in conflict detection?
    pub fn counts(&self) -> bool {
        self.global && !self.subnet.is_link_local()
    }
}

/// A default route of the main table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub gateway: Option<IpAddr>,
    pub oif: Option<u32>,
    pub metric: u32,
}

/// What the guard protects: the uplink and the ranges it must keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostNet {
    pub dev: String,
    pub index: u32,
    pub gateway: Option<IpAddr>,
    /// The uplink's global addresses, plus the gateway as a single host
    /// when it lies outside them (an on-link gateway must stay reachable).
    pub subnets: Vec<Subnet>,
    /// Interfaces never deleted: the uplink, its master and its lower link.
    pub protected: Vec<u32>,
}

impl HostNet {
    /// The host's ranges for messages: `192.168.1.0/24, fd00::/64`.
    pub fn describe(&self) -> String {
        let nets: Vec<String> = self
            .subnets
            .iter()
            .map(|s| s.network().to_string())
            .collect();
        nets.join(", ")
    }

    /// The host range `subnet` collides with, if any.
    pub fn overlap(&self, subnet: &Subnet) -> Option<Subnet> {
        self.subnets
            .iter()
            .find(|h| h.overlaps(subnet))
            .map(Subnet::network)
    }

    /// May this link be deleted when it carries an overlapping address?
    /// Only bridges, and never the uplink or what it hangs on.
    pub fn deletable(&self, link: &Link) -> bool {
        link.is_bridge() && link.name != self.dev && !self.protected.contains(&link.index)
    }

    /// Why `link` must go, given one of its addresses.
    pub fn conflict(&self, link: &Link, addr: &Addr) -> Option<Conflict> {
        if addr.index != link.index || !addr.counts() || !self.deletable(link) {
            return None;
        }
        self.overlap(&addr.subnet).map(|host| Conflict {
            index: link.index,
            name: link.name.clone(),
            bridge: addr.subnet,
            host,
        })
    }

    /// Every bridge that conflicts, once each (its first overlapping address).
    pub fn conflicts(&self, links: &[Link], addrs: &[Addr]) -> Vec<Conflict> {
        links
            .iter()
            .filter_map(|l| addrs.iter().find_map(|a| self.conflict(l, a)))
            .collect()
    }
}

/// A bridge whose address overlaps the host network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub index: u32,
    pub name: String,
    pub bridge: Subnet,
    pub host: Subnet,
}

#[cfg(test)]
#[path = "net_tests.rs"]
mod tests;

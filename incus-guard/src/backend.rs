//! How the guard reads and changes the kernel's network state: rtnetlink
//! when the kernel lets us open a route socket, else `ip -json` commands.
//!
//! Both sides implement [`NetOps`], so the start/post-start/status logic and
//! the watcher never know which one they talk to.

use std::net::IpAddr;

use crate::iproute::IpOps;
use crate::net::{Addr, Link, Route, Subnet};
use crate::netlink::NetlinkOps;

/// Reads and changes of links, addresses and default routes.
pub trait NetOps: Send {
    fn links(&mut self) -> Result<Vec<Link>, String>;
    fn addrs(&mut self) -> Result<Vec<Addr>, String>;
    /// IPv4 default routes of the main table, lowest metric first.
    fn default_routes(&mut self) -> Result<Vec<Route>, String>;
    /// Set the link down, then delete it (as the script did).
    fn delete_link(&mut self, link: &Link) -> Result<(), String>;
    /// Remove one address from a link.
    fn delete_addr(&mut self, link: &Link, subnet: &Subnet) -> Result<(), String>;
    fn add_default_route(&mut self, gateway: IpAddr, dev: &Link) -> Result<(), String>;

    /// Links and addresses together (the `ip` side gets both from one call).
    fn snapshot(&mut self) -> Result<(Vec<Link>, Vec<Addr>), String> {
        Ok((self.links()?, self.addrs()?))
    }

    /// "netlink" or "ip", for `status` and the watcher's banner.
    fn name(&self) -> &'static str;
}

/// Which side to use; `INCUS_GUARD_BACKEND` picks one for tests and the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Auto,
    Netlink,
    Ip,
}

impl Backend {
    pub fn from_env(value: Option<&str>) -> shared::Result<Backend> {
        match value.unwrap_or("") {
            "" | "auto" => Ok(Backend::Auto),
            "netlink" => Ok(Backend::Netlink),
            "ip" => Ok(Backend::Ip),
            other => Err(shared::err!(
                "INCUS_GUARD_BACKEND={other} is not one of auto, netlink, ip"
            )),
        }
    }

    /// Open the chosen side. `Auto` tries netlink with one real request (a
    /// sandbox may allow the socket but refuse the dump) and falls back.
    pub fn open(self) -> Result<Box<dyn NetOps>, String> {
        match self {
            Backend::Ip => Ok(Box::new(IpOps)),
            Backend::Netlink => NetlinkOps::open().map(|ops| Box::new(ops) as Box<dyn NetOps>),
            Backend::Auto => match NetlinkOps::open() {
                Ok(mut ops) => match ops.links() {
                    Ok(_) => Ok(Box::new(ops)),
                    Err(_) => Ok(Box::new(IpOps)),
                },
                Err(_) => Ok(Box::new(IpOps)),
            },
        }
    }

    /// Can the event watcher use netlink with this choice?
    pub fn wants_netlink(self) -> bool {
        self != Backend::Ip
    }
}

/// Remove a conflicting bridge: first the address that conflicts, which
/// takes its route away at once, then the bridge itself. The kernel needs
/// tens of milliseconds (RCU grace periods) to tear a link down; the address
/// goes in well under one, so the host's traffic is safe that much sooner.
pub fn remove_bridge(ops: &mut dyn NetOps, link: &Link, subnet: &Subnet) -> Result<(), String> {
    // A failure here changes nothing: deleting the link removes it anyway.
    let _ = ops.delete_addr(link, subnet);
    ops.delete_link(link)
}

/// Find a link by name in a listing.
pub fn by_name<'a>(links: &'a [Link], name: &str) -> Option<&'a Link> {
    links.iter().find(|l| l.name == name)
}

//! The host network: which device carries the default route, through which
//! gateway, with which addresses; remembered in the state file so that a
//! route already lost can still be restored; and the restore itself.

use std::net::IpAddr;
use std::path::Path;

use crate::backend::{by_name, NetOps};
use crate::log::Logger;
use crate::net::{HostNet, Subnet};

/// The state file's text: `DEV GATEWAY` (the script wrote `DEV` alone, which
/// still reads back).
pub fn state_text(dev: &str, gateway: Option<IpAddr>) -> String {
    match gateway {
        Some(gw) => format!("{dev} {gw}\n"),
        None => format!("{dev}\n"),
    }
}

/// Device and gateway from the state file's text; `None` when it names no
/// device. A gateway that is not an address is ignored, not an error.
pub fn parse_state(text: &str) -> Option<(String, Option<IpAddr>)> {
    let mut words = text.split_whitespace();
    let dev = words.next()?.to_owned();
    let gateway = words.next().and_then(|g| g.parse().ok());
    Some((dev, gateway))
}

/// Should [`detect`] record what it found in the state file?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remember {
    Yes,
    /// `status` only looks.
    No,
}

/// Find the host network, from the default route or else the state file.
/// `None` when neither names a device that has a usable address.
pub fn detect(ops: &mut dyn NetOps, state: &Path, remember: Remember) -> Option<HostNet> {
    let links = ops.links().ok()?;
    let routes = ops.default_routes().unwrap_or_default();
    let from_route = routes.iter().find_map(|r| {
        let link = links.iter().find(|l| Some(l.index) == r.oif)?;
        Some((link.name.clone(), r.gateway))
    });
    let (dev, gateway) = match from_route {
        Some((dev, gw)) => {
            if remember == Remember::Yes {
                // Best effort, like the script: /run may not be writable.
                let policy = shared::write::Policy::default();
                let text = state_text(&dev, gw);
                let _ = shared::write::write_if_changed(state, text.as_bytes(), &policy);
            }
            (dev, gw)
        }
        None => parse_state(&std::fs::read_to_string(state).ok()?)?,
    };
    let link = by_name(&links, &dev)?;
    let addrs = ops.addrs().ok()?;
    let mut subnets: Vec<Subnet> = addrs
        .iter()
        .filter(|a| a.index == link.index && a.counts())
        .map(|a| a.subnet)
        .collect();
    if subnets.is_empty() {
        return None;
    }
    // An on-link gateway outside the host's ranges must stay reachable too.
    if let Some(gw) = gateway {
        let gw_net = Subnet::host(gw);
        if !subnets.iter().any(|s| s.overlaps(&gw_net)) {
            subnets.push(gw_net);
        }
    }
    let protected = [Some(link.index), link.master, link.lower]
        .into_iter()
        .flatten()
        .collect();
    Some(HostNet {
        dev: link.name.clone(),
        index: link.index,
        gateway,
        subnets,
        protected,
    })
}

/// Put the default route back through the remembered gateway when no
/// default route uses it any more. Returns whether a route was added.
pub fn restore_default_route(ops: &mut dyn NetOps, host: &HostNet, log: &Logger) -> bool {
    let Some(gw) = host.gateway else {
        return false;
    };
    let routes = ops.default_routes().unwrap_or_default();
    if routes.iter().any(|r| r.gateway == Some(gw)) {
        return false;
    }
    log.log(&format!(
        "WARNING: Default route lost. Restoring via {gw} dev {}",
        host.dev
    ));
    let links = ops.links().unwrap_or_default();
    let result = match by_name(&links, &host.dev) {
        Some(link) => ops.add_default_route(gw, link),
        None => Err(format!("device {} is gone", host.dev)),
    };
    match result {
        Ok(()) => true,
        Err(e) => {
            log.log(&format!(
                "WARNING: Could not restore the default route: {e}"
            ));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trip_and_the_scripts_format() {
        let gw: IpAddr = "192.168.1.1".parse().unwrap();
        assert_eq!(state_text("eth0", Some(gw)), "eth0 192.168.1.1\n");
        assert_eq!(
            parse_state("eth0 192.168.1.1\n"),
            Some(("eth0".into(), Some(gw)))
        );
        assert_eq!(parse_state("eth0\n"), Some(("eth0".into(), None)));
        assert_eq!(parse_state("eth0 not-an-ip"), Some(("eth0".into(), None)));
        assert_eq!(parse_state("  \n"), None);
        assert_eq!(parse_state(""), None);
    }
}

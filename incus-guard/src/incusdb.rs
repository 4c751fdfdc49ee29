//! Incus' own record of its networks: a conflicting network deleted only
//! from the kernel comes back at the next Incus start, so it is deleted
//! from Incus' database too (`incus network delete`).

use std::time::Duration;

use shared::cmd::{Cmd, CmdError};

use crate::log::Logger;
use crate::net::{HostNet, Subnet};

/// Each call talks to the daemon; a daemon that hangs must not hang the
/// guard (post-start runs inside incus.service's start job).
const INCUS_TIMEOUT: Duration = Duration::from_secs(30);

/// The address keys that can collide with the host.
const ADDRESS_KEYS: [&str; 2] = ["ipv4.address", "ipv6.address"];

fn incus(args: &[&str]) -> Result<String, CmdError> {
    Cmd::new("incus")
        .args(args.iter().copied())
        .timeout(INCUS_TIMEOUT)
        .read()
}

/// Network names from `incus network list --format csv`, leaving out the
/// ones Incus does not manage (physical NICs: they have no address keys and
/// must never be deleted). Columns: name, type, managed, ...
pub fn managed_names(csv: &str) -> Vec<String> {
    csv.lines()
        .filter_map(|line| {
            let mut cols = line.split(',');
            let name = cols.next()?.trim();
            let managed = cols.nth(1).map(str::trim);
            (!name.is_empty() && managed != Some("NO")).then(|| name.to_owned())
        })
        .collect()
}

/// Delete every Incus network whose address overlaps the host; returns the
/// names deleted. Quiet when `incus` is not installed.
pub fn clean(host: &HostNet, log: &Logger) -> Vec<String> {
    let csv = match incus(&["network", "list", "--format", "csv"]) {
        Ok(csv) => csv,
        Err(CmdError::NotFound { .. }) => return Vec::new(),
        Err(e) => {
            log.log(&format!("WARNING: Cannot list Incus networks: {e}"));
            return Vec::new();
        }
    };
    let mut deleted = Vec::new();
    for net in managed_names(&csv) {
        if net == host.dev {
            continue;
        }
        let Some(addr) = conflicting_address(host, &net) else {
            continue;
        };
        log.log(&format!(
            "Cleaning Incus DB: deleting network {net} ({addr})"
        ));
        match incus(&["network", "delete", &net]) {
            Ok(_) => deleted.push(net),
            Err(e) => log.log(&format!("WARNING: Could not delete network {net}: {e}")),
        }
    }
    deleted
}

/// The network's first configured address that overlaps the host.
fn conflicting_address(host: &HostNet, net: &str) -> Option<String> {
    ADDRESS_KEYS.iter().find_map(|key| {
        let value = incus(&["network", "get", net, key]).ok()?;
        let value = value.trim();
        let subnet: Subnet = value.parse().ok()?;
        host.overlap(&subnet).map(|_| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_skip_unmanaged_and_blank_lines() {
        let csv = "incusbr0,bridge,YES,10.1.2.1/24,fd42::1/64,,1,CREATED\n\
                   eth0,physical,NO,,,,0,\n\
                   \n\
                   net-test,bridge,YES,YES\n\
                   lone\n";
        assert_eq!(managed_names(csv), ["incusbr0", "net-test", "lone"]);
        assert!(managed_names("").is_empty());
    }
}

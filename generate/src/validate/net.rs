//! IPv4 addresses and networks with Python `ipaddress` rules (four decimal
//! octets, no leading zeros, `/prefix`), and the host's own subnets as
//! `ip -json addr show` reports them.

use shared::cmd::Cmd;
use std::fmt;
use std::time::Duration;

/// `ipaddress.IPv4Address(text)`: four dot-separated decimal octets of one
/// to three ASCII digits, no leading zero, each at most 255.
pub fn parse_ipv4(text: &str) -> Option<u32> {
    if text.split('.').count() != 4 {
        return None;
    }
    let mut addr = 0u32;
    for o in text.split('.') {
        let valid = !o.is_empty()
            && o.len() <= 3
            && o.bytes().all(|b| b.is_ascii_digit())
            && !(o.len() > 1 && o.starts_with('0'));
        let n: u32 = if valid { o.parse().ok()? } else { return None };
        if n > 255 {
            return None;
        }
        addr = (addr << 8) | n;
    }
    Some(addr)
}

/// An IPv4 network (`ipaddress.IPv4Network`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    pub addr: u32,
    pub prefix: u8,
}

impl Net {
    /// `ipaddress.IPv4Network(text, strict=...)`: `addr[/prefix]`, where
    /// prefix is decimal digits 0-32 or a netmask/hostmask in dotted form.
    /// With `strict`, host bits must be zero; without, they are masked off.
    pub fn parse(text: &str, strict: bool) -> Option<Net> {
        let parts: Vec<&str> = text.split('/').collect();
        let (addr, prefix) = match parts[..] {
            [a] => (parse_ipv4(a)?, 32),
            [a, p] => (parse_ipv4(a)?, parse_prefix(p)?),
            _ => return None,
        };
        let mask = mask(prefix);
        if strict && addr & !mask != 0 {
            return None;
        }
        Some(Net {
            addr: addr & mask,
            prefix,
        })
    }

    fn last(&self) -> u32 {
        self.addr | !mask(self.prefix)
    }

    /// `a.overlaps(b)`: the two address ranges share at least one address.
    pub fn overlaps(&self, other: &Net) -> bool {
        self.addr <= other.last() && other.addr <= self.last()
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.addr.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}/{}", self.prefix)
    }
}

fn mask(prefix: u8) -> u32 {
    match prefix {
        0 => 0,
        p => u32::MAX << (32 - u32::from(p.min(32))),
    }
}

/// The part after `/`: a prefix length, a netmask or a hostmask.
fn parse_prefix(p: &str) -> Option<u8> {
    if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
        let t = p.trim_start_matches('0');
        let n: u32 = if t.len() > 2 {
            99
        } else {
            t.parse().unwrap_or(0)
        };
        return (n <= 32).then_some(n as u8);
    }
    let m = parse_ipv4(p)?;
    let contiguous = |m: u32| m.leading_ones() + m.trailing_zeros() == 32;
    if contiguous(m) {
        Some(m.leading_ones() as u8)
    } else if contiguous(!m) {
        Some((!m).leading_ones() as u8)
    } else {
        None
    }
}

/// The IPv4 subnets on the host's interfaces, as (interface, network),
/// skipping `lo` and Incus bridges (`net-*`). Any failure to run `ip` or
/// read its output means "none found", as upstream.
pub fn detect_host_subnets() -> Vec<(String, Net)> {
    let cmd = Cmd::new("ip")
        .args(["-json", "addr", "show"])
        .timeout(Duration::from_secs(5));
    match cmd.read() {
        Ok(stdout) => parse_ip_json(&stdout),
        Err(_) => Vec::new(),
    }
}

/// Read `ip -json addr show` output.
pub fn parse_ip_json(stdout: &str) -> Vec<(String, Net)> {
    use serde_json::Value as J;
    let Ok(J::Array(ifaces)) = serde_json::from_str::<J>(stdout) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for iface in &ifaces {
        let name = match iface.get("ifname") {
            Some(J::String(s)) => s.as_str(),
            _ => "",
        };
        if name == "lo" || name.starts_with("net-") {
            continue;
        }
        let Some(J::Array(addrs)) = iface.get("addr_info") else {
            continue;
        };
        for info in addrs {
            if info.get("family").and_then(J::as_str) != Some("inet") {
                continue;
            }
            let text = |v: Option<&J>| match v {
                Some(J::String(s)) => Some(s.clone()),
                Some(J::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let (Some(local), Some(prefix)) =
                (text(info.get("local")), text(info.get("prefixlen")))
            else {
                continue;
            };
            if let Some(net) = Net::parse(&format!("{local}/{prefix}"), false) {
                found.push((name.to_owned(), net));
            }
        }
    }
    found
}

#[cfg(test)]
#[path = "tests/net.rs"]
mod tests;

//! Fallback for kernels or sandboxes without a usable route netlink socket:
//! the same reads and changes through `ip -json`, run via `shared::cmd::Cmd`.

use std::net::IpAddr;
use std::time::Duration;

use serde_json::Value;
use shared::cmd::Cmd;

use crate::backend::NetOps;
use crate::net::{Addr, Link, Route, Subnet};

/// `ip` talks to the local kernel only; anything slower than this is stuck.
const IP_TIMEOUT: Duration = Duration::from_secs(10);

pub struct IpOps;

fn ip(args: &[&str]) -> Result<String, String> {
    Cmd::new("ip")
        .args(args.iter().copied())
        .timeout(IP_TIMEOUT)
        .read()
        .map_err(|e| e.to_string())
}

fn json(text: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(_) => Err("`ip -json` did not print a list".to_owned()),
        // `ip -json` prints nothing at all when there is nothing to list.
        Err(_) if text.trim().is_empty() => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read `ip -json` output: {e}")),
    }
}

fn u32_of(v: &Value, key: &str) -> Option<u32> {
    v.get(key)?.as_u64().and_then(|n| u32::try_from(n).ok())
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

/// Links and their addresses from `ip -json -d addr show`.
pub fn parse_addr_show(text: &str) -> Result<(Vec<Link>, Vec<Addr>), String> {
    let items = json(text)?;
    let mut links = Vec::new();
    let mut addrs = Vec::new();
    // `master` and `link` are names; indexes come once every link is known.
    let mut names: Vec<(Option<String>, Option<String>)> = Vec::new();
    for item in &items {
        let (Some(index), Some(name)) = (u32_of(item, "ifindex"), str_of(item, "ifname")) else {
            continue;
        };
        let kind = item
            .get("linkinfo")
            .and_then(|i| str_of(i, "info_kind"))
            .map(str::to_owned);
        // A lower link in another namespace (`link_netnsid`) is not ours.
        let lower = match item.get("link_netnsid") {
            Some(_) => None,
            None => u32_of(item, "link_index"),
        };
        links.push(Link {
            index,
            name: name.to_owned(),
            kind,
            master: None,
            lower,
        });
        names.push((
            str_of(item, "master").map(str::to_owned),
            str_of(item, "link").map(str::to_owned),
        ));
        let infos = item.get("addr_info").and_then(Value::as_array);
        for a in infos.into_iter().flatten() {
            let ip = str_of(a, "local").and_then(|s| s.parse::<IpAddr>().ok());
            let prefix = u32_of(a, "prefixlen").and_then(|p| u8::try_from(p).ok());
            if let (Some(ip), Some(prefix)) = (ip, prefix) {
                if let Some(subnet) = Subnet::new(ip, prefix) {
                    addrs.push(Addr {
                        index,
                        subnet,
                        global: str_of(a, "scope") == Some("global"),
                    });
                }
            }
        }
    }
    let index_of = |name: &Option<String>| {
        let name = name.as_deref()?;
        links.iter().find(|l| l.name == name).map(|l| l.index)
    };
    let resolved: Vec<(Option<u32>, Option<u32>)> = names
        .iter()
        .map(|(m, l)| (index_of(m), index_of(l)))
        .collect();
    for (link, (master, lower)) in links.iter_mut().zip(resolved) {
        link.master = master;
        link.lower = link.lower.or(lower);
    }
    Ok((links, addrs))
}

/// Default routes from `ip -json route show default`, lowest metric first.
pub fn parse_routes(text: &str, links: &[Link]) -> Result<Vec<Route>, String> {
    let mut routes: Vec<Route> = json(text)?
        .iter()
        .map(|r| Route {
            gateway: str_of(r, "gateway").and_then(|g| g.parse().ok()),
            oif: str_of(r, "dev")
                .and_then(|d| links.iter().find(|l| l.name == d))
                .map(|l| l.index),
            metric: u32_of(r, "metric").unwrap_or(0),
        })
        .collect();
    routes.sort_by_key(|r| r.metric);
    Ok(routes)
}

impl NetOps for IpOps {
    fn links(&mut self) -> Result<Vec<Link>, String> {
        self.snapshot().map(|(links, _)| links)
    }

    fn addrs(&mut self) -> Result<Vec<Addr>, String> {
        self.snapshot().map(|(_, addrs)| addrs)
    }

    fn snapshot(&mut self) -> Result<(Vec<Link>, Vec<Addr>), String> {
        parse_addr_show(&ip(&["-json", "-details", "addr", "show"])?)
    }

    fn default_routes(&mut self) -> Result<Vec<Route>, String> {
        let links = self.links()?;
        parse_routes(&ip(&["-json", "route", "show", "default"])?, &links)
    }

    fn delete_link(&mut self, link: &Link) -> Result<(), String> {
        // Like the script: down first, and a failed "down" is no reason not
        // to try the delete.
        let _ = ip(&["link", "set", &link.name, "down"]);
        ip(&["link", "delete", &link.name]).map(|_| ())
    }

    fn delete_addr(&mut self, link: &Link, subnet: &Subnet) -> Result<(), String> {
        ip(&["addr", "del", &subnet.to_string(), "dev", &link.name]).map(|_| ())
    }

    fn add_default_route(&mut self, gateway: IpAddr, dev: &Link) -> Result<(), String> {
        let gw = gateway.to_string();
        let family = if gateway.is_ipv4() { "-4" } else { "-6" };
        ip(&[
            family, "route", "add", "default", "via", &gw, "dev", &dev.name,
        ])
        .map(|_| ())
    }

    fn name(&self) -> &'static str {
        "ip"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev_name(links: &[Link], route: &Route) -> Option<String> {
        let index = route.oif?;
        links
            .iter()
            .find(|l| l.index == index)
            .map(|l| l.name.clone())
    }

    const ADDR_SHOW: &str = r#"[
 {"ifindex":1,"ifname":"lo","flags":["LOOPBACK"],"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},
 {"ifindex":2,"ifname":"v0","link_index":2,"link_netnsid":0,"linkinfo":{"info_kind":"veth"},
  "addr_info":[{"family":"inet","local":"192.168.5.2","prefixlen":24,"scope":"global"},
               {"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]},
 {"ifindex":3,"ifname":"br0","linkinfo":{"info_kind":"bridge","info_data":{"stp_state":0}},
  "addr_info":[{"family":"inet6","local":"fd00::1","prefixlen":64,"scope":"global"}]},
 {"ifindex":5,"ifname":"v2","link":"v3","master":"br0","linkinfo":{"info_kind":"veth"},"addr_info":[]},
 {"ifindex":4,"ifname":"v3","link":"v2","addr_info":[{"family":"inet","local":"bogus","prefixlen":24}]},
 {"ifname":"no-index"}
]"#;

    #[test]
    fn addr_show_gives_links_with_kinds_and_relations() {
        let (links, addrs) = parse_addr_show(ADDR_SHOW).unwrap();
        let got: Vec<String> = links
            .iter()
            .map(|l| {
                format!(
                    "{} {} {:?} {:?} {:?}",
                    l.index, l.name, l.kind, l.master, l.lower
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "1 lo None None None",
                "2 v0 Some(\"veth\") None None",
                "3 br0 Some(\"bridge\") None None",
                "5 v2 Some(\"veth\") Some(3) Some(4)",
                "4 v3 None None Some(5)",
            ]
        );
        let got: Vec<String> = addrs
            .iter()
            .map(|a| format!("{} {} {}", a.index, a.subnet, a.global))
            .collect();
        assert_eq!(
            got,
            [
                "1 127.0.0.1/8 false",
                "2 192.168.5.2/24 true",
                "2 fe80::1/64 false",
                "3 fd00::1/64 true",
            ]
        );
    }

    #[test]
    fn empty_and_broken_output() {
        assert_eq!(parse_addr_show("").unwrap().0, vec![]);
        assert_eq!(parse_addr_show("[]").unwrap().0, vec![]);
        assert!(parse_addr_show("{}").is_err());
        assert!(parse_addr_show("[{").is_err());
    }

    #[test]
    fn routes_sorted_by_metric_with_devices() {
        let (links, _) = parse_addr_show(ADDR_SHOW).unwrap();
        let text = r#"[{"dst":"default","gateway":"192.168.5.1","dev":"v0","metric":600},
            {"dst":"default","gateway":"10.0.0.1","dev":"gone","metric":100},
            {"dst":"default","dev":"br0"}]"#;
        let routes = parse_routes(text, &links).unwrap();
        let got: Vec<String> = routes
            .iter()
            .map(|r| format!("{:?} {:?} {}", r.gateway, dev_name(&links, r), r.metric))
            .collect();
        assert_eq!(
            got,
            [
                "None Some(\"br0\") 0",
                "Some(10.0.0.1) None 100",
                "Some(192.168.5.1) Some(\"v0\") 600",
            ]
        );
    }
}

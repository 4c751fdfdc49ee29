//! `status`: is the guard installed, what does it consider the host
//! network, which bridges exist and which would it remove. Read-only.
//!
//! Exit 0 when nothing conflicts, 1 when a bridge conflicts or the host
//! network cannot be determined (so scripts can test it).

use std::fs;

use crate::backend::{Backend, NetOps};
use crate::config::Config;
use crate::host::{detect, Remember};
use crate::net::{Addr, HostNet, Link};

/// The drop-in line, judged.
pub fn dropin_line(cfg: &Config, text: Option<&str>) -> String {
    let path = cfg.dropin.display();
    let wanted = format!("ExecStartPost={} post-start", cfg.install.display());
    match text {
        None => format!("Drop-in: not installed ({path})"),
        Some(t) if t.lines().any(|l| l.trim() == wanted) => format!("Drop-in: installed ({path})"),
        Some(_) => format!(
            "Drop-in: {path} exists but does not run `{} post-start`",
            cfg.install.display()
        ),
    }
}

/// One row per bridge: name, its global addresses, verdict.
pub fn bridge_rows(host: Option<&HostNet>, links: &[Link], addrs: &[Addr]) -> Vec<[String; 3]> {
    let mut rows = Vec::new();
    for link in links.iter().filter(|l| l.is_bridge()) {
        let mine: Vec<&Addr> = addrs
            .iter()
            .filter(|a| a.index == link.index && a.counts())
            .collect();
        let shown: Vec<String> = mine.iter().map(|a| a.subnet.to_string()).collect();
        let verdict = match host {
            None => "?".to_owned(),
            Some(h) if !h.deletable(link) => "host uplink (never removed)".to_owned(),
            Some(h) => mine.iter().find_map(|a| h.conflict(link, a)).map_or_else(
                || "ok".to_owned(),
                |c| format!("CONFLICT: overlaps {}", c.host),
            ),
        };
        let shown = if shown.is_empty() {
            "-".to_owned()
        } else {
            shown.join(", ")
        };
        rows.push([link.name.clone(), shown, verdict]);
    }
    rows
}

/// Rows as aligned text.
pub fn table(rows: &[[String; 3]]) -> String {
    let w0 = rows.iter().map(|r| r[0].len()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r[1].len()).max().unwrap_or(0);
    rows.iter()
        .map(|r| format!("  {:w0$}  {:w1$}  {}\n", r[0], r[1], r[2]))
        .collect()
}

pub fn status(cfg: &Config) -> i32 {
    let dropin = fs::read_to_string(&cfg.dropin).ok();
    shared::outln!("{}", dropin_line(cfg, dropin.as_deref()));
    let present = if cfg.install.is_file() {
        "present"
    } else {
        "missing"
    };
    shared::outln!("Guard binary: {} ({present})", cfg.install.display());

    let mut ops: Box<dyn NetOps> = match cfg.backend.open() {
        Ok(ops) => ops,
        Err(e) => {
            shared::outln!("Network access: unavailable ({e})");
            return 1;
        }
    };
    let access = match (ops.name(), cfg.backend) {
        ("netlink", _) => "netlink",
        (_, Backend::Ip) => "ip -json (INCUS_GUARD_BACKEND=ip)",
        _ => "ip -json (netlink unavailable)",
    };
    shared::outln!("Network access: {access}");
    let host = detect(ops.as_mut(), &cfg.state, Remember::No);
    match &host {
        Some(h) => shared::outln!(
            "Host network: {} via {} dev {}",
            h.describe(),
            h.gateway
                .map_or_else(|| "unknown".to_owned(), |g| g.to_string()),
            h.dev
        ),
        None => shared::outln!("Host network: unknown (no default route and no saved state)"),
    }
    let (links, addrs) = match ops.snapshot() {
        Ok(state) => state,
        Err(e) => {
            shared::outln!("Bridges: cannot list ({e})");
            return 1;
        }
    };
    let rows = bridge_rows(host.as_ref(), &links, &addrs);
    if rows.is_empty() {
        shared::outln!("Bridges: none");
    } else {
        shared::outln!("Bridges:");
        shared::outln!("{}", table(&rows).trim_end_matches('\n'));
    }
    let Some(host) = host else {
        return 1;
    };
    let conflicts = host.conflicts(&links, &addrs).len();
    if conflicts == 0 {
        shared::outln!("No bridge conflicts with the host network.");
        0
    } else {
        shared::outln!(
            "{conflicts} bridge(s) conflict with the host network; `post-start` would remove them."
        );
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Subnet;

    fn cfg() -> Config {
        Config::from_lookup(|k| (k == "INCUS_GUARD_DROPIN").then(|| "/d/g.conf".to_owned()))
            .unwrap()
    }

    #[test]
    fn dropin_verdicts() {
        let c = cfg();
        assert_eq!(dropin_line(&c, None), "Drop-in: not installed (/d/g.conf)");
        assert_eq!(
            dropin_line(&c, Some(&c.dropin_text())),
            "Drop-in: installed (/d/g.conf)"
        );
        assert_eq!(
            dropin_line(
                &c,
                Some("[Service]\nExecStartPost=/opt/anklume/incus-guard.sh post-start\n")
            ),
            "Drop-in: /d/g.conf exists but does not run `/opt/anklume/incus-guard post-start`"
        );
    }

    #[test]
    fn rows_judge_each_bridge() {
        let s = |t: &str| t.parse::<Subnet>().unwrap();
        let link = |index, name: &str, kind: &str| Link {
            index,
            name: name.into(),
            kind: Some(kind.into()),
            master: None,
            lower: None,
        };
        let addr = |index, t: &str| Addr {
            index,
            subnet: s(t),
            global: true,
        };
        let host = HostNet {
            dev: "br-up".into(),
            index: 1,
            gateway: None,
            subnets: vec![s("192.168.1.2/24")],
            protected: vec![1],
        };
        let links = [
            link(1, "br-up", "bridge"),
            link(2, "incusbr0", "bridge"),
            link(3, "lxdbr0", "bridge"),
            link(4, "empty", "bridge"),
            link(5, "veth0", "veth"),
        ];
        let addrs = [
            addr(1, "192.168.1.2/24"),
            addr(2, "10.0.0.1/24"),
            addr(2, "192.168.0.1/16"),
            addr(3, "10.1.0.1/24"),
            addr(5, "192.168.1.9/24"),
        ];
        insta::assert_snapshot!(table(&bridge_rows(Some(&host), &links, &addrs)));
        insta::assert_snapshot!("unknown_host", table(&bridge_rows(None, &links, &addrs)));
    }
}

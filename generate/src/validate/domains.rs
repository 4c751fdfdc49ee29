//! Per-domain and per-machine checks (upstream's main loop): names,
//! subnet ids, booleans and enumerations, privileged LXC policy, IPs,
//! profiles, boot and snapshot settings, weight, persistent_data.

use super::net::parse_ipv4;
use super::patterns::{is_cron5, is_dns_name, is_duration};
use super::{entries, get_or, is_one_of, Ctx, DEFAULT_TRUST_LEVEL};
use py::yaml::{Map, Value};
use py::{py_str, py_type_name, PyDict, PyStr};
use std::fmt;
use std::sync::LazyLock;

static LXC: LazyLock<Value> = LazyLock::new(|| Value::from("lxc"));
static DEFAULT_TRUST_VALUE: LazyLock<Value> = LazyLock::new(|| Value::from(DEFAULT_TRUST_LEVEL));

const TRUST_LEVELS: &str = "('admin', 'trusted', 'semi-trusted', 'untrusted', 'disposable')";
const AI_PROVIDERS: &str = "('local', 'cloud', 'local-first')";
const NAME_RULE: &str = "invalid name (lowercase alphanumeric + hyphen, no trailing hyphen)";

/// `Domain '<name>'` or `Machine '<name>'`, written only into messages.
#[derive(Clone, Copy)]
struct Who<'a>(&'static str, &'a Value);

impl fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} '{}'", self.0, PyStr(self.1))
    }
}

/// Walk every domain and its machines.
pub fn check(ctx: &mut Ctx) {
    let mut zone_subnet_ids: PyDict<(&Value, &Value), &Value> = PyDict::new();
    let mut all_ips: PyDict<&Value, &Value> = PyDict::new();
    for (dname, domain) in ctx.domains() {
        let Some(domain) = domain.as_map() else {
            continue;
        };
        check_domain(ctx, dname, domain, &mut zone_subnet_ids);
        let profiles = domain.get_str("profiles").and_then(Value::as_map);
        let sid = domain.get_str("subnet_id").filter(|s| !s.is_null());
        let machines = domain.get_str("machines").and_then(Value::as_map);
        // The subnet prefix machine IPs must start with, when known.
        let mut subnet = None;
        for (mname, machine) in entries(machines) {
            let Some(machine) = machine.as_map() else {
                continue;
            };
            let m = Machine {
                name: mname,
                dname,
                sid,
                profiles,
                cfg: machine,
            };
            check_machine(ctx, &m, &mut all_ips, &mut subnet);
        }
    }
}

/// `Domain '<name>': <field> must be a boolean, got <type>` for a set,
/// non-boolean field.
fn bool_field(ctx: &mut Ctx, who: Who, map: &Map, field: &str) {
    if let Some(v) = map.get_str(field) {
        if !v.is_null() && v.as_bool().is_none() {
            ctx.err(format!(
                "{who}: {field} must be a boolean, got {}",
                py_type_name(v)
            ));
        }
    }
}

/// Longest instance or project name Incus accepts.
const NAME_MAX: usize = 63;

/// What upstream's name pattern lets through (deliberate differences): a
/// trailing newline (Python's `$`), and names longer than Incus allows.
fn name_limits(who: Who) -> Option<String> {
    let name = who.1.as_str()?;
    if name.ends_with('\n') {
        return Some(format!(
            "{} {}: invalid name (it ends with a newline)",
            who.0,
            py::py_repr(who.1)
        ));
    }
    let len = name.chars().count();
    (len > NAME_MAX)
        .then(|| format!("{who}: name is {len} characters long; Incus allows at most {NAME_MAX}"))
}

fn check_domain<'a>(
    ctx: &mut Ctx<'a>,
    dname: &'a Value,
    domain: &'a Map,
    zone_subnet_ids: &mut PyDict<(&'a Value, &'a Value), &'a Value>,
) {
    let who = Who("Domain", dname);
    if !is_dns_name(dname) {
        ctx.err(format!("{who}: {NAME_RULE}"));
    } else if let Some(e) = name_limits(who) {
        ctx.err(e);
    } else if dname.as_str() == Some("all") {
        ctx.err(format!(
            "{who}: 'all' is reserved (Ansible's group of every host, group_vars/all.yml); \
             rename the domain"
        ));
    }
    bool_field(ctx, who, domain, "enabled");

    let sid = domain.get_str("subnet_id").filter(|s| !s.is_null());
    let sid_ok = sid
        .and_then(Value::as_int)
        .is_some_and(|s| (0..=254).contains(&s));
    match sid {
        Some(s) if !sid_ok => ctx.err(format!("{who}: subnet_id must be 0-254, got {}", py_str(s))),
        Some(s) if ctx.has_addressing => {
            let trust = domain
                .get_str("trust_level")
                .unwrap_or(&DEFAULT_TRUST_VALUE);
            let key = (trust, s);
            match zone_subnet_ids.get(&key) {
                Some(other) => ctx.err(format!(
                    "{who}: subnet_id {} already used by '{}' in zone '{}'",
                    py_str(s),
                    py_str(other),
                    py_str(trust)
                )),
                None => zone_subnet_ids.insert(key, dname),
            }
        }
        Some(s) => match ctx.subnet_ids.get(&s) {
            Some(other) => {
                let msg = format!(
                    "{who}: subnet_id {} already used by '{}'",
                    py_str(s),
                    py_str(other)
                );
                ctx.err(msg);
            }
            None => ctx.subnet_ids.insert(s, dname),
        },
        None if !ctx.has_addressing => ctx.err(format!("{who}: missing subnet_id")),
        None => {}
    }

    bool_field(ctx, who, domain, "ephemeral");
    if let Some(t) = domain.get_str("trust_level").filter(|t| !t.is_null()) {
        let known = [
            "admin",
            "trusted",
            "semi-trusted",
            "untrusted",
            "disposable",
        ];
        if !is_one_of(t, &known) {
            ctx.err(format!(
                "{who}: trust_level must be one of {TRUST_LEVELS}, got '{}'",
                py_str(t)
            ));
        }
    }
    bool_field(ctx, who, domain, "openclaw");
    if let Some(p) = domain.get_str("ai_provider").filter(|p| !p.is_null()) {
        if !is_one_of(p, &["local", "cloud", "local-first"]) {
            ctx.err(format!(
                "{who}: ai_provider must be one of {AI_PROVIDERS}, got '{}'",
                py_str(p)
            ));
        }
    }
    if let Some(s) = domain.get_str("ai_sanitize").filter(|s| !s.is_null()) {
        // Python's `in (True, False, "always")`: 1 and 0.0 are True/False.
        let allowed = [Value::Bool(true), Value::Bool(false), Value::from("always")];
        if !allowed.contains(s) {
            ctx.err(format!(
                "{who}: ai_sanitize must be true, false, or 'always', got '{}'",
                py_str(s)
            ));
        }
    }
}

/// One machine and what it needs from its domain.
struct Machine<'a> {
    name: &'a Value,
    dname: &'a Value,
    /// The domain's subnet_id, when set.
    sid: Option<&'a Value>,
    profiles: Option<&'a Map>,
    cfg: &'a Map,
}

fn check_machine<'a>(
    ctx: &mut Ctx<'a>,
    m: &Machine<'a>,
    all_ips: &mut PyDict<&'a Value, &'a Value>,
    subnet: &mut Option<Option<String>>,
) {
    let cfg = m.cfg;
    let who = Who("Machine", m.name);
    if !is_dns_name(m.name) {
        ctx.err(format!("{who}: {NAME_RULE}"));
    } else if let Some(e) = name_limits(who) {
        ctx.err(e);
    }
    match ctx.all_machines.get(&m.name) {
        Some(first) => {
            let msg = format!("{who}: duplicate (already in '{}')", py_str(first));
            ctx.err(msg);
        }
        None => ctx.all_machines.insert(m.name, m.dname),
    }

    let mtype = cfg.get_str("type").unwrap_or(&LXC);
    if !is_one_of(mtype, &["lxc", "vm"]) {
        ctx.err(format!(
            "{who}: type must be 'lxc' or 'vm', got '{}'",
            py_str(mtype)
        ));
    }

    // Privileged LXC policy (ADR-020); in YOLO mode it is a warning.
    if is_privileged(cfg)
        && mtype.as_str() == Some("lxc")
        && ctx.nesting.vm_nested == Some(false)
        && !ctx.nesting.yolo
    {
        ctx.err(format!(
            "{who}: security.privileged=true on LXC is forbidden when vm_nested=false \
             (no VM in parent chain). Use a VM or enable --YOLO to bypass."
        ));
    }

    check_ip(ctx, m, who, all_ips, subnet);
    bool_field(ctx, who, cfg, "ephemeral");

    let profile_list = cfg.get_str("profiles").and_then(Value::as_seq);
    for p in profile_list.into_iter().flat_map(|s| s.iter()) {
        let defined = m.profiles.is_some_and(|profiles| profiles.contains_key(p));
        if p.as_str() != Some("default") && !defined {
            ctx.err(format!(
                "{who}: profile '{}' not defined in domain '{}'",
                py_str(p),
                py_str(m.dname)
            ));
        }
    }

    bool_field(ctx, who, cfg, "boot_autostart");
    if let Some(bp) = cfg.get_str("boot_priority").filter(|v| !v.is_null()) {
        if !matches!(bp, Value::Int(i) if (0..=100).contains(i)) {
            ctx.err(format!(
                "{who}: boot_priority must be an integer 0-100, got {}",
                py_str(bp)
            ));
        }
    }
    if let Some(s) = cfg.get_str("snapshots_schedule").filter(|v| !v.is_null()) {
        if !s.as_str().is_some_and(is_cron5) {
            ctx.err(format!(
                "{who}: snapshots_schedule must be a cron expression (5 fields), got '{}'",
                py_str(s)
            ));
        }
    }
    if let Some(s) = cfg.get_str("snapshots_expiry").filter(|v| !v.is_null()) {
        if !s.as_str().is_some_and(is_duration) {
            ctx.err(format!(
                "{who}: snapshots_expiry must be a duration (e.g., '30d', '24h', '60m'), got '{}'",
                py_str(s)
            ));
        }
    }
    if let Some(w) = cfg.get_str("weight").filter(|v| !v.is_null()) {
        if !matches!(w, Value::Int(i) if *i >= 1) {
            ctx.err(format!(
                "{who}: weight must be a positive integer, got {}",
                py_str(w)
            ));
        }
    }
    check_persistent_data(ctx, cfg, who);
}

/// `str(config.get("security.privileged", "false")).lower() == "true"`.
pub fn is_privileged(machine: &Map) -> bool {
    let config = machine.get_str("config").and_then(Value::as_map);
    match config.and_then(|c| c.get_str("security.privileged")) {
        None => false,
        Some(v) => py_str(v).to_lowercase() == "true",
    }
}

/// Unique IPs inside the domain's subnet. Upstream compares text prefixes;
/// we also require a string that is a valid IPv4 address.
fn check_ip<'a>(
    ctx: &mut Ctx<'a>,
    m: &Machine<'a>,
    who: Who,
    all_ips: &mut PyDict<&'a Value, &'a Value>,
    subnet: &mut Option<Option<String>>,
) {
    let Some(ip) = m.cfg.get_str("ip").filter(|ip| ip.truthy()) else {
        return;
    };
    let Some(text) = ip.as_str() else {
        ctx.err(format!(
            "{who}: ip must be a string (an IPv4 address), got {}",
            py_type_name(ip)
        ));
        return;
    };
    match all_ips.get(&ip) {
        Some(other) => {
            let msg = format!("{who}: IP {text} already used by '{}'", py_str(other));
            ctx.err(msg);
        }
        None => all_ips.insert(ip, m.name),
    }
    let expected = subnet.get_or_insert_with(|| subnet_prefix(ctx, m));
    match expected {
        Some(prefix) if !text.starts_with(prefix.as_str()) => {
            ctx.err(format!("{who}: IP {text} not in subnet {prefix}0/24"));
        }
        _ if parse_ipv4(text).is_none() => {
            ctx.err(format!("{who}: IP {text} is not a valid IPv4 address"));
        }
        _ => {}
    }
}

/// The text a machine IP of the domain must start with (`10.120.3.`),
/// when the domain's subnet is known.
fn subnet_prefix(ctx: &Ctx, m: &Machine) -> Option<String> {
    if ctx.has_addressing {
        ctx.domain_addr(m.dname).map(|info| {
            let bo = py_str(&ctx.base_octet());
            format!(
                "{bo}.{}.{}.",
                py_str(&info.second_octet),
                py_str(&info.domain_seq)
            )
        })
    } else {
        let base = get_or(ctx.g, "base_subnet", &Value::from("10.100")).clone();
        m.sid
            .map(|sid| format!("{}.{}.", py_str(&base), py_str(sid)))
    }
}

fn check_persistent_data(ctx: &mut Ctx, cfg: &Map, who: Who) {
    let Some(pd) = cfg.get_str("persistent_data").filter(|v| !v.is_null()) else {
        return;
    };
    let Some(pd) = pd.as_map() else {
        ctx.err(format!("{who}: persistent_data must be a mapping"));
        return;
    };
    let devices = cfg.get_str("devices").and_then(Value::as_map);
    for (vname, vconfig) in pd.iter() {
        let v = py_str(vname);
        let Some(vconfig) = vconfig.as_map() else {
            ctx.err(format!("{who}: persistent_data.{v} must be a mapping"));
            continue;
        };
        let at = format!("{who}: persistent_data.{v}");
        if !is_dns_name(vname) {
            ctx.err(format!(
                "{at}: invalid name (lowercase alphanumeric + hyphen)"
            ));
        }
        match vconfig.get_str("path").filter(|p| !p.is_null()) {
            None => ctx.err(format!("{at}: path is required")),
            Some(p) if !p.as_str().is_some_and(|p| p.starts_with('/')) => {
                ctx.err(format!("{at}: path must be an absolute path"));
            }
            Some(_) => {}
        }
        if let Some(ro) = vconfig.get_str("readonly") {
            if !ro.is_null() && ro.as_bool().is_none() {
                ctx.err(format!(
                    "{at}: readonly must be a boolean, got {}",
                    py_type_name(ro)
                ));
            }
        }
        let device = format!("pd-{v}");
        if devices.is_some_and(|d| d.contains_str(&device)) {
            ctx.err(format!(
                "{at}: device name '{device}' collision with existing device"
            ));
        }
    }
}

//! GPU policy (ADR-018), network policies (ADR-021) and the exclusive AI
//! access policy (Phase 18a).

use super::{entries, get_or, Ctx};
use py::py_str;
use py::yaml::{Map, Value};

/// Machines with GPU access, in file order: `gpu:` set, or a profile of
/// their domain with a device of `type: gpu`. Non-mapping domains,
/// machines, profiles and devices count as having no GPU.
pub fn collect_gpu_instances(infra: &Map) -> Vec<Value> {
    let mut found = Vec::new();
    let domains = infra.get_str("domains").and_then(Value::as_map);
    for (_, domain) in entries(domains) {
        let profiles = domain.get("profiles").and_then(Value::as_map);
        for (mname, machine) in entries(domain.get("machines").and_then(Value::as_map)) {
            let has_gpu = machine.get("gpu").is_some_and(Value::truthy)
                || machine
                    .get("profiles")
                    .and_then(Value::as_seq)
                    .into_iter()
                    .flat_map(|s| s.iter())
                    .filter_map(|p| profiles.and_then(|ps| ps.get(p)))
                    .any(profile_has_gpu);
            if has_gpu {
                found.push(mname.clone());
            }
        }
    }
    found
}

fn profile_has_gpu(profile: &Value) -> bool {
    let devices = profile.get("devices").and_then(Value::as_map);
    entries(devices).any(|(_, d)| d.get("type").and_then(Value::as_str) == Some("gpu"))
}

/// `", ".join(names)`.
pub fn join_names(names: &[Value]) -> String {
    names.iter().map(py_str).collect::<Vec<_>>().join(", ")
}

/// GPU, network policy and AI access checks, in upstream's order.
pub fn check(ctx: &mut Ctx) {
    let gpu_policy = get_or(ctx.g, "gpu_policy", &Value::from("exclusive")).clone();
    let gpu = collect_gpu_instances(ctx.infra);
    if gpu.len() > 1 && gpu_policy.as_str() == Some("exclusive") {
        ctx.err(format!(
            "GPU policy is 'exclusive' but {} instances have GPU access: {}. \
             Set global.gpu_policy: shared to allow this.",
            gpu.len(),
            join_names(&gpu)
        ));
    }
    check_network_policies(ctx);
    check_ai_access(ctx);
}

/// The policies list (`infra.get("network_policies") or []`).
fn policies<'a>(ctx: &Ctx<'a>) -> &'a [Value] {
    ctx.infra
        .get_str("network_policies")
        .and_then(Value::as_seq)
        .map_or(&[], |s| &s.items)
}

fn check_network_policies(ctx: &mut Ctx) {
    for (i, policy) in policies(ctx).iter().enumerate() {
        let at = format!("network_policies[{i}]");
        let Some(policy) = policy.as_map() else {
            ctx.err(format!("{at}: must be a mapping"));
            continue;
        };
        for field in ["from", "to"] {
            match policy.get_str(field).filter(|r| !r.is_null()) {
                None => ctx.err(format!("{at}: missing '{field}'")),
                Some(r) => {
                    let known = r.as_str() == Some("host")
                        || ctx.is_domain(r)
                        || ctx.all_machines.contains(&r);
                    if !known {
                        ctx.err(format!(
                            "{at}: '{field}: {}' is not a known domain, machine, or 'host'",
                            py_str(r)
                        ));
                    }
                }
            }
        }
        match policy.get_str("ports").filter(|p| !p.is_null()) {
            None => {}
            Some(p) if p.as_str() == Some("all") => {}
            Some(Value::Seq(ports)) => {
                for port in ports.iter() {
                    // isinstance(port, int): booleans count (True is 1).
                    if !port.as_int().is_some_and(|n| (1..=65535).contains(&n)) {
                        ctx.err(format!(
                            "{at}: invalid port {} (must be 1-65535)",
                            py_str(port)
                        ));
                    }
                }
            }
            Some(_) => ctx.err(format!("{at}: ports must be a list or 'all'")),
        }
        if let Some(proto) = policy.get_str("protocol").filter(|p| !p.is_null()) {
            if !matches!(proto.as_str(), Some("tcp" | "udp")) {
                ctx.err(format!(
                    "{at}: protocol must be 'tcp' or 'udp', got '{}'",
                    py_str(proto)
                ));
            }
        }
        if let Some(b) = policy.get_str("bidirectional").filter(|b| !b.is_null()) {
            if b.as_bool().is_none() {
                ctx.err(format!(
                    "{at}: bidirectional must be a boolean, got {}",
                    py::py_type_name(b)
                ));
            }
        }
    }
}

fn check_ai_access(ctx: &mut Ctx) {
    let policy = get_or(ctx.g, "ai_access_policy", &Value::from("open")).clone();
    if policy.as_str() != Some("exclusive") {
        return;
    }
    match ctx.g.get_str("ai_access_default").filter(|d| !d.is_null()) {
        None => ctx.err(
            "global.ai_access_default is required when ai_access_policy is 'exclusive'".into(),
        ),
        Some(d) if d.as_str() == Some("ai-tools") => ctx
            .err("global.ai_access_default cannot be 'ai-tools' (must be a client domain)".into()),
        Some(d) if !ctx.is_domain(d) => ctx.err(format!(
            "global.ai_access_default '{}' is not a known domain",
            py_str(d)
        )),
        Some(_) => {}
    }
    if !ctx.is_domain(&Value::from("ai-tools")) {
        ctx.err("ai_access_policy is 'exclusive' but no 'ai-tools' domain exists".into());
    }
    let to_ai_tools = policies(ctx)
        .iter()
        .filter(|p| p.get("to").and_then(Value::as_str) == Some("ai-tools"))
        .count();
    if to_ai_tools > 1 {
        ctx.err(format!(
            "ai_access_policy is 'exclusive' but {to_ai_tools} network_policies target \
             ai-tools (max 1 allowed)"
        ));
    }
}

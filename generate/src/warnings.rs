//! Non-fatal warnings about an infra.yml (upstream's `get_warnings`),
//! printed as `WARNING: <text>` after validation and enrichment.
//! Tested with the validation rules they mirror (`validate/tests/policies.rs`).

use crate::validate::collect_gpu_instances;
use py::py_str;
use py::yaml::Value;
use shared::nesting::Nesting;
use std::collections::HashSet;

/// The warnings for a (validated, enriched) infra, in upstream's order:
/// privileged LXC allowed by YOLO mode, shared GPU, network policies that
/// name a disabled domain, given the nesting context (`/etc/anklume` or
/// `$ANKLUME_CONTEXT_DIR`).
pub(crate) fn warnings_with(infra: &Value, nesting: &Nesting) -> Vec<String> {
    let mut out = Vec::new();
    let Some(infra) = infra.as_map() else {
        return out;
    };
    let g = infra.get_str("global");
    let default_policy = Value::from("exclusive");
    let gpu_policy = g
        .and_then(|g| g.get("gpu_policy"))
        .unwrap_or(&default_policy);
    let domains = infra.get_str("domains").and_then(Value::as_map);
    let domain_list = domains.into_iter().flat_map(|m| m.iter());

    for (_, domain) in domain_list.clone() {
        let machines = domain.get("machines").and_then(Value::as_map);
        for (mname, machine) in machines.into_iter().flat_map(|m| m.iter()) {
            let Some(machine) = machine.as_map() else {
                continue;
            };
            let mtype = machine.get_str("type").map_or(Some("lxc"), Value::as_str);
            if crate::validate::is_privileged(machine)
                && mtype == Some("lxc")
                && nesting.vm_nested == Some(false)
                && nesting.yolo
            {
                out.push(format!(
                    "YOLO: Machine '{}' has security.privileged=true on LXC without VM \
                     isolation. This is unsafe for production.",
                    py_str(mname)
                ));
            }
        }
    }

    let gpu = collect_gpu_instances(infra);
    if gpu.len() > 1 && gpu_policy.as_str() == Some("shared") {
        let names: Vec<String> = gpu.iter().map(py_str).collect();
        out.push(format!(
            "GPU policy is 'shared': {} instances share GPU access ({}). No VRAM isolation on \
             consumer GPUs.",
            gpu.len(),
            names.join(", ")
        ));
    }

    // `d.get("enabled", True) is False`: only an explicit boolean false.
    let disabled: HashSet<&Value> = domain_list
        .filter(|(_, d)| matches!(d.get("enabled"), Some(Value::Bool(false))))
        .map(|(name, _)| name)
        .collect();
    if !disabled.is_empty() {
        let policies = infra.get_str("network_policies").and_then(Value::as_seq);
        for (i, policy) in policies.into_iter().flat_map(|s| s.iter()).enumerate() {
            if policy.as_map().is_none() {
                continue;
            }
            for field in ["from", "to"] {
                let r = policy.get(field).unwrap_or(&Value::Null);
                if disabled.contains(&r) {
                    let r = py_str(r);
                    out.push(format!(
                        "network_policies[{i}]: '{field}: {r}' references disabled domain '{r}'"
                    ));
                }
            }
        }
    }
    out
}

//! `ai_access_policy: exclusive` adds the one network policy that lets
//! `ai_access_default` reach `ai-tools`, unless a policy to `ai-tools`
//! already exists (upstream `_enrich_ai_access`).

use py::yaml::{Map, Value};
use shared::Error;

use super::{domain_names, global};
use py::py_str;

pub fn run(infra: &mut Value, notes: &mut Vec<String>) -> Result<(), Error> {
    let g = global(infra)?;
    if g.get_str("ai_access_policy") != Some(&Value::from("exclusive")) {
        return Ok(());
    }
    let Some(default) = g.get_str("ai_access_default").filter(|v| v.truthy()) else {
        return Ok(());
    };
    if !domain_names(infra)?.contains(&Value::from("ai-tools")) {
        return Ok(());
    }
    if has_ai_policy(infra.get("network_policies"))? {
        return Ok(());
    }

    let mut policy = Map::new();
    policy.insert(
        "description",
        format!("AI access: {} -> ai-tools (auto-created)", py_str(default)),
    );
    policy.insert("from", default.clone());
    policy.insert("to", "ai-tools");
    policy.insert("ports", "all");
    policy.insert("bidirectional", true);

    let Value::Map(root) = infra else {
        return Err(Error::new("infra.yml must be a mapping"));
    };
    if !root.contains_str("network_policies") {
        root.insert("network_policies", Value::from(Vec::new()));
    }
    super::tree::edit(
        infra,
        &[Value::from("network_policies")],
        |list| match list {
            Value::Seq(s) => {
                s.push(Value::Map(policy));
                Ok(())
            }
            other => Err(Error::new(format!(
                "network_policies must be a list to add the AI access policy, got {}",
                other.kind()
            ))),
        },
    )?;
    notes.push(format!(
        "INFO: ai_access_policy is 'exclusive' — auto-created network policy from '{}' to 'ai-tools'",
        py_str(default)
    ));
    Ok(())
}

/// `any(isinstance(p, dict) and p.get("to") == "ai-tools" for p in policies or [])`.
fn has_ai_policy(policies: Option<&Value>) -> Result<bool, Error> {
    let target = Value::from("ai-tools");
    let is_ai = |p: &Value| p.as_map().is_some_and(|m| m.get_str("to") == Some(&target));
    match policies {
        None => Ok(false),
        Some(v) if !v.truthy() => Ok(false),
        Some(Value::Seq(s)) => Ok(s.iter().any(is_ai)),
        // Iterating a dict or a string yields keys or characters: never dicts.
        Some(Value::Map(_) | Value::Str(_) | Value::Binary(_)) => Ok(false),
        Some(other) => Err(Error::new(format!(
            "network_policies must be a list, got {}",
            other.kind()
        ))),
    }
}

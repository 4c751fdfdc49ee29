//! Editing the loaded infra tree in place, as upstream mutates its dicts.
//!
//! In Python, a YAML alias (`config: *small`) is the *same* dict in every
//! place that names it, so `config["limits.memory.enforce"] = "soft"` shows
//! up in all of them. Our tree holds copies that share a node id instead;
//! every edit goes through [`edit`], which copies the edited node (and any
//! shared ancestor on its path) over all the other copies with the same id.

use py::yaml::{Map, NodeId, Value};
use shared::Error;
use std::borrow::Borrow;
use std::sync::LazyLock;

use crate::pyops::key;

/// A path of mapping keys from the root.
pub type Path = Vec<Value>;

static DOMAINS: LazyLock<Value> = LazyLock::new(|| key("domains"));
static MACHINES: LazyLock<Value> = LazyLock::new(|| key("machines"));

/// Extend a path by one string key.
pub fn child(path: &[Value], k: &Value) -> Path {
    let mut p = path.to_vec();
    p.push(k.clone());
    p
}

/// `["domains", dname]`.
pub fn domain_path(dname: &Value) -> Path {
    domain_keys(dname).map(Value::clone).to_vec()
}

/// `["domains", dname]`, borrowed.
pub fn domain_keys(dname: &Value) -> [&Value; 2] {
    [&DOMAINS, dname]
}

/// `["domains", dname, "machines", mname]`.
pub fn machine_path(dname: &Value, mname: &Value) -> Path {
    machine_keys(dname, mname).map(Value::clone).to_vec()
}

/// `["domains", dname, "machines", mname]`, borrowed.
pub fn machine_keys<'a>(dname: &'a Value, mname: &'a Value) -> [&'a Value; 4] {
    [&DOMAINS, dname, &MACHINES, mname]
}

/// The node at `path`, if every step is a mapping holding the key.
pub fn at<'a, K: Borrow<Value>>(root: &'a Value, path: &[K]) -> Option<&'a Value> {
    path.iter()
        .try_fold(root, |node, k| node.as_map()?.get(k.borrow()))
}

fn at_mut<'a, K: Borrow<Value>>(root: &'a mut Value, path: &[K]) -> Option<&'a mut Value> {
    path.iter()
        .try_fold(root, |node, k| node.as_map_mut()?.get_mut(k.borrow()))
}

/// Run `f` on the node at `path`, then bring every alias of it up to date.
pub fn edit<R, K: Borrow<Value>>(
    root: &mut Value,
    path: &[K],
    f: impl FnOnce(&mut Value) -> Result<R, Error>,
) -> Result<R, Error> {
    let node = at_mut(root, path).ok_or_else(|| Error::new("internal: edited node vanished"))?;
    let result = f(node)?;
    sync_aliases(root, path);
    Ok(result)
}

/// Run `f` on the mapping at `path` (which must be one).
pub fn edit_map<R, K: Borrow<Value>>(
    root: &mut Value,
    path: &[K],
    f: impl FnOnce(&mut Map) -> Result<R, Error>,
) -> Result<R, Error> {
    edit(root, path, |node| match node {
        Value::Map(m) => f(m),
        other => Err(Error::new(format!(
            "expected a mapping, got {}",
            other.kind()
        ))),
    })
}

fn node_id(v: &Value) -> NodeId {
    match v {
        Value::Map(m) => m.id,
        Value::Seq(s) => s.id,
        _ => 0,
    }
}

/// Innermost first, so an outer shared node is copied with its inner edit.
fn sync_aliases<K: Borrow<Value>>(root: &mut Value, path: &[K]) {
    // Most trees share nothing: one walk down the path tells.
    let mut node = &*root;
    let mut shared = false;
    for k in path {
        match node.as_map().and_then(|m| m.get(k.borrow())) {
            Some(next) => node = next,
            None => break,
        }
        shared |= node_id(node) != 0;
    }
    if !shared {
        return;
    }
    for depth in (1..=path.len()).rev() {
        let Some(node) = at(root, &path[..depth]) else {
            continue;
        };
        let id = node_id(node);
        if id != 0 {
            let node = node.clone();
            replace_all(root, id, &node);
        }
    }
}

fn replace_all(v: &mut Value, id: NodeId, with: &Value) {
    if node_id(v) == id {
        *v = with.clone();
        return;
    }
    match v {
        Value::Map(m) => m.values_mut().for_each(|x| replace_all(x, id, with)),
        Value::Seq(s) => s.iter_mut().for_each(|x| replace_all(x, id, with)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use py::yaml::fresh_id;

    #[test]
    fn edits_reach_every_alias() {
        let id = fresh_id();
        let mut shared = Map::new();
        shared.id = id;
        shared.insert("a", 1i64);
        let mut m1 = Map::new();
        m1.insert("config", shared.clone());
        let mut m2 = Map::new();
        m2.insert("config", shared);
        let mut root = Map::new();
        root.insert("m1", m1);
        root.insert("m2", m2);
        let mut root = Value::Map(root);
        edit_map(&mut root, &[key("m1"), key("config")], |m| {
            m.insert("b", 2i64);
            Ok(())
        })
        .unwrap();
        let b = at(&root, &[key("m2"), key("config"), key("b")]);
        assert_eq!(b, Some(&Value::Int(2)));
    }
}

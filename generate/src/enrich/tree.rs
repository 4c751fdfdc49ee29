//! Editing the loaded infra tree in place, as upstream mutates its dicts.
//!
//! In Python, a YAML alias (`config: *small`) is the *same* dict in every
//! place that names it, so `config["limits.memory.enforce"] = "soft"` shows
//! up in all of them. Our tree holds copies that share a node id instead;
//! every edit goes through [`edit`], which copies the edited node (and any
//! shared ancestor on its path) over all the other copies with the same id.

use shared::yaml::{Map, NodeId, Value};
use shared::Error;

use crate::py::{key, kind};

/// A path of mapping keys from the root.
pub type Path = Vec<Value>;

/// Extend a path by one string key.
pub fn child(path: &[Value], k: &Value) -> Path {
    let mut p = path.to_vec();
    p.push(k.clone());
    p
}

/// `["domains", dname]`.
pub fn domain_path(dname: &Value) -> Path {
    vec![key("domains"), dname.clone()]
}

/// `["domains", dname, "machines", mname]`.
pub fn machine_path(dname: &Value, mname: &Value) -> Path {
    vec![
        key("domains"),
        dname.clone(),
        key("machines"),
        mname.clone(),
    ]
}

/// The node at `path`, if every step is a mapping holding the key.
pub fn at<'a>(root: &'a Value, path: &[Value]) -> Option<&'a Value> {
    path.iter().try_fold(root, |node, k| node.as_map()?.get(k))
}

fn at_mut<'a>(root: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    path.iter()
        .try_fold(root, |node, k| node.as_map_mut()?.get_mut(k))
}

/// Run `f` on the node at `path`, then bring every alias of it up to date.
pub fn edit<R>(
    root: &mut Value,
    path: &[Value],
    f: impl FnOnce(&mut Value) -> Result<R, Error>,
) -> Result<R, Error> {
    let node = at_mut(root, path).ok_or_else(|| Error::new("internal: edited node vanished"))?;
    let result = f(node)?;
    sync_aliases(root, path);
    Ok(result)
}

/// Run `f` on the mapping at `path` (which must be one).
pub fn edit_map<R>(
    root: &mut Value,
    path: &[Value],
    f: impl FnOnce(&mut Map) -> Result<R, Error>,
) -> Result<R, Error> {
    edit(root, path, |node| match node {
        Value::Map(m) => f(m),
        other => Err(Error::new(format!(
            "expected a mapping, got {}",
            kind(other)
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
fn sync_aliases(root: &mut Value, path: &[Value]) {
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
    use shared::yaml::fresh_id;

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

//! Construction: node graph → values.
//!
//! Kept apart from preparation: by the time it runs, the graph's shape is
//! checked and measured, so the build can consume nodes (giving their
//! strings away) and fails only on a node's own content (its tag, its
//! scalar, an unhashable key).

use super::compose::{Kind, Node};
use super::graph::Graph;
use super::{LoadError, Pos};
use crate::yaml::construct::construct_scalar;
use crate::yaml::resolve::Tag;
use crate::yaml::{fresh_id, Map, Seq, Value};
use std::collections::HashMap;

/// Node graph → values, like PyYAML's `SafeConstructor`: a node reached more
/// than once is built once, and its copies share a container id. Built
/// nodes give their strings and child lists away. The walk keeps its own
/// stack, so deep documents cost heap rather than thread stack.
pub(super) struct Builder {
    pub(super) graph: Graph,
    pub(super) memo: HashMap<usize, Value>,
}

/// A collection being built: its node, its children, and those built.
struct Pending {
    index: usize,
    children: Vec<usize>,
    next: usize,
    items: Vec<Value>,
    map: Option<Map>,
}

impl Builder {
    pub(super) fn build(mut self, root: usize) -> Result<Value, LoadError> {
        let mut stack: Vec<Pending> = Vec::new();
        let mut ready = self.start(root, &mut stack)?;
        loop {
            if let Some(value) = ready.take() {
                let Some(top) = stack.last_mut() else {
                    return Ok(value);
                };
                self.accept(top, value)?;
            }
            let Some(top) = stack.last_mut() else {
                return Err(Pos { line: 1, column: 1 }.error("empty document graph"));
            };
            match top.children.get(top.next).copied() {
                Some(child) => {
                    top.next += 1;
                    ready = self.start(child, &mut stack)?;
                }
                None => {
                    let done = stack.pop().map(|p| self.finish(p));
                    ready = done;
                }
            }
        }
    }

    /// The value of a node that has no children to build, or `None` after
    /// pushing the node's collection on the stack.
    fn start(
        &mut self,
        index: usize,
        stack: &mut Vec<Pending>,
    ) -> Result<Option<Value>, LoadError> {
        if let Some(value) = self.memo.get(&index) {
            return Ok(Some(value.clone()));
        }
        let shared = self.graph.uses[index] > 1;
        let node = &mut self.graph.nodes[index];
        let pending = |children, map| Pending {
            index,
            children,
            next: 0,
            items: Vec::new(),
            map,
        };
        let value = match (&node.tag, &mut node.kind) {
            (Tag::Seq, Kind::Seq(items)) => {
                stack.push(pending(std::mem::take(items), None));
                return Ok(None);
            }
            (Tag::Map, Kind::Map(pairs)) => {
                let pairs = std::mem::take(pairs);
                let children = pairs.iter().flat_map(|&(k, v)| [k, v]).collect();
                let map = Map {
                    id: 0,
                    entries: indexmap::IndexMap::with_capacity_and_hasher(
                        pairs.len(),
                        Default::default(),
                    ),
                };
                stack.push(pending(children, Some(map)));
                return Ok(None);
            }
            (Tag::Str, Kind::Scalar(text)) if !shared => Value::Str(std::mem::take(text)),
            (tag, _) if tag.is_scalar() => self.scalar(index)?,
            _ => {
                let node = &self.graph.nodes[index];
                return Err(node.pos.error(wrong_tag(node)));
            }
        };
        Ok(Some(self.keep(index, value)))
    }

    /// Hands a built child to its collection: a sequence item, or in a
    /// mapping a key (which must be hashable) then its value.
    fn accept(&self, top: &mut Pending, value: Value) -> Result<(), LoadError> {
        let Some(map) = &mut top.map else {
            top.items.push(value);
            return Ok(());
        };
        if top.next % 2 == 1 {
            if let Value::Seq(_) | Value::Map(_) = value {
                let pos = self.graph.nodes[top.children[top.next - 1]].pos;
                return Err(pos.error("while constructing a mapping: found unhashable key"));
            }
            top.items.push(value);
        } else if let Some(key) = top.items.pop() {
            insert(map, key, value);
        }
        Ok(())
    }

    fn finish(&mut self, done: Pending) -> Value {
        let value = match done.map {
            Some(map) => Value::Map(map),
            None => Value::Seq(Seq {
                id: 0,
                items: done.items,
            }),
        };
        self.keep(done.index, value)
    }

    /// A shared node's value gets its container id and is kept for the
    /// next places that reach it.
    fn keep(&mut self, index: usize, mut value: Value) -> Value {
        if self.graph.uses[index] > 1 {
            let id = fresh_id();
            match &mut value {
                Value::Seq(s) => s.id = id,
                Value::Map(m) => m.id = id,
                _ => {}
            }
            self.memo.insert(index, value.clone());
        }
        value
    }

    fn scalar(&self, index: usize) -> Result<Value, LoadError> {
        let node = &self.graph.nodes[index];
        let text = self.scalar_text(index)?;
        construct_scalar(&node.tag, text).map_err(|m| node.pos.error(m))
    }

    /// `SafeConstructor.construct_scalar`: a scalar's text, or for a mapping
    /// the text behind its `=` key.
    fn scalar_text(&self, index: usize) -> Result<&str, LoadError> {
        let nodes = &self.graph.nodes;
        let mut node = &nodes[index];
        loop {
            match &node.kind {
                Kind::Scalar(text) => return Ok(text),
                Kind::Map(pairs) => {
                    match pairs.iter().find(|&&(k, _)| nodes[k].tag == Tag::Value) {
                        Some(&(_, value)) => node = &nodes[value],
                        None => {
                            return Err(node.pos.error("expected a scalar node, but found mapping"))
                        }
                    }
                }
                Kind::Seq(_) => {
                    return Err(node.pos.error("expected a scalar node, but found sequence"))
                }
            }
        }
    }
}

/// A dict assignment. Every `.nan` is one and the same float object in
/// PyYAML, so NaN keys meet although NaN never equals itself.
pub(in crate::yaml) fn insert(map: &mut Map, key: Value, value: Value) {
    if let Value::Float(f) = key {
        if f.is_nan() {
            let nan_key = |k: &Value| matches!(k, Value::Float(g) if g.is_nan());
            if let Some((_, slot)) = map.entries.iter_mut().find(|(k, _)| nan_key(k)) {
                *slot = value;
                return;
            }
        }
    }
    map.entries.insert(key, value);
}

/// Why a node's tag and kind do not go together.
fn wrong_tag(node: &Node) -> String {
    let found = node.kind.word();
    match &node.tag {
        Tag::Seq => format!("expected a sequence node, but found {found}"),
        Tag::Map => format!("expected a mapping node, but found {found}"),
        Tag::Unsupported(name) => {
            format!("the tag '{name}' (set, ordered map or pairs) is not supported")
        }
        tag => format!(
            "could not determine a constructor for the tag '{}'",
            tag.name()
        ),
    }
}

//! Preparation: merges, sharing, depth and size.
//!
//! One walk over the node graph before any value exists: merges are
//! flattened where a source's tag can still be ignored and its values stay
//! shared, and the depth and expanded size of the value are known before it
//! is built, so deep nesting and alias bombs are refused rather than
//! exhausting the stack or memory.

use super::compose::{Kind, Node};
use super::{LoadError, Pos, MAX_ALIAS_NODES, MAX_DEPTH};
use crate::yaml::resolve::Tag;

/// Nodes, and what the preparation pass learns about them.
#[derive(Default)]
pub(super) struct Graph {
    pub(super) nodes: Vec<Node>,
    /// How many times the constructor reaches the node (2+ means shared).
    pub(super) uses: Vec<u32>,
    /// Levels of the value built from the node (0 while being prepared).
    height: Vec<usize>,
    /// Nodes of the value built from the node, aliases expanded.
    pub(super) size: Vec<usize>,
    /// Pairs copied by merges so far.
    merged: usize,
}

impl Graph {
    fn pairs(&self, node: usize) -> &[(usize, usize)] {
        match &self.nodes[node].kind {
            Kind::Map(pairs) => pairs,
            _ => &[],
        }
    }

    fn child_count(&self, node: usize) -> usize {
        match &self.nodes[node].kind {
            Kind::Scalar(_) => 0,
            Kind::Seq(items) => items.len(),
            Kind::Map(pairs) => 2 * pairs.len(),
        }
    }

    fn child(&self, node: usize, i: usize) -> usize {
        match &self.nodes[node].kind {
            Kind::Seq(items) => items[i],
            Kind::Map(pairs) => {
                let (key, value) = pairs[i / 2];
                if i % 2 == 1 {
                    value
                } else {
                    key
                }
            }
            Kind::Scalar(_) => node,
        }
    }

    /// Walks the graph as the constructor will: flattens merges, counts how
    /// often each node is reached, and measures the values to come.
    pub(super) fn prepare(&mut self, node: usize, depth: usize) -> Result<(), LoadError> {
        if self.uses.is_empty() {
            let n = self.nodes.len();
            (self.uses, self.height, self.size) = (vec![0; n], vec![0; n], vec![0; n]);
        }
        let pos = self.nodes[node].pos;
        if self.uses[node] > 0 {
            self.uses[node] = self.uses[node].saturating_add(1);
            return match self.height[node] {
                0 => Err(pos.error("found an alias to a node that contains it")),
                h if depth + h > MAX_DEPTH => Err(too_deep(pos)),
                _ => Ok(()),
            };
        }
        if depth > MAX_DEPTH {
            return Err(too_deep(pos));
        }
        self.uses[node] = 1;
        if self.nodes[node].tag == Tag::Map {
            self.flatten(node, depth)?;
        }
        let (mut height, mut size) = (0, 1usize);
        for i in 0..self.child_count(node) {
            let child = self.child(node, i);
            self.prepare(child, depth + 1)?;
            height = height.max(self.height[child]);
            size = size.saturating_add(self.size[child]);
        }
        (self.height[node], self.size[node]) = (height + 1, size);
        Ok(())
    }

    /// `SafeConstructor.flatten_mapping`: `<<` entries are replaced by the
    /// merged pairs, put first so that the mapping's own keys override them
    /// (a later duplicate wins); `=` keys become strings.
    fn flatten(&mut self, node: usize, depth: usize) -> Result<(), LoadError> {
        let special = |g: &Graph, key: usize| matches!(g.nodes[key].tag, Tag::Merge | Tag::Value);
        if !self.pairs(node).iter().any(|&(key, _)| special(self, key)) {
            return Ok(());
        }
        if depth > MAX_DEPTH {
            return Err(too_deep(self.nodes[node].pos));
        }
        let pairs = self.pairs(node).to_vec();
        let (mut merged, mut own) = (Vec::new(), Vec::with_capacity(pairs.len()));
        for (key, value) in pairs {
            match self.nodes[key].tag {
                Tag::Merge => self.merge_source(node, value, depth, &mut merged)?,
                Tag::Value => {
                    self.nodes[key].tag = Tag::Str;
                    own.push((key, value));
                }
                _ => own.push((key, value)),
            }
        }
        merged.extend(own);
        let merged = dedup_key_nodes(merged);
        self.merged = self.merged.saturating_add(merged.len());
        if self.merged > MAX_ALIAS_NODES {
            return Err(self.nodes[node].pos.error("merges copy too many keys"));
        }
        self.nodes[node].kind = Kind::Map(merged);
        Ok(())
    }

    /// The pairs a `<<` value brings: a mapping's, or those of a list of
    /// mappings with the first one winning. The source's own tag is ignored,
    /// as PyYAML only looks at the node kind.
    fn merge_source(
        &mut self,
        node: usize,
        source: usize,
        depth: usize,
        merged: &mut Vec<(usize, usize)>,
    ) -> Result<(), LoadError> {
        let at = self.nodes[node].pos;
        let mut sources = match &self.nodes[source].kind {
            Kind::Map(_) => vec![source],
            Kind::Seq(items) => items.clone(),
            Kind::Scalar(_) => {
                let message = "while constructing a mapping: expected a mapping or list of mappings for merging, but found scalar";
                return Err(self.nodes[source].pos.error(message));
            }
        };
        for &sub in &sources {
            if let Kind::Seq(_) | Kind::Scalar(_) = self.nodes[sub].kind {
                let word = self.nodes[sub].kind.word();
                let message = format!("while constructing a mapping (line {}): expected a mapping for merging, but found {word}", at.line);
                return Err(self.nodes[sub].pos.error(message));
            }
            self.flatten(sub, depth + 1)?;
        }
        sources.reverse();
        for sub in sources {
            merged.extend_from_slice(self.pairs(sub));
        }
        Ok(())
    }
}

/// One pair per key node: its first position with its last value, which is
/// what building the dict from all of them gives. Without it a mapping that
/// merges mappings that merged the same sources carries every copy, and a
/// chain of such mappings grows exponentially (PyYAML's merge-key DoS).
/// Equal keys from different nodes are left for the constructor to resolve.
fn dedup_key_nodes(pairs: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut at: foldhash::HashMap<usize, usize> = foldhash::HashMap::default();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        match at.get(&key) {
            Some(&i) => out[i].1 = value,
            None => {
                at.insert(key, out.len());
                out.push((key, value));
            }
        }
    }
    out
}

fn too_deep(pos: Pos) -> LoadError {
    pos.error(format!(
        "the document nests deeper than {MAX_DEPTH} levels (aliases included)"
    ))
}

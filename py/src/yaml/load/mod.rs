//! Reading YAML text into a [`Value`] the way PyYAML's `safe_load` does.
//!
//! yaml-rust2's parser supplies the events (it cannot tell us what a scalar
//! means, only whether it was plain). From there the steps are PyYAML's own:
//! the composer builds a node graph where an alias is the very node it names,
//! `flatten_mapping` rewrites `<<` merges in that graph, and the constructor
//! turns nodes into values, building each shared node once. Working on the
//! graph rather than on finished values is what keeps the odd corners right:
//! a merge source's tag is ignored, merged values are the same objects as the
//! source's (so they get the same container id), and explicit keys win over
//! merged ones while merged keys come first.
//!
//! yaml-rust2's scanner follows YAML 1.2 and PyYAML's does not, so the text
//! and, when needed, yaml-rust2's tokens are checked for what PyYAML refuses
//! (its character set, tabs, anchor names and duplicates, `%YAML 2`, a `:`
//! without a key on its line, a stream opening with `...`), and where
//! yaml-rust2 refuses whitespace PyYAML ignores (under-indented continuation
//! lines, `*alias:`, `"x"#comment`), the text gets the whitespace it wants
//! and is parsed again. Block scalars that run into the end of the text get
//! PyYAML's last line break.
//!
//! A container reached twice (alias, or a value shared through a merge) gets
//! one nonzero id in every copy, as PyYAML shares the object; an anchored
//! container no alias refers to keeps id 0, as PyYAML would not anchor it.
//!
//! The stages live in submodules, in pipeline order: `text` checks, events
//! composed into a graph (`compose`), re-parsing with whitespace patches
//! (`patch`), `tokens` checks, `graph` preparation, `build`ing values.

mod build;
mod compose;
mod graph;
mod patch;
#[cfg(test)]
mod tests;
mod text;
mod tokens;

use super::Value;
use build::Builder;
use compose::Composed;
use patch::compose_patched;
use std::collections::HashMap;
use std::fmt;
use text::check_text;
use tokens::check_tokens;
use yaml_rust2::scanner::{Marker, ScanError};

pub(super) use build::insert;

/// Deeper documents are refused rather than risking the stack (ours, and
/// that of code walking the value). PyYAML itself gives up near 450 levels.
const MAX_DEPTH: usize = 1000;

/// How many nodes aliases and merges may add on top of the text's own:
/// PyYAML shares objects, we copy them, so "billion laughs" must stop here.
const MAX_ALIAS_NODES: usize = 2_000_000;

/// Why a YAML text could not be read, with the position when known.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for LoadError {}

/// A 1-based position in the text.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pos {
    line: usize,
    column: usize,
}

impl Pos {
    fn of(mark: &Marker) -> Pos {
        Pos {
            line: mark.line(),
            column: mark.col() + 1,
        }
    }
    fn error(self, message: impl Into<String>) -> LoadError {
        LoadError {
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }
}

impl From<ScanError> for LoadError {
    fn from(e: ScanError) -> Self {
        Pos::of(e.marker()).error(e.info())
    }
}

/// Parse one YAML document; an empty text is `Value::Null`.
pub fn load_str(src: &str) -> Result<Value, LoadError> {
    load_with(src, true)
}

/// [`load_str`] without its fast path, for tests comparing the two.
#[doc(hidden)]
pub fn load_str_slow(src: &str) -> Result<Value, LoadError> {
    load_with(src, false)
}

fn load_with(src: &str, fast: bool) -> Result<Value, LoadError> {
    // PyYAML skips a byte order mark at the very start but counts it as a
    // column; yaml-rust2 would make it part of the first scalar.
    match src.strip_prefix('\u{feff}') {
        Some(rest) => load_text(rest, fast).map_err(|mut e| {
            e.column += usize::from(e.line == 1);
            e
        }),
        None => load_text(src, fast),
    }
}

fn load_text(src: &str, fast: bool) -> Result<Value, LoadError> {
    // Plain block-style files (most infra.yml) need none of what follows;
    // the fast path refuses every character `check_text` would.
    if let Some(value) = fast.then(|| super::fast::load(src)).flatten() {
        return Ok(value);
    }
    let src = check_text(src)?;
    let (composed, text, patches) = compose_patched(&src)?;
    check_tokens(&text, composed.suspect, &patches)?;
    let Composed {
        mut graph, root, ..
    } = composed;
    let Some(root) = root else {
        return Ok(Value::Null);
    };
    graph.prepare(root, 0)?;
    let budget = graph.nodes.len().saturating_add(MAX_ALIAS_NODES);
    if graph.size[root] > budget {
        let message = format!("aliases and merges expand the document past {budget} nodes");
        return Err(graph.nodes[root].pos.error(message));
    }
    Builder {
        graph,
        memo: HashMap::new(),
    }
    .build(root)
}

//! Composition: yaml-rust2 events → PyYAML's node graph.
//!
//! Values are built from a graph rather than straight from events so that an
//! alias is the very node it names, and merges can be flattened the way
//! PyYAML's `flatten_mapping` does before any value exists. Block scalars
//! that run into the end of the text are fixed here, where their event's
//! position in the text is still known.

use super::graph::Graph;
use super::{LoadError, Pos, MAX_DEPTH};
use crate::yaml::resolve::{resolve_implicit, Tag};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use yaml_rust2::parser::{Event, Parser, Tag as EventTag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A node of PyYAML's representation graph.
pub(super) struct Node {
    pub(super) tag: Tag,
    pub(super) kind: Kind,
    pub(super) pos: Pos,
    /// Still being composed: an alias to it would make a cycle.
    open: bool,
}

impl Node {
    fn new(tag: Tag, kind: Kind, pos: Pos) -> Node {
        let open = !matches!(kind, Kind::Scalar(_));
        Node {
            tag,
            kind,
            pos,
            open,
        }
    }
}

pub(super) enum Kind {
    Scalar(String),
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>),
}

impl Kind {
    /// The word PyYAML uses for a node kind in its errors.
    pub(super) fn word(&self) -> &'static str {
        match self {
            Kind::Scalar(_) => "scalar",
            Kind::Seq(_) => "sequence",
            Kind::Map(_) => "mapping",
        }
    }
}

/// A composed document.
pub(super) struct Composed {
    pub(super) graph: Graph,
    pub(super) root: Option<usize>,
    /// Some mapping key is empty (PyYAML accepts that only after `?`), or
    /// some plain scalar starts with `:?|>` (which PyYAML refuses in flow).
    pub(super) suspect: bool,
}

#[derive(Default)]
struct Composer {
    graph: Graph,
    tail: Option<Tail>,
    /// yaml-rust2 anchor id → node.
    anchors: HashMap<usize, usize>,
    frames: Vec<Frame>,
    root: Option<usize>,
    documents: usize,
    suspect: bool,
}

/// Composer state: open collections, with the key waiting for its value.
struct Frame {
    node: usize,
    key: Option<usize>,
    /// Where the collection's event was: before its first key only for a
    /// flow mapping (a block mapping's event comes at the first `:`).
    start: Pos,
    flow: bool,
}

/// The last block scalar seen, until any other node follows it.
struct Tail {
    node: usize,
    /// Its position, in characters: the first content character, or the
    /// `|`/`>` indicator when there is no content.
    index: usize,
    /// 0-based column of that position: the indentation when it has content.
    indent: usize,
}

/// Events → node graph, like PyYAML's `Composer.get_single_node`.
pub(super) fn compose(src: &str) -> Result<Composed, LoadError> {
    let mut parser = Parser::new_from_str(src);
    let mut composer = Composer::default();
    loop {
        // yaml-rust2 is not known to panic, but a library bug must not take
        // the whole program down on a malformed file.
        let next = catch_unwind(AssertUnwindSafe(|| parser.next_token()));
        let (event, mark) =
            next.map_err(|_| Pos { line: 0, column: 0 }.error("YAML parser failure"))??;
        if event == Event::StreamEnd {
            break;
        }
        composer.event(event, &mark, src)?;
    }
    if let Some(tail) = composer.tail {
        if let Kind::Scalar(text) = &mut composer.graph.nodes[tail.node].kind {
            fix_block_tail(src, tail.index, tail.indent, text);
        }
    }
    let Composer {
        graph,
        root,
        suspect,
        ..
    } = composer;
    Ok(Composed {
        graph,
        root,
        suspect,
    })
}

impl Composer {
    fn event(&mut self, event: Event, mark: &Marker, src: &str) -> Result<(), LoadError> {
        let pos = Pos::of(mark);
        if matches!(
            event,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
        ) {
            self.tail = None;
        }
        match event {
            Event::DocumentStart if self.documents > 0 => {
                Err(pos
                    .error("expected a single document in the stream, but found another document"))
            }
            Event::DocumentStart => {
                self.documents += 1;
                Ok(())
            }
            Event::Alias(id) => self.alias(id, pos),
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar(text, style, anchor, tag, mark, src)
            }
            Event::SequenceStart(anchor, tag) => {
                let tag = collection_tag(tag, Tag::Seq);
                self.open(Node::new(tag, Kind::Seq(Vec::new()), pos), anchor)
            }
            Event::MappingStart(anchor, tag) => {
                let tag = collection_tag(tag, Tag::Map);
                self.open(Node::new(tag, Kind::Map(Vec::new()), pos), anchor)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.frames.pop() {
                    self.graph.nodes[frame.node].open = false;
                }
                Ok(())
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(()),
        }
    }

    fn scalar(
        &mut self,
        text: String,
        style: TScalarStyle,
        anchor: usize,
        tag: Option<EventTag>,
        mark: &Marker,
        src: &str,
    ) -> Result<(), LoadError> {
        if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded) {
            self.block_scalar(mark, src, &text)?;
        }
        self.suspect |= style == TScalarStyle::Plain && text.starts_with([':', '?', '|', '>']);
        let tag = scalar_tag(&text, style, tag);
        let node = self.add(Node::new(tag, Kind::Scalar(text), Pos::of(mark)), anchor);
        if let Some(tail) = &mut self.tail {
            tail.node = node;
        }
        self.attach(node);
        Ok(())
    }

    /// Notes a block scalar that may run into the end of the text, and
    /// refuses what only YAML 1.2 allows: a top-level one whose text starts
    /// in column 1 (PyYAML wants it indented by at least one space).
    fn block_scalar(&mut self, mark: &Marker, src: &str, text: &str) -> Result<(), LoadError> {
        self.tail = Some(Tail {
            node: 0,
            index: mark.index(),
            indent: mark.col(),
        });
        if self.frames.is_empty() && mark.col() == 0 && !is_header(src, mark.index(), text) {
            return Err(Pos::of(mark).error(
                "while scanning a block scalar: the text must be indented (found it in column 1)",
            ));
        }
        Ok(())
    }

    fn add(&mut self, node: Node, anchor: usize) -> usize {
        let index = self.graph.nodes.len();
        self.graph.nodes.push(node);
        if anchor != 0 {
            self.anchors.insert(anchor, index);
        }
        index
    }

    fn open(&mut self, node: Node, anchor: usize) -> Result<(), LoadError> {
        if self.frames.len() >= MAX_DEPTH {
            return Err(node
                .pos
                .error(format!("the document nests deeper than {MAX_DEPTH} levels")));
        }
        let start = node.pos;
        let index = self.add(node, anchor);
        self.attach(index);
        self.frames.push(Frame {
            node: index,
            key: None,
            start,
            flow: false,
        });
        Ok(())
    }

    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), LoadError> {
        let node = *self
            .anchors
            .get(&id)
            .ok_or_else(|| pos.error("found undefined alias"))?;
        if self.graph.nodes[node].open {
            // PyYAML would build a list or dict that contains itself.
            return Err(pos.error("found an alias to a node that contains it (recursive structures are not supported)"));
        }
        self.attach(node);
        Ok(())
    }

    fn attach(&mut self, child: usize) {
        let Some(frame) = self.frames.last_mut() else {
            self.root = Some(child);
            return;
        };
        let nodes = &mut self.graph.nodes;
        let node = &nodes[child];
        let (line, column) = (node.pos.line, node.pos.column);
        let suspect = match &mut nodes[frame.node].kind {
            Kind::Seq(items) => {
                items.push(child);
                false
            }
            Kind::Map(pairs) => match frame.key.take() {
                Some(key) => {
                    pairs.push((key, child));
                    frame.flow && nodes[key].pos.line != line
                }
                None => {
                    frame.key = Some(child);
                    frame.flow |=
                        pairs.is_empty() && (line, column) > (frame.start.line, frame.start.column);
                    let key = &nodes[child];
                    match &key.kind {
                        Kind::Scalar(t) => t.len() >= 256 || (t.is_empty() && key.tag == Tag::Null),
                        _ => false,
                    }
                }
            },
            Kind::Scalar(_) => false,
        };
        // Worth the token checks: an empty key, a long one, or a flow
        // mapping value on another line than its key.
        self.suspect |= suspect;
    }
}

/// The full tag name; `!` alone is PyYAML's "non-specific" tag.
fn tag_name(tag: &EventTag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

fn scalar_tag(text: &str, style: TScalarStyle, tag: Option<EventTag>) -> Tag {
    match tag.as_ref().map(tag_name) {
        None if style == TScalarStyle::Plain => resolve_implicit(text),
        None => Tag::Str,
        Some(name) if name == "!" => resolve_implicit(text),
        Some(name) => Tag::from_name(&name),
    }
}

fn collection_tag(tag: Option<EventTag>, default: Tag) -> Tag {
    match tag.as_ref().map(tag_name) {
        Some(name) if name != "!" => Tag::from_name(&name),
        _ => default,
    }
}

/// Whether a block scalar event at `index` (characters) is placed on its
/// `|`/`>` header rather than on its first content character, which
/// yaml-rust2 does only for a scalar left empty up to the end of the text.
fn is_header(src: &str, index: usize, text: &str) -> bool {
    let Some((start, _)) = src.char_indices().nth(index) else {
        return false;
    };
    text.chars().all(|c| c == '\n') && block_header(&src[start..]).is_some()
}

/// For text that starts with a block scalar header followed by nothing but
/// blank lines: whether it keeps its line breaks (`+`), and how many breaks
/// follow the header's line.
fn block_header(rest: &str) -> Option<(bool, usize)> {
    if !rest.starts_with(['|', '>']) {
        return None;
    }
    let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let header = &rest[..end];
    let after = rest[end..]
        .strip_prefix("\r\n")
        .or_else(|| rest.get(end + 1..))
        .unwrap_or("");
    if !after.chars().all(|c| matches!(c, ' ' | '\n' | '\r')) {
        return None;
    }
    let indicators = header[1..]
        .chars()
        .take_while(|c| matches!(c, '0'..='9' | '+' | '-'));
    let keep = indicators.clone().any(|c| c == '+');
    let breaks =
        after.matches('\n').count() + after.matches('\r').count() - after.matches("\r\n").count();
    Some((keep, breaks))
}

/// yaml-rust2 ends a block scalar that runs into the end of the text with
/// one line break more than PyYAML, which gives the last line no break when
/// the text has none, and gives an empty scalar no break at all.
fn fix_block_tail(src: &str, index: usize, indent: usize, text: &mut String) {
    let Some((start, _)) = src.char_indices().nth(index) else {
        return;
    };
    if text.chars().all(|c| c == '\n') {
        if let Some((keep, breaks)) = block_header(&src[start..]) {
            if text == "\n" && (!keep || breaks == 0) {
                text.clear();
            }
            return;
        }
    }
    if src.ends_with(['\n', '\r']) || !text.ends_with('\n') {
        return;
    }
    // Every line from the first content line on must belong to the scalar:
    // blank, or indented at least as much; the last one must reach `indent`.
    let line_start = src[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let lines: Vec<&str> = src[line_start..].split(['\n', '\r']).collect();
    let spaces = |line: &str| line.len() - line.trim_start_matches(' ').len();
    let inside = |line: &&str| line.trim_start_matches(' ').is_empty() || spaces(line) >= indent;
    let last_reaches = lines.last().is_some_and(|l| spaces(l) >= indent.max(1));
    if last_reaches && lines.iter().all(inside) {
        text.pop();
    }
}

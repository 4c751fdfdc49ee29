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

use super::resolve::{construct_scalar, resolve_implicit, Tag};
use super::{fresh_id, Map, Seq, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use yaml_rust2::parser::{Event, Parser, Tag as EventTag};
use yaml_rust2::scanner::{Marker, ScanError, Scanner, TScalarStyle, Token, TokenType};

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

// ---------------------------------------------------------------------------
// Checks on the text, before yaml-rust2 sees it.

/// PyYAML's reader and the start of its scanner, where yaml-rust2 (a YAML
/// 1.2 reader) would accept more; returns the text to hand to yaml-rust2.
fn check_text(src: &str) -> Result<Cow<'_, str>, LoadError> {
    if let Some((at, c)) = first_unprintable(src) {
        let message = match c {
            '\u{2028}' | '\u{2029}' => format!(
                "unsupported character #x{:04x}: PyYAML reads it as a line break, this reader does not",
                u32::from(c)
            ),
            _ => format!("unacceptable character #x{:04x}: special characters are not allowed", u32::from(c)),
        };
        return Err(pos_at(src, at).error(message));
    }
    check_stream_start(src)?;
    // PyYAML reads NEL as a plain line break, yaml-rust2 as text; same width
    // in characters, so positions stay right.
    if !src.contains('\u{85}') {
        return Ok(Cow::Borrowed(src));
    }
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        // `\r` then NEL are two breaks for PyYAML, not one `\r\n`.
        let nel_next = chars.peek() == Some(&'\u{85}');
        out.push(if c == '\u{85}' || (c == '\r' && nel_next) {
            '\n'
        } else {
            c
        });
    }
    Ok(Cow::Owned(out))
}

/// The first character outside [`pyyaml_printable`], looking at bytes
/// while they are ASCII.
fn first_unprintable(src: &str) -> Option<(usize, char)> {
    let bytes = src.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if matches!(b, b'\t' | b'\n' | b'\r' | b' '..=b'~') {
            at += 1;
            continue;
        }
        let c = src[at..].chars().next()?;
        if !pyyaml_printable(c) {
            return Some((at, c));
        }
        at += c.len_utf8();
    }
    None
}

/// PyYAML's `Reader.NON_PRINTABLE`, less the two line separators it would
/// read as line breaks (refused here rather than misread).
fn pyyaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}')
        || matches!(c, '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

/// PyYAML starts a document only at content, a directive or `---`: a stream
/// whose first token is `...` is an error there (yaml-rust2 skips it).
fn check_stream_start(src: &str) -> Result<(), LoadError> {
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let content = line.trim_start_matches(' ');
        let blank = content.trim_end_matches(['\r', '\n']).is_empty();
        if !(blank || content.starts_with('#')) {
            let rest = line.strip_prefix("...").map(|r| r.chars().next());
            if let Some(None | Some(' ' | '\t' | '\r' | '\n')) = rest {
                let message = "while parsing a block node: expected the node content, but found '<document end>'";
                return Err(pos_at(src, offset).error(message));
            }
            return Ok(());
        }
        offset += line.len();
    }
    Ok(())
}

/// The position of a byte offset, counting `\n`, `\r\n` and a lone `\r` as
/// line breaks like both scanners do.
fn pos_at(src: &str, offset: usize) -> Pos {
    let before = &src[..offset];
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let breaks = before.matches('\n').count() + before.matches('\r').count()
        - before.matches("\r\n").count();
    Pos {
        line: breaks + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

// ---------------------------------------------------------------------------
// Composition: yaml-rust2 events → PyYAML's node graph.

/// A node of PyYAML's representation graph.
struct Node {
    tag: Tag,
    kind: Kind,
    pos: Pos,
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

enum Kind {
    Scalar(String),
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>),
}

impl Kind {
    /// The word PyYAML uses for a node kind in its errors.
    fn word(&self) -> &'static str {
        match self {
            Kind::Scalar(_) => "scalar",
            Kind::Seq(_) => "sequence",
            Kind::Map(_) => "mapping",
        }
    }
}

/// A composed document.
struct Composed {
    graph: Graph,
    root: Option<usize>,
    /// Some mapping key is empty (PyYAML accepts that only after `?`), or
    /// some plain scalar starts with `:?|>` (which PyYAML refuses in flow).
    suspect: bool,
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
fn compose(src: &str) -> Result<Composed, LoadError> {
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

// ---------------------------------------------------------------------------
// Where yaml-rust2 wants whitespace that PyYAML does without.

/// yaml-rust2 (YAML 1.2) wants the continuation lines of quoted scalars and
/// flow collections indented past the enclosing block, without tabs, and a
/// space before a comment; PyYAML does not care, and neither does the value.
/// So where yaml-rust2 complains about one of those, the text gets the
/// whitespace it wants and is parsed again, a few times at most.
fn compose_patched(src: &str) -> Result<(Composed, Cow<'_, str>, Patches), LoadError> {
    const MAX_PATCHES: usize = 64;
    let mut text = Cow::Borrowed(src);
    let mut patches = Patches::default();
    for _ in 0..=MAX_PATCHES {
        let error = match compose(&text) {
            Ok(composed) => return Ok((composed, text, patches)),
            Err(e) => e,
        };
        match patches.apply(&text, &error) {
            Some(patched) => text = Cow::Owned(patched),
            None => return Err(patches.original_position(error)),
        }
    }
    Err(Pos { line: 1, column: 1 }.error("too many continuation lines to re-indent"))
}

/// The whitespace edits made so far.
#[derive(Default)]
struct Patches {
    /// Spaces added before a (1-based) line's text, to report columns of the
    /// original text.
    shifted: HashMap<usize, usize>,
    /// Lines whose leading tabs became spaces: PyYAML accepts those tabs
    /// only inside a quoted scalar, which is checked once tokens are known.
    untabbed: Vec<usize>,
    /// Alias names split from a following `:?%@` (1-based line, name).
    split_aliases: Vec<(usize, String)>,
}

impl Patches {
    /// The text with the whitespace the error asks for, or `None` when the
    /// error is not one of those (or PyYAML would refuse the text too).
    fn apply(&mut self, text: &str, error: &LoadError) -> Option<String> {
        // Edits are made by line, and yaml-rust2 also counts a lone `\r`.
        if text.replace("\r\n", "").contains('\r') {
            return None;
        }
        let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
        if text.contains('*') && self.end_alias(text, &mut lines).is_some() {
            return Some(lines.concat());
        }
        let (index, column) = (error.line.checked_sub(1)?, error.column.checked_sub(1)?);
        let done = match error.message.as_str() {
            "expected whitespace" if text.ends_with('?') => {
                lines.push("\n".into());
                Some(())
            }
            "comments must be separated from other tokens by whitespace" => {
                self.space_comment(&mut lines, index, column)
            }
            "invalid indentation in quoted scalar" => self.indent_quoted(&mut lines, index, column),
            "invalid indentation in flow construct" | "invalid indentation" => {
                self.indent_flow(&mut lines, index)
            }
            "tab cannot be used as indentation" => self.untab(&mut lines, index),
            _ if text.contains('*') => self.split_alias_text(&mut lines, index, column),
            _ => None,
        };
        done.map(|()| lines.concat())
    }

    fn original_position(&self, error: LoadError) -> LoadError {
        let shift = self.shifted.get(&error.line).copied().unwrap_or(0);
        let column = if error.column > shift {
            error.column - shift
        } else {
            error.column
        };
        LoadError { column, ..error }
    }

    /// PyYAML takes a `#` right after a quoted scalar or a flow collection
    /// for a comment.
    fn space_comment(&mut self, lines: &mut [String], index: usize, column: usize) -> Option<()> {
        let line = lines.get_mut(index)?;
        let (at, c) = line.char_indices().nth(column)?;
        if c != '#' || !line[..at].ends_with(['"', '\'', ']', '}']) {
            return None;
        }
        line.insert(at, ' ');
        *self.shifted.entry(index + 1).or_insert(0) += 1;
        Some(())
    }

    /// PyYAML ends an alias name at the first character outside
    /// `[0-9A-Za-z_-]` (if it may follow one), yaml-rust2 only at a space or
    /// a flow indicator: `*base:` is `*base :` to PyYAML. Finds the first
    /// such alias before the error and splits it.
    fn end_alias(&mut self, text: &str, lines: &mut [String]) -> Option<()> {
        let mut scanner = Scanner::new(text.chars());
        let (mark, name) = std::iter::from_fn(|| {
            catch_unwind(AssertUnwindSafe(|| scanner.next()))
                .ok()
                .flatten()
        })
        .find_map(|Token(mark, token)| match token {
            TokenType::Alias(name) if !is_anchor_name(&name) => Some((mark, name)),
            _ => None,
        })?;
        let end = name.find(|c: char| !is_anchor_char(c))?;
        if end == 0 || !name[end..].starts_with(['?', ':', '%', '@', '`']) {
            return None;
        }
        let line = lines.get_mut(mark.line().checked_sub(1)?)?;
        let (at, _) = line
            .char_indices()
            .nth(mark.col() + 1 + name[..end].chars().count())?;
        line.insert(at, ' ');
        *self.shifted.entry(mark.line()).or_insert(0) += 1;
        Some(())
    }

    /// When yaml-rust2 gave no alias token before failing (it holds back a
    /// possible key), the `*name:` closest before the error is split the
    /// same way; that it really was an alias is checked once tokens are
    /// known, since the same characters could be inside a scalar.
    fn split_alias_text(
        &mut self,
        lines: &mut [String],
        index: usize,
        column: usize,
    ) -> Option<()> {
        let (line, at, name) = (0..=index).rev().find_map(|i| {
            let limit = if i == index { column } else { usize::MAX };
            alias_candidate(lines.get(i)?, limit).map(|(at, name)| (i, at, name))
        })?;
        lines[line].insert(at + 1 + name.len(), ' ');
        *self.shifted.entry(line + 1).or_insert(0) += 1;
        self.split_aliases.push((line + 1, name));
        Some(())
    }

    /// Every continuation line of the quoted scalar starting at `column`
    /// gets indented past its opening quote.
    fn indent_quoted(&mut self, lines: &mut [String], index: usize, column: usize) -> Option<()> {
        let (at, quote) = lines.get(index)?.char_indices().nth(column)?;
        if !matches!(quote, '"' | '\'') {
            return None;
        }
        let rest: Vec<char> = lines[index..].concat()[at..].chars().collect();
        let breaks = rest[..quote_end(&rest, 0)]
            .iter()
            .filter(|c| **c == '\n')
            .count();
        for line in index + 1..=index + breaks {
            self.indent(lines, line, column + 1)?;
        }
        Some(())
    }

    /// The flow collection's line that yaml-rust2 found under-indented gets
    /// indented past the line before it (more at each new complaint).
    fn indent_flow(&mut self, lines: &mut [String], index: usize) -> Option<()> {
        let spaces = leading_spaces(lines.get(index)?);
        let before = lines[..index].iter().rev().find(|l| !l.trim().is_empty());
        let wanted = before.map_or(0, |l| leading_spaces(l)) + 1;
        let done = self.shifted.get(&(index + 1)).copied().unwrap_or(0);
        self.indent(lines, index, wanted.max(spaces + done.max(1)))
    }

    /// Tabs leading a line become spaces (left to be checked).
    fn untab(&mut self, lines: &mut [String], index: usize) -> Option<()> {
        let line = lines.get_mut(index)?;
        let lead = line.len() - line.trim_start_matches([' ', '\t']).len();
        if !line[..lead].contains('\t') {
            return None;
        }
        let spaces = " ".repeat(lead);
        line.replace_range(..lead, &spaces);
        self.untabbed.push(index + 1);
        Some(())
    }

    /// Gives a line at least `wanted` leading spaces, unless it is a
    /// document marker (which PyYAML refuses inside a scalar).
    fn indent(&mut self, lines: &mut [String], index: usize, wanted: usize) -> Option<()> {
        let line = lines.get_mut(index)?;
        let marker = (line.starts_with("---") || line.starts_with("..."))
            && !matches!(line[3..].chars().next(), Some(c) if !c.is_whitespace());
        if marker {
            return None;
        }
        let spaces = leading_spaces(line);
        if spaces < wanted && !line.trim().is_empty() {
            line.insert_str(0, &" ".repeat(wanted - spaces));
            *self.shifted.entry(index + 1).or_insert(0) += wanted - spaces;
        }
        Some(())
    }
}

/// The last `*name` followed by one of `:?%@` in a line, starting before
/// character `limit`: its byte offset and name.
fn alias_candidate(line: &str, limit: usize) -> Option<(usize, String)> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let starts = chars.iter().enumerate().filter(|&(i, &(_, c))| {
        c == '*' && i < limit && (i == 0 || matches!(chars[i - 1].1, ' ' | '\t' | '[' | '{' | ','))
    });
    starts
        .filter_map(|(_, &(at, _))| {
            let rest = &line[at + 1..];
            let end = rest.find(|c: char| !is_anchor_char(c))?;
            let ok = end > 0 && rest[end..].starts_with([':', '?', '%', '@', '`']);
            ok.then(|| (at, rest[..end].to_owned()))
        })
        .next_back()
}

fn leading_spaces(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

// ---------------------------------------------------------------------------
// Checks on yaml-rust2's tokens, for what PyYAML's scanner refuses.

/// Checks that need yaml-rust2's tokens, run only when the text can hold
/// what they look for: anchor names are `[0-9A-Za-z_-]+` and unique in
/// PyYAML, `%YAML` must be 1.x, a `:` needs a key before it on the same line
/// (or a `?`), a plain scalar in a flow collection cannot start with `:?|>`,
/// and tabs are allowed only inside quoted scalars, block scalars and
/// comments.
fn check_tokens(src: &str, suspect: bool, patches: &Patches) -> Result<(), LoadError> {
    let directives = src.starts_with('%') || src.contains("\n%") || src.contains("\r%");
    let tabs = src.contains('\t') || !patches.untabbed.is_empty();
    let split = !patches.split_aliases.is_empty();
    if !(directives || tabs || suspect || split || src.contains('&')) {
        return Ok(());
    }
    let mut check = TokenCheck {
        chars: src.chars().collect(),
        anchors: HashMap::new(),
        keys: vec![None],
        flow: 0,
        spans: Vec::new(),
        split_aliases: patches.split_aliases.clone(),
    };
    let mut scanner = Scanner::new(src.chars());
    // Errors are left to the parser, which meets them at the same place.
    while let Ok(Some(Token(mark, token))) = catch_unwind(AssertUnwindSafe(|| scanner.next())) {
        check.token(mark, token, tabs)?;
    }
    if let Some((line, name)) = check.split_aliases.first() {
        let message = format!(
            "`*{name}` followed by ':' is no alias here, so PyYAML would not read it as one"
        );
        return Err(Pos {
            line: *line,
            column: 1,
        }
        .error(message));
    }
    if tabs {
        check.tabs(&patches.untabbed)?;
    }
    Ok(())
}

struct TokenCheck {
    chars: Vec<char>,
    anchors: HashMap<String, Pos>,
    /// Per open collection: the key waiting for its `:`.
    keys: Vec<Option<Marker>>,
    flow: usize,
    /// Character ranges where a tab is text (quoted and block scalars).
    spans: Vec<(usize, usize)>,
    /// Split aliases not yet met as alias tokens.
    split_aliases: Vec<(usize, String)>,
}

impl TokenCheck {
    fn token(&mut self, mark: Marker, token: TokenType, tabs: bool) -> Result<(), LoadError> {
        let pos = Pos::of(&mark);
        match token {
            TokenType::Anchor(name) => check_anchor(name, pos, &mut self.anchors)?,
            TokenType::Alias(name) => self
                .split_aliases
                .retain(|(line, split)| !(*line == mark.line() && *split == name)),
            TokenType::VersionDirective(major, _) if major != 1 => {
                return Err(pos.error("found incompatible YAML document (version 1.* is required)"));
            }
            TokenType::BlockMappingStart | TokenType::BlockSequenceStart => self.keys.push(None),
            TokenType::FlowMappingStart | TokenType::FlowSequenceStart => {
                self.keys.push(None);
                self.flow += 1;
            }
            TokenType::BlockEnd => self.close(),
            TokenType::FlowMappingEnd | TokenType::FlowSequenceEnd => {
                self.close();
                self.flow = self.flow.saturating_sub(1);
            }
            TokenType::Key => {
                if let Some(last) = self.keys.last_mut() {
                    *last = Some(mark);
                }
            }
            TokenType::Value => self.value(mark)?,
            TokenType::Scalar(TScalarStyle::Plain, text)
                if self.flow > 0 && text.starts_with([':', '?', '|', '>']) =>
            {
                let message = "while scanning for the next token: found character that cannot start any token";
                return Err(pos.error(message));
            }
            TokenType::Scalar(style, text) if tabs => {
                if let Some(span) = scalar_span(&self.chars, &mark, style, &text) {
                    self.spans.push(span);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self) {
        if self.keys.len() > 1 {
            self.keys.pop();
        }
    }

    /// PyYAML only knows a key before `:` when the key is explicit (`?`)
    /// or a "simple key": on the same line, at most 1024 characters before.
    fn value(&mut self, mark: Marker) -> Result<(), LoadError> {
        let key = self.keys.last_mut().and_then(Option::take);
        let Some(key) = key else {
            return Err(Pos::of(&mark)
                .error("mapping values are not allowed here (no key before this ':')"));
        };
        let simple = key.line() == mark.line() && mark.index().saturating_sub(key.index()) <= 1024;
        if simple || self.chars.get(key.index()) == Some(&'?') {
            return Ok(());
        }
        let message = "while scanning a simple key: could not find expected ':' (a key must fit on one line, within 1024 characters)";
        Err(Pos::of(&key).error(message))
    }

    /// PyYAML's scanner skips only spaces between tokens ("Do not use tabs
    /// in YAML!"): a tab must be inside a quoted scalar, in a block scalar's
    /// text, or in a comment. Lines in `untabbed` had their leading tabs
    /// made spaces for yaml-rust2: they must start inside a quoted scalar.
    fn tabs(&mut self, untabbed: &[usize]) -> Result<(), LoadError> {
        self.spans.sort_unstable();
        let spans = &self.spans;
        let inside = |i: usize| {
            let after = spans.partition_point(|&(start, _)| start <= i);
            after > 0 && i < spans[after - 1].1
        };
        let (mut line, mut line_start, mut comment) = (1, 0, false);
        let error = |line, column| {
            let message = "while scanning for the next token: found character '\\t' that cannot start any token";
            Err(Pos { line, column }.error(message))
        };
        for (i, &c) in self.chars.iter().enumerate() {
            if i == line_start && untabbed.contains(&line) && !inside(i) {
                return error(line, 1);
            }
            match c {
                '\n' => (line, line_start, comment) = (line + 1, i + 1, false),
                '\r' if self.chars.get(i + 1) != Some(&'\n') => {
                    (line, line_start, comment) = (line + 1, i + 1, false)
                }
                '#' if !comment && (i == line_start || matches!(self.chars[i - 1], ' ' | '\t')) => {
                    comment = !inside(i);
                }
                '\t' if !comment && !inside(i) => return error(line, i - line_start + 1),
                _ => {}
            }
        }
        Ok(())
    }
}

/// The characters a scalar token covers where a tab is text: a quoted
/// scalar from quote to quote, a block scalar's lines.
fn scalar_span(
    chars: &[char],
    mark: &Marker,
    style: TScalarStyle,
    text: &str,
) -> Option<(usize, usize)> {
    let start = mark.index();
    match style {
        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
            Some((start, quote_end(chars, start)))
        }
        TScalarStyle::Literal | TScalarStyle::Folded if !text.chars().all(|c| c == '\n') => {
            // From the first text line on, lines blank or indented at least
            // as much as it belong to the scalar.
            let indent = mark.col();
            let first = start.checked_sub(indent)?;
            let mut end = first;
            for line in chars
                .get(first..)?
                .split_inclusive(|c| matches!(c, '\n' | '\r'))
            {
                let spaces = line.iter().take_while(|c| **c == ' ').count();
                let blank = line.iter().all(|c| matches!(c, ' ' | '\n' | '\r'));
                if end > first && spaces < indent && !blank {
                    break;
                }
                end += line.len();
            }
            Some((first, end))
        }
        _ => None,
    }
}

/// The index just past the closing quote of the quoted scalar at `start`.
fn quote_end(chars: &[char], start: usize) -> usize {
    let Some(&quote) = chars.get(start) else {
        return chars.len();
    };
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote == '"' => i += 2,
            '\'' if quote == '\'' && chars.get(i + 1) == Some(&'\'') => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

fn is_anchor_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// PyYAML's anchor and alias names: `[0-9A-Za-z_-]+`.
fn is_anchor_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_anchor_char)
}

fn check_anchor(name: String, pos: Pos, seen: &mut HashMap<String, Pos>) -> Result<(), LoadError> {
    if let Some(bad) = name.chars().find(|c| !is_anchor_char(*c)) {
        let message = format!(
            "while scanning an anchor: expected alphabetic or numeric character, but found {bad:?}"
        );
        return Err(pos.error(message));
    }
    if let Some(first) = seen.get(&name) {
        let message = format!(
            "found duplicate anchor {name:?}; first occurrence at line {}, column {}",
            first.line, first.column
        );
        return Err(pos.error(message));
    }
    seen.insert(name, pos);
    Ok(())
}

// ---------------------------------------------------------------------------
// Preparation: merges, sharing, depth and size.

/// Nodes, and what the preparation pass learns about them.
#[derive(Default)]
struct Graph {
    nodes: Vec<Node>,
    /// How many times the constructor reaches the node (2+ means shared).
    uses: Vec<u32>,
    /// Levels of the value built from the node (0 while being prepared).
    height: Vec<usize>,
    /// Nodes of the value built from the node, aliases expanded.
    size: Vec<usize>,
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
    fn prepare(&mut self, node: usize, depth: usize) -> Result<(), LoadError> {
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
        self.merged = self.merged.saturating_add(merged.len());
        if self.merged > MAX_ALIAS_NODES {
            return Err(self.nodes[node].pos.error("merges copy too many keys"));
        }
        merged.extend(own);
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

fn too_deep(pos: Pos) -> LoadError {
    pos.error(format!(
        "the document nests deeper than {MAX_DEPTH} levels (aliases included)"
    ))
}

// ---------------------------------------------------------------------------
// Construction: node graph → values.

/// Node graph → values, like PyYAML's `SafeConstructor`: a node reached more
/// than once is built once, and its copies share a container id. Built
/// nodes give their strings and child lists away. The walk keeps its own
/// stack, so deep documents cost heap rather than thread stack.
struct Builder {
    graph: Graph,
    memo: HashMap<usize, Value>,
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
    fn build(mut self, root: usize) -> Result<Value, LoadError> {
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
                    entries: indexmap::IndexMap::with_capacity(pairs.len()),
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
pub(super) fn insert(map: &mut Map, key: Value, value: Value) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Value {
        load_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn fails(text: &str) -> LoadError {
        match load_str(text) {
            Ok(v) => panic!("{text:?} should fail, got {v:?}"),
            Err(e) => e,
        }
    }

    fn s(text: &str) -> Value {
        Value::Str(text.into())
    }

    fn map_of(v: &Value) -> &Map {
        v.as_map().expect("a mapping")
    }

    fn keys(v: &Value) -> Vec<String> {
        map_of(v)
            .keys()
            .map(|k| k.as_str().unwrap_or("?").to_owned())
            .collect()
    }

    fn id(v: &Value) -> u64 {
        match v {
            Value::Seq(s) => s.id,
            Value::Map(m) => m.id,
            _ => 0,
        }
    }

    #[test]
    fn plain_scalars_resolve_like_yaml_1_1() {
        for t in [
            "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert!(matches!(load(t), Value::Bool(true)), "{t}");
        }
        for t in [
            "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ] {
            assert!(matches!(load(t), Value::Bool(false)), "{t}");
        }
        for t in ["yEs", "y", "n", "oN", "'yes'", "\"on\""] {
            assert!(matches!(load(t), Value::Str(_)), "{t}");
        }
        for t in ["~", "null", "Null", "NULL", ""] {
            assert!(load(t).is_null(), "{t}");
        }
        assert!(matches!(load("nULL"), Value::Str(_)));
    }

    #[test]
    fn integers_follow_construct_yaml_int() {
        let cases = [
            ("010", 8),
            ("-010", -8),
            ("0x1F", 31),
            ("-0x1f", -31),
            ("0b101", 5),
            ("1_000", 1000),
            ("0_", 0),
            ("1:30", 90),
            ("-1:30", -90),
            ("190:20:30", 685_230),
            ("+0", 0),
        ];
        for (text, want) in cases {
            assert!(matches!(load(text), Value::Int(i) if i == want), "{text}");
        }
        for text in ["0o10", "09", "1:60", "0X1F", "1e3", "_1"] {
            assert!(matches!(load(text), Value::Str(_)), "{text}");
        }
        assert!(fails("170141183460469231731687303715884105728")
            .message
            .contains("out of range"));
        assert!(matches!(load("!!int \"12\""), Value::Int(12)));
        assert!(fails("!!int abc").message.contains("invalid literal"));
    }

    #[test]
    fn floats_need_a_dot_or_a_special_name() {
        let cases = [
            ("1.5", 1.5),
            ("1.0e+3", 1000.0),
            (".5", 0.5),
            ("1.", 1.0),
            ("1:30.5", 90.5),
        ];
        for (text, want) in cases {
            assert!(matches!(load(text), Value::Float(f) if f == want), "{text}");
        }
        assert!(matches!(load("-.inf"), Value::Float(f) if f == f64::NEG_INFINITY));
        assert!(matches!(load(".NaN"), Value::Float(f) if f.is_nan()));
        for text in ["1e3", "1.5e3", "-.5", "+.nan", ".iNf"] {
            assert!(matches!(load(text), Value::Str(_)), "{text}");
        }
        assert!(matches!(load("!!float 1"), Value::Float(f) if f == 1.0));
    }

    #[test]
    fn timestamps_are_kept_as_python_writes_them() {
        let cases = [
            ("2024-01-05", "2024-01-05"),
            (
                "2001-12-14t21:59:43.10-05:00",
                "2001-12-14 21:59:43.100000-05:00",
            ),
            ("2001-12-14 21:59:43 Z", "2001-12-14 21:59:43+00:00"),
            ("2001-12-14 21:59:43.0", "2001-12-14 21:59:43"),
            ("2002-1-1 1:02:03 +5", "2002-01-01 01:02:03+05:00"),
            ("!!timestamp 2002-1-1", "2002-01-01"),
        ];
        for (text, want) in cases {
            assert!(
                matches!(load(text), Value::Timestamp(t) if t == want),
                "{text}"
            );
        }
        assert!(matches!(load("2002-1-1"), Value::Str(_)));
        assert!(fails("2001-02-29").message.contains("day is out of range"));
    }

    #[test]
    fn only_plain_scalars_are_resolved() {
        let v = load("a: '1'\nb: \"true\"\nc: |\n  2\nd: >\n  ~\n");
        let m = map_of(&v);
        assert_eq!(m.get_str("a"), Some(&s("1")));
        assert_eq!(m.get_str("b"), Some(&s("true")));
        assert_eq!(m.get_str("c"), Some(&s("2\n")));
        assert_eq!(m.get_str("d"), Some(&s("~\n")));
        assert!(matches!(load("! '12'"), Value::Int(12)));
    }

    #[test]
    fn explicit_tags_are_constructed_or_refused() {
        assert_eq!(load("!!str 123"), s("123"));
        assert_eq!(load("!!str"), s(""));
        assert!(load("!!null anything").is_null());
        assert!(matches!(load("!!binary aGVsbG8="), Value::Binary(b) if b == b"hello"));
        assert!(matches!(load("!!bool \"yEs\""), Value::Bool(true)));
        for text in ["!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]"] {
            assert!(fails(text).message.contains("not supported"), "{text}");
        }
        for text in [
            "!!python/tuple [1]",
            "!foo x",
            "a: =",
            "!!seq {a: 1}",
            "!!map [1]",
        ] {
            fails(text);
        }
        let e = fails("!foo x");
        assert!(e
            .message
            .contains("could not determine a constructor for the tag '!foo'"));
    }

    #[test]
    fn duplicate_keys_keep_the_first_place_and_the_last_value() {
        let v = load("a: 1\nb: 2\na: 3");
        assert_eq!(keys(&v), ["a", "b"]);
        assert_eq!(map_of(&v).get_str("a"), Some(&Value::Int(3)));
        let v = load("1: a\n1.0: b\ntrue: c");
        assert_eq!(map_of(&v).len(), 1);
        assert!(matches!(map_of(&v).keys().next(), Some(Value::Int(1))));
        assert_eq!(map_of(&v).values().next(), Some(&s("c")));
        assert_eq!(map_of(&load(".nan: a\n.nan: b")).len(), 1);
    }

    #[test]
    fn unhashable_keys_are_refused() {
        assert!(fails("[1, 2]: a").message.contains("unhashable key"));
        assert!(fails("? {a: 1}\n: b").message.contains("unhashable key"));
    }

    #[test]
    fn merges_put_merged_keys_first_and_let_own_keys_win() {
        let v = load("a: &a {x: 1, y: 2}\nb:\n  z: 3\n  x: 9\n  <<: *a");
        let b = map_of(&v).get_str("b").expect("b");
        assert_eq!(keys(b), ["x", "y", "z"]);
        assert_eq!(b.get("x"), Some(&Value::Int(9)));
        let v = load("a: &a {x: 1}\nb: &b {y: 2, x: 3}\nc: {<<: [*a, *b]}");
        let c = map_of(&v).get_str("c").expect("c");
        assert_eq!(keys(c), ["y", "x"]);
        assert_eq!(c.get("x"), Some(&Value::Int(1)));
        assert!(fails("b: {<<: 1}").message.contains("for merging"));
        assert!(fails("b: {<<: [1]}").message.contains("for merging"));
        assert_eq!(
            keys(
                map_of(&load("b: {<<: !!str {x: 1}}"))
                    .get_str("b")
                    .expect("b")
            ),
            ["x"]
        );
        assert_eq!(keys(&load("'<<': 1")), ["<<"]);
    }

    #[test]
    fn aliases_share_one_container_id() {
        let v = load("a: &x [1, 2]\nb: *x\nc: &y {k: v}\nd: [*y, *y]\ne: &z [3]");
        let m = map_of(&v);
        let (a, b) = (m.get_str("a").expect("a"), m.get_str("b").expect("b"));
        assert_eq!(a, b);
        assert_ne!(id(a), 0);
        assert_eq!(id(a), id(b));
        let d = m.get_str("d").and_then(Value::as_seq).expect("d");
        assert_eq!(id(&d[0]), id(m.get_str("c").expect("c")));
        assert_eq!(id(&d[0]), id(&d[1]));
        assert_ne!(id(&d[0]), id(a));
        // Anchored but never aliased: not shared, as PyYAML would dump it.
        assert_eq!(id(m.get_str("e").expect("e")), 0);
    }

    #[test]
    fn merged_containers_are_the_source_s_objects() {
        let v = load("a: &a {x: [1]}\nb: {<<: *a}");
        let m = map_of(&v);
        let ax = m.get_str("a").and_then(|a| a.get("x")).expect("a.x");
        let bx = m.get_str("b").and_then(|b| b.get("x")).expect("b.x");
        assert_ne!(id(ax), 0);
        assert_eq!(id(ax), id(bx));
    }

    #[test]
    fn recursive_and_undefined_aliases_are_refused() {
        assert!(fails("&a [*a]").message.contains("contains it"));
        assert!(fails("&a {x: {y: *a}}").message.contains("contains it"));
        fails("a: *nope");
        assert!(fails("- &a b\n- &a c").message.contains("duplicate anchor"));
    }

    #[test]
    fn streams_hold_at_most_one_document() {
        assert!(load("").is_null());
        assert!(load("# only a comment\n\n").is_null());
        assert!(load("---").is_null());
        assert_eq!(load("%YAML 1.1\n--- x"), s("x"));
        assert_eq!(load("x\n...\n"), s("x"));
        let e = fails("a: 1\n---\nb: 2");
        assert!(e.message.contains("expected a single document"));
        assert_eq!((e.line, e.column), (2, 1));
        fails("...\n");
        fails("%YAML 2.0\n--- x");
    }

    #[test]
    fn errors_have_one_based_positions() {
        let e = fails("a: 1\nb: [1, 2\n");
        assert!(e.line >= 2 && e.column >= 1, "{e}");
        let e = fails("a:\n  b: 1\n c: 2");
        assert_eq!(e.line, 3);
        let e = fails("a: b\u{1}");
        assert_eq!((e.line, e.column), (1, 5));
        assert!(e
            .to_string()
            .starts_with("line 1, column 5: unacceptable character #x0001"));
        let e = fails("\u{feff}a: b\t");
        assert_eq!((e.line, e.column), (1, 6));
    }

    #[test]
    fn tabs_only_where_pyyaml_takes_them() {
        assert_eq!(map_of(&load("a: \"x\ty\"")).get_str("a"), Some(&s("x\ty")));
        assert_eq!(
            map_of(&load("a: |\n  x\ty\n")).get_str("a"),
            Some(&s("x\ty\n"))
        );
        assert_eq!(keys(&load("a: 1 # c\td")), ["a"]);
        assert_eq!(map_of(&load("a: \"x\n\ty\"")).get_str("a"), Some(&s("x y")));
        for text in [
            "a: b\t",
            "a:\tb",
            "\ta: 1",
            "a: 1\t# c",
            "- a\n-\tb",
            "a: |\n  x\n\t\n",
        ] {
            fails(text);
        }
    }

    #[test]
    fn continuation_lines_need_no_indentation() {
        assert_eq!(map_of(&load("a: \"x\ny\"")).get_str("a"), Some(&s("x y")));
        let v = load("a:\n  b: [1,\n2]\n  c: {\n}");
        let a = map_of(&v).get_str("a").expect("a");
        assert_eq!(a.get("b").and_then(Value::as_seq).map(|s| s.len()), Some(2));
        assert!(a
            .get("c")
            .and_then(Value::as_map)
            .is_some_and(|m| m.is_empty()));
        fails("a: \"x\n---\ny\"");
    }

    #[test]
    fn block_scalars_at_the_end_of_the_text() {
        let cases = [
            ("a: |\n  x", "x"),
            ("a: |\n  x\n  ", "x\n"),
            ("a: |+\n  x\n\n  ", "x\n\n"),
            ("a: >\n  x\n  y", "x y"),
            ("a: |\n", ""),
            ("a: |+\n\n", "\n"),
            ("a: |-\n  x", "x"),
        ];
        for (text, want) in cases {
            assert_eq!(map_of(&load(text)).get_str("a"), Some(&s(want)), "{text:?}");
        }
        fails("|\nx");
    }

    #[test]
    fn pyyaml_key_rules() {
        for text in [":", "- :", "{: 1}", "{a\n: 1}", "[:x]", "[> c]"] {
            fails(text);
        }
        assert!(map_of(&load("?")).contains_key(&Value::Null));
        assert_eq!(load("\"b\"#c"), s("b"));
        assert_eq!(load("[a]#c").as_seq().map(|s| s.len()), Some(1));
        let long = format!("{}: 1", "k".repeat(1100));
        fails(&long);
        assert_eq!(keys(&load("a: &A k\n*A: 3")), ["a", "k"]);
        let v = load("- &A v\n- *A: 1");
        assert_eq!(
            v.as_seq().map(|s| s[1].clone()),
            Some(Value::Map({
                let mut m = Map::new();
                m.insert("v", 1i64);
                m
            }))
        );
    }

    #[test]
    fn line_breaks_the_pyyaml_way() {
        assert_eq!(keys(&load("a: 1\r\nb: 2\r\n")), ["a", "b"]);
        assert_eq!(keys(&load("a: 1\rb: 2")), ["a", "b"]);
        assert_eq!(keys(&load("a: 1\u{85}b: 2")), ["a", "b"]);
        assert!(fails("a: x\u{2028}b").message.contains("#x2028"));
        assert_eq!(keys(&load("\u{feff}a: 1")), ["a"]);
    }

    /// A document nested `depth` block sequences deep, on one line.
    fn nested(depth: usize) -> String {
        format!("{}x", "- ".repeat(depth))
    }

    #[test]
    fn nesting_is_bounded_without_overflowing_the_stack() {
        // Test threads have small stacks: the value must still be
        // cloned, compared and dropped there.
        let v = load(&nested(MAX_DEPTH));
        let copy = v.clone();
        assert_eq!(v, copy);
        assert!(fails(&nested(MAX_DEPTH + 1))
            .message
            .contains("nests deeper"));
        assert!(fails(&nested(20_000)).message.contains("nests deeper"));
        let through_aliases = format!("a: &a\n  {}\nb:\n  {}*a", nested(600), "- ".repeat(600));
        assert!(fails(&through_aliases).message.contains("nests deeper"));
    }

    #[test]
    fn alias_bombs_are_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        assert!(fails(&text).message.contains("expand"));
    }

    /// xorshift: reproducible garbage without a dependency.
    fn garbage(seed: &mut u64, len: usize) -> String {
        const PIECES: &[&str] = &[
            "a",
            "1",
            ":",
            " ",
            "  ",
            "\n",
            "- ",
            "? ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "#",
            "&a",
            "*a",
            "!!",
            "!",
            "|",
            ">",
            "'",
            "\"",
            "\\",
            "\t",
            "\r",
            "---",
            "...",
            "%YAML 1.1",
            "<<",
            "=",
            "é",
            "\u{85}",
            "\u{feff}",
            "~",
            "0x",
            ".5",
            "2001-01-01",
            "\u{1F600}",
            "@",
            "`",
            "%",
        ];
        let mut out = String::new();
        for _ in 0..len {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            out.push_str(PIECES[(*seed % PIECES.len() as u64) as usize]);
        }
        out
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1d;
        for round in 0..600 {
            let text = garbage(&mut seed, 1 + round % 60);
            let _ = load_str(&text);
        }
        for text in [
            "[".repeat(5000),
            "{a: ".repeat(3000),
            "- ".repeat(5000),
            "\"\\".to_owned(),
        ] {
            let _ = load_str(&text);
        }
    }
}

//! Writing a [`Value`] as YAML text identical to anklume's PyYAML dumper.
//!
//! anklume's generator wrote its files with PyYAML and users diff our output
//! against theirs, so this follows PyYAML 6's representer, serializer and
//! emitter step by step rather than producing "equivalent" YAML. The event
//! state machine is replaced by recursion that makes the same cursor calls in
//! the same order; the scalar rules live in `emit_analyze.rs` (which styles
//! are allowed), `resolve.rs` (what plain text would read back as, the
//! loader's own resolver) and `emit_scalar.rs` (the writers).

use super::emit_analyze::{analyze, Analysis};
use super::emit_scalar::Writer;
use super::resolve::{resolve_implicit, Tag};
use super::{Map, NodeId, Value};
use std::collections::HashMap as StdHashMap;

/// Container ids → anchors; hashed with foldhash (SipHash cost a tenth of
/// an emit).
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::RandomState>;
use std::fmt::Write as _;

/// Dump like `yaml.dump(v, Dumper=SafeDumper with indented sequences and
/// empty nulls, default_flow_style=False, sort_keys=False, allow_unicode=True)`.
pub fn dump(value: &Value) -> String {
    // Most documents share no node, so the anchor pre-pass over the whole
    // tree is only paid for when the first attempt meets a node twice.
    let first = Emitter::run(value, HashMap::default());
    if !first.repeated {
        return first.w.out;
    }
    let mut shared = HashMap::default();
    assign_anchors(value, &mut shared, &mut 0);
    Emitter::run(value, shared).w.out
}

/// A container that appears (by identity) somewhere in the document.
struct Shared {
    anchor: Option<u32>,
    emitted: bool,
}

/// The serializer's `anchor_node`: a container gets an anchor the second
/// time it is met, numbered in that order, and is not walked again.
fn assign_anchors(value: &Value, shared: &mut HashMap<NodeId, Shared>, last: &mut u32) {
    let id = match value {
        Value::Seq(s) => s.id,
        Value::Map(m) => m.id,
        _ => return,
    };
    if id != 0 {
        if let Some(node) = shared.get_mut(&id) {
            if node.anchor.is_none() {
                *last += 1;
                node.anchor = Some(*last);
            }
            return;
        }
        let fresh = Shared {
            anchor: None,
            emitted: false,
        };
        shared.insert(id, fresh);
    }
    // Scalars are filtered here rather than by a call per item: this pass
    // walks the whole document and must stay cheap.
    let mut visit = |v: &Value| {
        if matches!(v, Value::Seq(_) | Value::Map(_)) {
            assign_anchors(v, shared, last);
        }
    };
    match value {
        Value::Seq(s) => s.iter().for_each(visit),
        Value::Map(m) => m.iter().for_each(|(k, v)| {
            visit(k);
            visit(v);
        }),
        _ => {}
    }
}

/// The emitter contexts that change the output (`root_context` makes a plain
/// scalar open-ended; `simple_key_context` forbids folding and multi-line).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Root,
    Block,
    SimpleKey,
}

/// A represented scalar: its tag, text, and whether the representer asked
/// for the literal style (only `!!binary` does).
struct Scalar<'a> {
    tag: Tag,
    text: &'a str,
    literal: bool,
}

struct Emitter {
    w: Writer,
    /// Containers with an identity: from [`assign_anchors`], or filled as
    /// they are met when emitting without anchors first.
    shared: HashMap<NodeId, Shared>,
    /// A node was met twice without an anchor: the output must be redone.
    repeated: bool,
    /// Reused text buffer for ints, floats and base64.
    scratch: String,
    anchor_buf: String,
}

/// `choose_scalar_style`'s answers (folded `>` is never requested).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

impl Emitter {
    fn run(value: &Value, shared: HashMap<NodeId, Shared>) -> Self {
        let mut e = Emitter {
            w: Writer::new(4096),
            shared,
            repeated: false,
            scratch: String::new(),
            anchor_buf: String::new(),
        };
        e.node(value, Ctx::Root);
        // DocumentEnd, then StreamEnd closing an open-ended document.
        e.w.write_indent();
        if e.w.open_ended {
            e.w.write_indicator("...", true);
            e.w.write_indent();
        }
        e
    }

    fn node(&mut self, value: &Value, ctx: Ctx) {
        match value {
            Value::Seq(s) => {
                if self.open(s.id) {
                    if s.is_empty() {
                        self.flow_empty("[", "]");
                    } else {
                        self.block_sequence(&s.items);
                    }
                }
            }
            Value::Map(m) => {
                if self.open(m.id) {
                    if m.is_empty() {
                        self.flow_empty("{", "}");
                    } else {
                        self.block_mapping(m);
                    }
                }
            }
            _ => self.with_scalar(value, |e, sc, an| e.scalar(sc, an, ctx)),
        }
    }

    /// Writes the `&idNNN` anchor, or the `*idNNN` alias of a container that
    /// was already written; false when it was an alias.
    fn open(&mut self, id: NodeId) -> bool {
        if id == 0 {
            return true;
        }
        let node = self.shared.entry(id).or_insert(Shared {
            anchor: None,
            emitted: false,
        });
        let alias = node.emitted;
        let anchor = node.anchor;
        node.emitted = true;
        if alias && anchor.is_none() {
            self.repeated = true;
            return true;
        }
        if let Some(n) = anchor {
            self.anchor_buf.clear();
            let indicator = if alias { '*' } else { '&' };
            let _ = write!(self.anchor_buf, "{indicator}id{n:03}");
            self.w.write_indicator(&self.anchor_buf, true);
        }
        !alias
    }

    fn is_alias(&self, id: NodeId) -> bool {
        self.shared.get(&id).is_some_and(|n| n.emitted)
    }

    /// Empty collections are the only flow nodes: `[]` and `{}`.
    fn flow_empty(&mut self, open: &str, close: &str) {
        self.w.indicator(open, true, true, false);
        self.w.write_indicator(close, false);
    }

    fn block_sequence(&mut self, items: &[Value]) {
        let outer = self.w.increase_indent(false);
        for item in items {
            self.w.write_indent();
            self.w.indicator("-", true, false, true);
            self.node(item, Ctx::Block);
        }
        self.w.restore_indent(outer);
    }

    fn block_mapping(&mut self, map: &Map) {
        let outer = self.w.increase_indent(false);
        for (key, value) in map.iter() {
            self.w.write_indent();
            self.key(key);
            self.node(value, Ctx::Block);
        }
        self.w.restore_indent(outer);
    }

    /// `check_simple_key`: `key: value` when the key is an alias, an empty
    /// collection, or a one-line scalar shorter than 128 characters counting
    /// its (unwritten) tag; otherwise the `? key` / `: value` form.
    fn key(&mut self, key: &Value) {
        let simple = match key {
            Value::Seq(s) => s.is_empty() || self.is_alias(s.id),
            Value::Map(m) => m.is_empty() || self.is_alias(m.id),
            _ => {
                let mut simple = false;
                self.with_scalar(key, |e, sc, an| {
                    simple = !an.empty && !an.multiline && short_key(sc);
                    let ctx = if simple { Ctx::SimpleKey } else { Ctx::Block };
                    e.key_start(simple);
                    e.scalar(sc, an, ctx);
                });
                return self.key_end(simple);
            }
        };
        self.key_start(simple);
        self.node(key, if simple { Ctx::SimpleKey } else { Ctx::Block });
        self.key_end(simple);
    }

    fn key_start(&mut self, simple: bool) {
        if !simple {
            self.w.indicator("?", true, false, true);
        }
    }

    fn key_end(&mut self, simple: bool) {
        if simple {
            self.w.write_indicator(":", false);
        } else {
            self.w.write_indent();
            self.w.indicator(":", true, false, true);
        }
    }

    /// Represents and analyses a scalar value with the shared text buffer.
    fn with_scalar(&mut self, value: &Value, f: impl FnOnce(&mut Self, &Scalar, &Analysis)) {
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        if let Some(sc) = represent(value, &mut buf) {
            let an = analyze(sc.text);
            f(self, &sc, &an);
        }
        self.scratch = buf;
    }

    /// `process_tag` + `expect_scalar` + `process_scalar`.
    fn scalar(&mut self, sc: &Scalar, an: &Analysis, ctx: Ctx) {
        let simple_key = ctx == Ctx::SimpleKey;
        self.w.ascii = an.ascii;
        let style = choose_style(sc, an, simple_key);
        if style != Style::Plain && sc.tag != Tag::Str {
            self.w.write_indicator(sc.tag.short(), true);
        }
        let outer = self.w.increase_indent(true);
        let split = !simple_key;
        match style {
            Style::Plain => self.w.write_plain(sc.text, split, ctx == Ctx::Root),
            Style::Single => self.w.write_single_quoted(sc.text, split),
            Style::Double => self.w.write_double_quoted(sc.text, split),
            Style::Literal => self.w.write_literal(sc.text),
        }
        self.w.restore_indent(outer);
    }
}

/// The key length test of `check_simple_key`, in code points; byte length
/// bounds it, so counting is only needed for long keys.
fn short_key(sc: &Scalar) -> bool {
    let room = 128 - sc.tag.short().len();
    sc.text.len() < room || sc.text.chars().count() < room
}

/// `choose_scalar_style` outside flow context: plain when allowed and the
/// text would read back with the same tag, else single quotes, else double.
fn choose_style(sc: &Scalar, an: &Analysis, simple_key: bool) -> Style {
    if !sc.literal
        && !(simple_key && (an.empty || an.multiline))
        && an.allow_block_plain
        && resolve_implicit(sc.text) == sc.tag
    {
        Style::Plain
    } else if sc.literal && !simple_key && an.allow_block {
        Style::Literal
    } else if !sc.literal && an.allow_single_quoted && !(simple_key && an.multiline) {
        Style::Single
    } else {
        Style::Double
    }
}

/// SafeRepresenter plus anklume's `None` → empty scalar; `None` for
/// containers.
fn represent<'a>(value: &'a Value, buf: &'a mut String) -> Option<Scalar<'a>> {
    let (tag, text, literal) = match value {
        Value::Null => (Tag::Null, "", false),
        Value::Bool(b) => (Tag::Bool, if *b { "true" } else { "false" }, false),
        Value::Int(i) => {
            write_int(*i, buf);
            (Tag::Int, buf.as_str(), false)
        }
        Value::Float(f) => {
            write_float(*f, buf);
            (Tag::Float, buf.as_str(), false)
        }
        Value::Str(s) => (Tag::Str, s.as_str(), false),
        Value::Timestamp(s) => (Tag::Timestamp, s.as_str(), false),
        Value::Binary(b) => {
            write_base64(b, buf);
            (Tag::Binary, buf.as_str(), true)
        }
        Value::Seq(_) | Value::Map(_) => return None,
    };
    Some(Scalar { tag, text, literal })
}

/// `str(int)`; `i128`'s `Display` goes through the generic formatter, which
/// costs more than the rest of an integer's emission.
fn write_int(i: i128, out: &mut String) {
    let mut digits = [0u8; 40];
    let mut at = digits.len();
    let mut n = i.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    out.extend(digits[at..].iter().map(|&d| d as char));
}

/// `SafeRepresenter.represent_float`: Python's `repr`, lowercased, with `.0`
/// put before the exponent when the mantissa has no dot.
fn write_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str(".nan");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { ".inf" } else { "-.inf" });
    } else {
        let from = out.len();
        crate::write_float_repr(f, out);
        if let Some(e) = out[from..].find('e') {
            if !out[from..from + e].contains('.') {
                out.insert_str(from + e, ".0");
            }
        }
    }
}

/// `base64.encodebytes`: 76-character lines, each ending with a newline.
fn write_base64(data: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for line in data.chunks(57) {
        for chunk in line.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | ((b as u32) << (16 - 8 * i)));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
#[path = "emit_tests.rs"]
mod tests;

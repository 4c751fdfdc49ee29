//! Tags with PyYAML's meaning: which tag a plain scalar gets (`resolver.py`),
//! once for both directions. The loader tags what it reads with it; the
//! emitter writes a scalar plain only when it would read back with its own
//! tag. How a scalar's text then becomes a value is in `construct`.
//!
//! PyYAML follows YAML 1.1, so `yes`, `010`, `1:30` and `2024-01-05` are not
//! strings. Its resolvers are regular expressions tried in the order they were
//! registered for the scalar's first character; the matchers below are those
//! expressions written out by hand (the crate has no regex engine).

/// The tag of a node once PyYAML's parser and resolver are done with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tag {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Binary,
    Timestamp,
    Seq,
    Map,
    /// `<<`: only meaningful as a mapping key.
    Merge,
    /// `=`: only meaningful as a mapping key, where it becomes a string.
    Value,
    /// PyYAML's documentation-only tag: a lone `!`, `&` or `*` with the
    /// non-specific `!` tag gets it, and no constructor reads it.
    Yaml,
    /// Tags PyYAML knows but whose values (set, tuples) we cannot hold.
    Unsupported(String),
    /// Any other tag: PyYAML's SafeLoader has no constructor for it.
    Other(String),
}

const YAML_PREFIX: &str = "tag:yaml.org,2002:";

impl Tag {
    /// The tag from its full name (`tag:yaml.org,2002:int`, `!foo`).
    pub(super) fn from_name(name: &str) -> Tag {
        let Some(short) = name.strip_prefix(YAML_PREFIX) else {
            return Tag::Other(name.to_owned());
        };
        match short {
            "null" => Tag::Null,
            "bool" => Tag::Bool,
            "int" => Tag::Int,
            "float" => Tag::Float,
            "str" => Tag::Str,
            "binary" => Tag::Binary,
            "timestamp" => Tag::Timestamp,
            "seq" => Tag::Seq,
            "map" => Tag::Map,
            "merge" => Tag::Merge,
            "value" => Tag::Value,
            "yaml" => Tag::Yaml,
            "set" | "omap" | "pairs" => Tag::Unsupported(name.to_owned()),
            _ => Tag::Other(name.to_owned()),
        }
    }

    /// The full name, as PyYAML prints it in its errors.
    pub(super) fn name(&self) -> String {
        let short = match self {
            Tag::Null => "null",
            Tag::Bool => "bool",
            Tag::Int => "int",
            Tag::Float => "float",
            Tag::Str => "str",
            Tag::Binary => "binary",
            Tag::Timestamp => "timestamp",
            Tag::Seq => "seq",
            Tag::Map => "map",
            Tag::Merge => "merge",
            Tag::Value => "value",
            Tag::Yaml => "yaml",
            Tag::Unsupported(name) | Tag::Other(name) => return name.clone(),
        };
        format!("{YAML_PREFIX}{short}")
    }

    /// What the emitter writes before a scalar that must not read back as
    /// what its text looks like (`!!int '1'`): `prepare_tag` with the
    /// default `!!` handle. The emitter only writes the tags its
    /// representer gives (null, bool, int, float, str, binary, timestamp).
    pub(super) fn short(&self) -> &'static str {
        match self {
            Tag::Null => "!!null",
            Tag::Bool => "!!bool",
            Tag::Int => "!!int",
            Tag::Float => "!!float",
            Tag::Str => "!!str",
            Tag::Binary => "!!binary",
            Tag::Timestamp => "!!timestamp",
            Tag::Seq => "!!seq",
            Tag::Map => "!!map",
            Tag::Merge => "!!merge",
            Tag::Value => "!!value",
            Tag::Yaml => "!!yaml",
            Tag::Unsupported(_) | Tag::Other(_) => "!",
        }
    }

    /// Tags whose constructor reads a scalar's text.
    pub(super) fn is_scalar(&self) -> bool {
        matches!(
            self,
            Tag::Null | Tag::Bool | Tag::Int | Tag::Float | Tag::Str | Tag::Binary | Tag::Timestamp
        )
    }
}

/// The tag PyYAML's `Resolver.resolve` gives an implicit (plain, or `!`)
/// scalar: what the loader gives `text`, and what the emitter checks a
/// plain scalar would read back as.
pub(super) fn resolve_implicit(text: &str) -> Tag {
    // Python's `$` also matches just before a final newline, which only a
    // `!`-tagged quoted scalar can have.
    let s = text.strip_suffix('\n').unwrap_or(text);
    let Some(first) = text.chars().next() else {
        return Tag::Null;
    };
    match first {
        'y' | 'Y' | 't' | 'T' | 'f' | 'F' | 'o' | 'O' if is_bool(s) => Tag::Bool,
        'n' | 'N' if is_bool(s) => Tag::Bool,
        'n' | 'N' | '~' if is_null(s) => Tag::Null,
        // Every float form has a dot; most scalars that start like a
        // number are ints and never try the four float matchers.
        '-' | '+' | '.' | '0'..='9' if s.contains('.') && is_float(s) => Tag::Float,
        '-' | '+' | '0'..='9' if is_int(s) => Tag::Int,
        '0'..='9' if is_timestamp(s) => Tag::Timestamp,
        '<' if s == "<<" => Tag::Merge,
        '=' if s == "=" => Tag::Value,
        // Only reachable through `!`: PyYAML's documentation-only resolver.
        '!' | '&' | '*' if s.len() == 1 => Tag::Yaml,
        _ => Tag::Str,
    }
}

fn is_bool(s: &str) -> bool {
    matches!(
        s,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

fn is_null(s: &str) -> bool {
    matches!(s, "~" | "null" | "Null" | "NULL" | "")
}

/// A cursor over ASCII bytes for the hand-written regular expressions; none
/// of PyYAML's expressions can backtrack into a different match, so a greedy
/// left-to-right walk decides exactly as `re.match` does.
#[derive(Clone, Copy)]
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str) -> Self {
        Cur {
            b: s.as_bytes(),
            i: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }
    fn eat_str(&mut self, s: &str) -> bool {
        let hit = self.b[self.i..].starts_with(s.as_bytes());
        if hit {
            self.i += s.len();
        }
        hit
    }
    /// Consumes the longest run of bytes in the class; returns its length.
    fn run(&mut self, class: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.peek().is_some_and(&class) {
            self.i += 1;
        }
        self.i - start
    }
    /// Consumes an optional run (a `*` in the expression); always matches.
    fn skip(&mut self, class: impl Fn(u8) -> bool) -> bool {
        self.run(class);
        true
    }
    fn sign(&mut self) {
        let _ = self.eat(b'-') || self.eat(b'+');
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    /// `(?::[0-5]?[0-9])+`: one or more sexagesimal groups.
    fn sexagesimal(&mut self) -> bool {
        let mut groups = 0;
        while self.eat(b':') {
            let start = self.i;
            match self.run(digit) {
                1 => {}
                2 if self.b[start] <= b'5' => {}
                _ => return false,
            }
            groups += 1;
        }
        groups > 0
    }
    /// `(?:[eE][-+][0-9]+)?`
    fn exponent(&mut self) -> bool {
        if self.eat(b'e') || self.eat(b'E') {
            if !(self.eat(b'-') || self.eat(b'+')) {
                return false;
            }
            return self.run(digit) > 0;
        }
        true
    }
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}
fn digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

fn is_float(s: &str) -> bool {
    float_decimal(s) || float_fraction_only(s) || float_sexagesimal(s) || float_special(s)
}

/// `[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?`
fn float_decimal(s: &str) -> bool {
    let mut c = Cur::new(s);
    c.sign();
    c.peek().is_some_and(digit)
        && c.run(digit_) > 0
        && c.eat(b'.')
        && c.skip(digit_)
        && c.exponent()
        && c.done()
}

/// `\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?`
fn float_fraction_only(s: &str) -> bool {
    let mut c = Cur::new(s);
    c.eat(b'.') && c.peek().is_some_and(digit) && c.run(digit_) > 0 && c.exponent() && c.done()
}

/// `[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*`
fn float_sexagesimal(s: &str) -> bool {
    let mut c = Cur::new(s);
    c.sign();
    c.peek().is_some_and(digit)
        && c.run(digit_) > 0
        && c.sexagesimal()
        && c.eat(b'.')
        && c.skip(digit_)
        && c.done()
}

/// `[-+]?\.(?:inf|Inf|INF)` and `\.(?:nan|NaN|NAN)`
fn float_special(s: &str) -> bool {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN")
}

fn is_int(s: &str) -> bool {
    let mut c = Cur::new(s);
    c.sign();
    let body = c;
    let all = |mut c: Cur, class: fn(u8) -> bool| c.run(class) > 0 && c.done();
    let mut b = body;
    if b.eat_str("0b") && all(b, |x| matches!(x, b'0' | b'1' | b'_')) {
        return true;
    }
    let mut x = body;
    if x.eat_str("0x") && all(x, |x| x.is_ascii_hexdigit() || x == b'_') {
        return true;
    }
    let mut o = body;
    if o.eat(b'0') && (o.done() || all(o, |x| matches!(x, b'0'..=b'7' | b'_'))) {
        return true;
    }
    let mut d = body;
    if !d.peek().is_some_and(|x| matches!(x, b'1'..=b'9')) {
        return false;
    }
    d.run(digit_);
    d.done() || (d.sexagesimal() && d.done())
}

fn is_timestamp(s: &str) -> bool {
    timestamp_fields(s)
        .is_some_and(|f| f.hour.is_some() || (f.month.len() == 2 && f.day.len() == 2))
}

/// The named groups of `SafeConstructor.timestamp_regexp`.
pub(super) struct Stamp<'a> {
    pub(super) year: &'a str,
    pub(super) month: &'a str,
    pub(super) day: &'a str,
    pub(super) hour: Option<&'a str>,
    pub(super) minute: &'a str,
    pub(super) second: &'a str,
    pub(super) fraction: &'a str,
    /// `Z`, or sign, hours and optional minutes.
    pub(super) tz: Option<(u8, &'a str, &'a str)>,
}

pub(super) fn timestamp_fields(s: &str) -> Option<Stamp<'_>> {
    let mut c = Cur::new(s);
    // A run of digits whose length must be within bounds.
    fn digits<'s>(s: &'s str, c: &mut Cur, min: usize, max: usize) -> Option<&'s str> {
        let start = c.i;
        let n = c.run(digit);
        (min..=max).contains(&n).then(|| &s[start..c.i])
    }
    let field = |c: &mut Cur, min, max| digits(s, c, min, max);
    let year = field(&mut c, 4, 4)?;
    let month = c.eat(b'-').then(|| field(&mut c, 1, 2))??;
    let day = c.eat(b'-').then(|| field(&mut c, 1, 2))??;
    let mut stamp = Stamp {
        year,
        month,
        day,
        hour: None,
        minute: "",
        second: "",
        fraction: "",
        tz: None,
    };
    if c.done() {
        return Some(stamp);
    }
    if !(c.eat(b'T') || c.eat(b't') || c.run(|x| x == b' ' || x == b'\t') > 0) {
        return None;
    }
    stamp.hour = Some(field(&mut c, 1, 2)?);
    stamp.minute = c.eat(b':').then(|| field(&mut c, 2, 2))??;
    stamp.second = c.eat(b':').then(|| field(&mut c, 2, 2))??;
    if c.eat(b'.') {
        let start = c.i;
        c.run(digit);
        stamp.fraction = &s[start..c.i];
    }
    if c.done() {
        return Some(stamp);
    }
    c.run(|x| x == b' ' || x == b'\t');
    stamp.tz = Some(if c.eat(b'Z') {
        (b'Z', "", "")
    } else {
        let sign = c.peek().filter(|x| matches!(x, b'-' | b'+'))?;
        c.i += 1;
        let hours = field(&mut c, 1, 2)?;
        let minutes = if c.eat(b':') {
            field(&mut c, 2, 2)?
        } else {
            ""
        };
        (sign, hours, minutes)
    });
    c.done().then_some(stamp)
}

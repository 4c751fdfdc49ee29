//! The emitter's YAML 1.1 implicit resolver: PyYAML 6's `resolver.py`
//! regexes, hand-written over bytes, plus the [`Tag`]s the resolver and
//! representer share.
//!
//! [`super::emit`] writes a string plain only when it would read back as a
//! string, so this must give the tag PyYAML would for every plain scalar.
//! The loader has its own resolver (`super::resolve`); this one is kept
//! separate because the emitter only needs the tag, never the value.

/// Tags as the resolver and representer know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
    Str,
    Int,
    Float,
    Bool,
    Null,
    Timestamp,
    Binary,
    Merge,
    Value,
    Yaml,
}

impl Tag {
    /// The short form `prepare_tag` produces with the default `!!` handle.
    pub fn text(self) -> &'static str {
        match self {
            Tag::Str => "!!str",
            Tag::Int => "!!int",
            Tag::Float => "!!float",
            Tag::Bool => "!!bool",
            Tag::Null => "!!null",
            Tag::Timestamp => "!!timestamp",
            Tag::Binary => "!!binary",
            Tag::Merge => "!!merge",
            Tag::Value => "!!value",
            Tag::Yaml => "!!yaml",
        }
    }
}

/// The tag PyYAML's YAML 1.1 resolver gives a plain scalar (`Tag::Str` when
/// no implicit resolver matches).
pub(super) fn resolve(s: &str) -> Tag {
    let Some(&first) = s.as_bytes().first() else {
        return Tag::Null;
    };
    // Python's `$` also matches before one final newline.
    let b = s.strip_suffix('\n').unwrap_or(s).as_bytes();
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' if is_bool(b) => {
            Tag::Bool
        }
        b'-' | b'+' | b'0'..=b'9' | b'.' if b.contains(&b'.') && is_float(b) => Tag::Float,
        b'-' | b'+' | b'0'..=b'9' if is_int(b) => Tag::Int,
        b'0'..=b'9' if is_timestamp(b) => Tag::Timestamp,
        b'<' if b == b"<<" => Tag::Merge,
        b'~' | b'n' | b'N' if matches!(b, b"~" | b"null" | b"Null" | b"NULL") => Tag::Null,
        b'=' | b'!' | b'&' | b'*' if b.len() == 1 => match first {
            b'=' => Tag::Value,
            _ => Tag::Yaml,
        },
        _ => Tag::Str,
    }
}

fn is_bool(b: &[u8]) -> bool {
    const WORDS: [&[u8]; 18] = [
        b"yes", b"Yes", b"YES", b"no", b"No", b"NO", b"true", b"True", b"TRUE", b"false", b"False",
        b"FALSE", b"on", b"On", b"ON", b"off", b"Off", b"OFF",
    ];
    WORDS.contains(&b)
}

/// A cursor for the hand-written equivalents of the resolver's regexes.
#[derive(Clone, Copy)]
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(b: &'a [u8]) -> Self {
        Cur { b, i: 0 }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, pred: impl Fn(u8) -> bool) -> bool {
        let ok = self.peek().is_some_and(pred);
        self.i += ok as usize;
        ok
    }
    fn eat_byte(&mut self, c: u8) -> bool {
        self.eat(|x| x == c)
    }
    fn eat_while(&mut self, pred: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.eat(&pred) {}
        self.i - start
    }
    fn eat_str(&mut self, s: &[u8]) -> bool {
        let ok = self.b[self.i..].starts_with(s);
        self.i += if ok { s.len() } else { 0 };
        ok
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn sign(mut self) -> Self {
        self.eat(|c| c == b'-' || c == b'+');
        self
    }
    /// `[0-9][0-9_]*`
    fn digits_(&mut self) -> bool {
        self.eat(|c| c.is_ascii_digit()) && {
            self.eat_while(|c| c.is_ascii_digit() || c == b'_');
            true
        }
    }
    /// `(?::[0-5]?[0-9])+`
    fn sexagesimal(&mut self) -> bool {
        let mut groups = 0;
        while self.peek() == Some(b':') {
            let save = *self;
            self.i += 1;
            let start = self.i;
            let n = self.eat_while(|c| c.is_ascii_digit());
            if !(n == 1 || (n == 2 && self.b[start] <= b'5')) {
                *self = save;
                break;
            }
            groups += 1;
        }
        groups > 0
    }
    /// `(?:[eE][-+][0-9]+)?` followed by the end.
    fn opt_exponent_end(mut self) -> bool {
        let signed_digits = |c: &mut Self| {
            c.eat(|x| x == b'-' || x == b'+') && c.eat_while(|x| x.is_ascii_digit()) > 0
        };
        (!self.eat(|c| c == b'e' || c == b'E') || signed_digits(&mut self)) && self.done()
    }
}

fn is_digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

fn is_float(b: &[u8]) -> bool {
    let signed = Cur::new(b).sign();
    let decimal = || {
        let mut c = signed;
        c.digits_() && c.eat_byte(b'.') && {
            c.eat_while(is_digit_);
            c.opt_exponent_end()
        }
    };
    let leading_dot = || {
        let mut c = Cur::new(b);
        c.eat_byte(b'.') && c.digits_() && c.opt_exponent_end()
    };
    let base60 = || {
        let mut c = signed;
        c.digits_() && c.sexagesimal() && c.eat_byte(b'.') && {
            c.eat_while(is_digit_);
            c.done()
        }
    };
    let inf = || {
        let mut c = signed;
        c.eat_byte(b'.') && matches!(&c.b[c.i..], b"inf" | b"Inf" | b"INF")
    };
    let nan = matches!(b, b".nan" | b".NaN" | b".NAN");
    decimal() || leading_dot() || base60() || inf() || nan
}

fn is_int(b: &[u8]) -> bool {
    let signed = Cur::new(b).sign();
    let prefixed = |prefix: &[u8], pred: fn(u8) -> bool| {
        let mut c = signed;
        c.eat_str(prefix) && c.eat_while(pred) > 0 && c.done()
    };
    let decimal = || {
        let mut c = signed;
        if c.eat_byte(b'0') {
            return c.done();
        }
        c.eat(|x| (b'1'..=b'9').contains(&x)) && {
            c.eat_while(is_digit_);
            c.done() || (c.sexagesimal() && c.done())
        }
    };
    prefixed(b"0b", |c| c == b'0' || c == b'1' || c == b'_')
        || prefixed(b"0", |c| (b'0'..=b'7').contains(&c) || c == b'_')
        || decimal()
        || prefixed(b"0x", |c| c.is_ascii_hexdigit() || c == b'_')
}

fn is_timestamp(b: &[u8]) -> bool {
    let digit = |c: u8| c.is_ascii_digit();
    let mut c = Cur::new(b);
    if c.eat_while(digit) != 4 || !c.eat_byte(b'-') {
        return false;
    }
    let month = c.eat_while(digit);
    if !c.eat_byte(b'-') || !(1..=2).contains(&month) {
        return false;
    }
    let day = c.eat_while(digit);
    if c.done() {
        return month == 2 && day == 2;
    }
    if !(1..=2).contains(&day)
        || !(c.eat(|x| x == b'T' || x == b't') || c.eat_while(|x| x == b' ' || x == b'\t') > 0)
    {
        return false;
    }
    let hour = c.eat_while(digit);
    if !(1..=2).contains(&hour) || !c.eat_byte(b':') || c.eat_while(digit) != 2 {
        return false;
    }
    if !c.eat_byte(b':') || c.eat_while(digit) != 2 {
        return false;
    }
    if c.eat_byte(b'.') {
        c.eat_while(digit);
    }
    if c.done() {
        return true;
    }
    c.eat_while(|x| x == b' ' || x == b'\t');
    if c.eat_byte(b'Z') {
        return c.done();
    }
    if !c.eat(|x| x == b'-' || x == b'+') || !(1..=2).contains(&c.eat_while(digit)) {
        return false;
    }
    c.done() || (c.eat_byte(b':') && c.eat_while(digit) == 2 && c.done())
}

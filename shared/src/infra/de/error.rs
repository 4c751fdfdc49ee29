//! The error of the [`Value`] deserializer, and the path to the bad field.
//!
//! serde reports errors from inside visitors that do not know where they
//! are in the document, so an error starts without a path and the innermost
//! deserializer that sees it fills the path in on the way out. The message
//! then reads `domains.pro.machines.pro-dev.ip: expected a string, got int`.

use crate::yaml::Value;
use serde::de::{self, Unexpected};
use std::fmt;
use std::rc::Rc;

/// One step from a parent node to a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    /// A mapping key, written as text (a non-string key is written as YAML
    /// would show it: `123`, `true`).
    Key(String),
    /// A list index.
    Index(usize),
}

/// A path as a shared linked list: children are made for every field, and an
/// `Rc` makes that a pointer copy instead of a vector copy.
#[derive(Debug, Clone, Default)]
pub(crate) struct Path(Option<Rc<(Path, PathSeg)>>);

impl Path {
    pub(crate) fn child(&self, seg: PathSeg) -> Path {
        Path(Some(Rc::new((self.clone(), seg))))
    }

    pub(crate) fn to_vec(&self) -> Vec<PathSeg> {
        let mut segs = Vec::new();
        let mut node = &self.0;
        while let Some(rc) = node {
            segs.push(rc.1.clone());
            node = &(rc.0).0;
        }
        segs.reverse();
        segs
    }
}

/// Why a [`Value`] does not fit the requested type, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError {
    /// None until the error has passed through a deserializer.
    path: Option<Vec<PathSeg>>,
    message: String,
}

impl DeError {
    pub(crate) fn at(path: &Path, message: impl Into<String>) -> DeError {
        DeError {
            path: Some(path.to_vec()),
            message: message.into(),
        }
    }

    /// Give the error the path of the node it came out of, unless a deeper
    /// node already did.
    pub(crate) fn located(mut self, path: &Path) -> DeError {
        if self.path.is_none() {
            self.path = Some(path.to_vec());
        }
        self
    }

    /// The path to the offending node; empty for the top level.
    pub fn path(&self) -> &[PathSeg] {
        self.path.as_deref().unwrap_or(&[])
    }

    /// The message without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// `domains.pro.machines[0]`, or `top level` for the root.
pub fn format_path(segs: &[PathSeg]) -> String {
    if segs.is_empty() {
        return "top level".to_owned();
    }
    let mut out = String::new();
    for seg in segs {
        match seg {
            PathSeg::Key(k) if out.is_empty() => out.push_str(k),
            PathSeg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            PathSeg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", format_path(self.path()), self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            path: None,
            message: msg.to_string(),
        }
    }

    // serde's default reads "invalid type: integer `5`, expected a string";
    // say it the way the rest of our messages do.
    fn invalid_type(unexp: Unexpected, exp: &dyn de::Expected) -> Self {
        de::Error::custom(format_args!(
            "expected {exp}, got {}",
            unexpected_kind(&unexp)
        ))
    }

    fn invalid_value(unexp: Unexpected, exp: &dyn de::Expected) -> Self {
        de::Error::custom(format_args!("expected {exp}, got {unexp}"))
    }
}

/// The short type name used in "got ..." (`int`, `string`, `list`).
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) => "string",
        Value::Timestamp(_) => "date",
        Value::Binary(_) => "binary",
        Value::Seq(_) => "list",
        Value::Map(_) => "mapping",
    }
}

fn unexpected_kind(unexp: &Unexpected) -> String {
    match unexp {
        Unexpected::Bool(b) => format!("bool ({b})"),
        Unexpected::Unsigned(_) | Unexpected::Signed(_) => "int".into(),
        Unexpected::Float(_) => "float".into(),
        Unexpected::Char(_) | Unexpected::Str(_) => "string".into(),
        Unexpected::Bytes(_) => "binary".into(),
        Unexpected::Unit | Unexpected::Option => "null".into(),
        Unexpected::Seq => "list".into(),
        Unexpected::Map => "mapping".into(),
        other => other.to_string(),
    }
}

/// A scalar written the way YAML would show it, for messages about keys.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        Value::Binary(_) => "<binary>".into(),
        Value::Seq(_) => "<list>".into(),
        Value::Map(_) => "<mapping>".into(),
    }
}

/// What to tell a user whose name (a domain, a machine) is not a string.
pub fn non_string_name(what: &str, key: &Value) -> String {
    let text = scalar_text(key);
    let why = match key {
        Value::Bool(_) => {
            " (unquoted yes/no/on/off/true/false are booleans in YAML 1.1)".to_owned()
        }
        Value::Null => " (an empty key or ~ is null in YAML)".to_owned(),
        _ => String::new(),
    };
    format!(
        "{what} {text} is not a string: YAML read it as {}{why}; names must be strings, \
         so quote it (\"{text}\") or rename it",
        kind(key)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_formatting() {
        let p = Path::default()
            .child(PathSeg::Key("network_policies".into()))
            .child(PathSeg::Index(2))
            .child(PathSeg::Key("ports".into()));
        assert_eq!(format_path(&p.to_vec()), "network_policies[2].ports");
        assert_eq!(format_path(&[]), "top level");
    }

    #[test]
    fn innermost_path_wins() {
        let inner = Path::default().child(PathSeg::Key("a".into()));
        let outer = Path::default();
        let e = <DeError as de::Error>::custom("bad")
            .located(&inner)
            .located(&outer);
        assert_eq!(e.to_string(), "a: bad");
    }

    #[test]
    fn name_messages() {
        assert_eq!(
            non_string_name("domain name", &Value::Int(123)),
            "domain name 123 is not a string: YAML read it as int; names must be strings, \
             so quote it (\"123\") or rename it"
        );
        assert!(non_string_name("domain name", &Value::Bool(true)).contains("yes/no/on/off"));
    }
}

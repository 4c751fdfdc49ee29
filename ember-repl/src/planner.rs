//! Reading the planner's output: `{"response": …, "commands": […]}`.
//!
//! Small models rarely answer with clean JSON, so, as the Python runtime did,
//! the JSON object may sit in a fenced block or among prose, and
//! `[[COMMAND:name]]` markers are understood when there is no JSON at all.
//! Anything else is treated as a plain answer with no commands.
//! [`ResponseStream`] pulls the `response` string out of the output while it
//! is being generated, so the operator sees the reply token by token.

use serde_json::Value;

/// What the planner asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub response: String,
    pub commands: Vec<String>,
    pub format: Format,
}

/// How the output was understood; `Text` and `Empty` earn the operator a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markers,
    Text,
    Empty,
}

const MARKER_OPEN: &str = "[[COMMAND:";
const MARKER_CLOSE: &str = "]]";

/// Parses planner output; never fails.
pub fn parse(output: &str) -> Plan {
    if let Some(obj) = find_json_object(output) {
        return Plan {
            response: response_of(&obj),
            commands: commands_of(&obj),
            format: Format::Json,
        };
    }
    let (text, commands) = strip_markers(output);
    let response = text.trim().to_string();
    let format = if !commands.is_empty() {
        Format::Markers
    } else if response.is_empty() {
        Format::Empty
    } else {
        Format::Text
    };
    Plan {
        response,
        commands,
        format,
    }
}

fn response_of(obj: &serde_json::Map<String, Value>) -> String {
    match obj.get("response") {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// `commands` as a list of strings; a lone string or `{"command": …}` items are accepted too.
fn commands_of(obj: &serde_json::Map<String, Value>) -> Vec<String> {
    let item = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Object(o) => ["command", "name"]
            .iter()
            .find_map(|k| o.get(*k)?.as_str().map(|s| s.trim().to_string())),
        _ => None,
    };
    let list: Vec<String> = match obj.get("commands") {
        Some(Value::Array(items)) => items.iter().filter_map(item).collect(),
        Some(v @ Value::String(_)) => item(v).into_iter().collect(),
        _ => Vec::new(),
    };
    list.into_iter().filter(|s| !s.is_empty()).collect()
}

/// The first JSON object in `text` that parses, preferring one with a
/// `response` or `commands` key. Braces inside JSON strings are skipped.
fn find_json_object(text: &str) -> Option<serde_json::Map<String, Value>> {
    let mut fallback = None;
    for (start, end) in object_spans(text) {
        if let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(&text[start..end]) {
            if obj.contains_key("response") || obj.contains_key("commands") {
                return Some(obj);
            }
            fallback.get_or_insert(obj);
        }
    }
    fallback
}

/// Byte spans of balanced top-level `{…}` groups, string-aware.
fn object_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let (mut depth, mut start, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for (i, c) in text.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' if depth > 0 => in_str = true,
            '{' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    spans.push((start, i + 1));
                }
            }
            _ => {}
        }
    }
    spans
}

/// Removes `[[COMMAND:x]]` markers, returning the remaining text and the names.
pub fn strip_markers(text: &str) -> (String, Vec<String>) {
    let (mut out, mut commands, mut rest) = (String::new(), Vec::new(), text);
    while let Some(i) = rest.find(MARKER_OPEN) {
        let after = &rest[i + MARKER_OPEN.len()..];
        let Some(j) = after.find(MARKER_CLOSE) else {
            break;
        };
        out.push_str(&rest[..i]);
        let name = after[..j].trim();
        if !name.is_empty() {
            commands.push(name.to_string());
        }
        rest = &after[j + MARKER_CLOSE.len()..];
    }
    out.push_str(rest);
    (out, commands)
}

/// Incremental extractor of what the operator should see while the planner
/// writes: the `"response": "…"` string when the output is JSON (it starts
/// with `{` or a code fence), else the text itself minus command markers.
#[derive(Debug, Default)]
pub struct ResponseStream {
    acc: String,
    pos: usize,
    state: StreamState,
    emitted: String,
    /// End of the part of `emitted` already returned by `feed`.
    shown: usize,
}

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
enum StreamState {
    /// Nothing but whitespace seen yet.
    #[default]
    Undecided,
    /// Plain text: streamed as is, `[[COMMAND:…]]` markers held back.
    Text,
    Seeking,
    InString,
    Done,
}

impl ResponseStream {
    /// Adds generated text; returns what should appear now. Leading and
    /// trailing whitespace is held back (shown once more text follows it).
    pub fn feed(&mut self, chunk: &str) -> String {
        self.acc.push_str(chunk);
        self.advance();
        let text = &self.emitted;
        let from = if self.shown == 0 {
            text.len() - text.trim_start().len()
        } else {
            self.shown
        };
        let to = text.trim_end().len();
        if to <= from {
            return String::new();
        }
        self.shown = to;
        text[from..to].to_string()
    }

    fn advance(&mut self) {
        loop {
            match self.state {
                StreamState::Done => break,
                StreamState::Undecided => {
                    let rest = &self.acc[self.pos..];
                    let trimmed = rest.trim_start();
                    match trimmed.chars().next() {
                        None => break,
                        Some('{' | '`') => self.state = StreamState::Seeking,
                        Some(_) => {
                            self.pos += rest.len() - trimmed.len();
                            self.state = StreamState::Text;
                        }
                    }
                }
                StreamState::Text => {
                    self.read_text();
                    break;
                }
                StreamState::Seeking => {
                    if !self.seek() {
                        break;
                    }
                }
                StreamState::InString => {
                    if !self.read_string() {
                        break;
                    }
                }
            }
        }
    }

    /// Everything emitted so far.
    pub fn emitted(&self) -> &str {
        &self.emitted
    }

    /// Emits plain text up to a possible command marker.
    fn read_text(&mut self) {
        loop {
            let rest = &self.acc[self.pos..];
            let Some(open) = rest.find('[') else {
                self.emitted.push_str(rest);
                self.pos = self.acc.len();
                return;
            };
            self.emitted.push_str(&rest[..open]);
            self.pos += open;
            let rest = &self.acc[self.pos..];
            if let Some(body) = rest.strip_prefix(MARKER_OPEN) {
                // A whole marker is dropped; a partial one waits for more text.
                let Some(j) = body.find(MARKER_CLOSE) else {
                    return;
                };
                self.pos += MARKER_OPEN.len() + j + MARKER_CLOSE.len();
            } else if MARKER_OPEN.starts_with(rest) {
                return;
            } else {
                self.emitted.push('[');
                self.pos += 1;
            }
        }
    }

    /// Finds `"response"`, `:` and the opening quote; false when more text is needed.
    fn seek(&mut self) -> bool {
        const KEY: &str = "\"response\"";
        let Some(k) = self.acc[self.pos..].find(KEY) else {
            // Keep a key-sized tail in case the key is split across tokens.
            let keep = self.acc.len().saturating_sub(KEY.len());
            self.pos = self.pos.max(floor_char(&self.acc, keep));
            return false;
        };
        let key_at = self.pos + k;
        let rest = &self.acc[key_at + KEY.len()..];
        let trimmed = rest.trim_start();
        let Some(after_colon) = trimmed.strip_prefix(':') else {
            if trimmed.is_empty() {
                self.pos = key_at;
                return false;
            }
            self.pos = key_at + 1;
            return true;
        };
        let value = after_colon.trim_start();
        match value.chars().next() {
            None => {
                self.pos = key_at;
                false
            }
            Some('"') => {
                self.pos = self.acc.len() - value.len() + 1;
                self.state = StreamState::InString;
                true
            }
            Some(_) => {
                self.pos = key_at + 1;
                true
            }
        }
    }

    /// Decodes string content up to the closing quote or the end of the text.
    fn read_string(&mut self) -> bool {
        loop {
            let rest = &self.acc[self.pos..];
            let Some(c) = rest.chars().next() else {
                return false;
            };
            match c {
                '"' => {
                    self.pos += 1;
                    self.state = StreamState::Done;
                    return false;
                }
                '\\' => match decode_escape(rest) {
                    None => return false,
                    Some((decoded, len)) => {
                        self.emitted.push_str(&decoded);
                        self.pos += len;
                    }
                },
                _ => {
                    self.emitted.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }
}

/// Decodes one JSON escape at the start of `s` (which begins with a
/// backslash): the text and its length, or None when `s` ends too early.
fn decode_escape(s: &str) -> Option<(String, usize)> {
    let c = s[1..].chars().next()?;
    let simple = match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'b' | 'f' => ' ',
        'u' => return decode_unicode(s),
        // `\"`, `\\`, `\/`, and invalid escapes alike: the character itself.
        other => other,
    };
    Some((simple.to_string(), 1 + c.len_utf8()))
}

/// `\uXXXX`, joining a surrogate pair when the low half follows.
fn decode_unicode(s: &str) -> Option<(String, usize)> {
    let hex = |from: usize| -> Option<Option<u32>> {
        if s.len() < from + 4 {
            return None;
        }
        Some(
            s.get(from..from + 4)
                .and_then(|d| u32::from_str_radix(d, 16).ok()),
        )
    };
    let replacement = || "\u{fffd}".to_string();
    let Some(hi) = hex(2)? else {
        return Some((replacement(), 2));
    };
    if !(0xD800..0xDC00).contains(&hi) {
        return Some((char::from_u32(hi).map_or_else(replacement, String::from), 6));
    }
    match s.get(6..8) {
        None if s.len() < 8 => return None,
        Some("\\u") => match hex(8)? {
            Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Some((
                    char::from_u32(code).map_or_else(replacement, String::from),
                    12,
                ));
            }
            _ => {}
        },
        _ => {}
    }
    Some((replacement(), 6))
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
#[path = "planner_tests.rs"]
mod tests;

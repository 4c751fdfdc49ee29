//! Tests of planner output parsing and response streaming.

use super::*;

fn plan(text: &str) -> (String, Vec<String>, Format) {
    let p = parse(text);
    (p.response, p.commands, p.format)
}

#[test]
fn parses_the_json_shape() {
    let (r, c, f) = plan(r#"{"response":"hello","commands":["status"]}"#);
    assert_eq!(
        (r.as_str(), c, f),
        ("hello", vec!["status".to_string()], Format::Json)
    );
}

#[test]
fn finds_json_in_fences_and_prose() {
    let fenced = "Sure!\n```json\n{\"response\": \"checking\", \"commands\": [\"/status\", \" docs \"]}\n```";
    let (r, c, _) = plan(fenced);
    assert_eq!(
        (r.as_str(), c),
        ("checking", vec!["/status".to_string(), "docs".to_string()])
    );
    let prose = r#"Plan: {"note": 1} then {"response": "a } brace {", "commands": []} ok"#;
    let (r, c, f) = plan(prose);
    assert_eq!((r.as_str(), c.len(), f), ("a } brace {", 0, Format::Json));
}

#[test]
fn lenient_about_field_shapes() {
    let (r, c, _) = plan(r#"{"response": 42, "commands": "status"}"#);
    assert_eq!((r.as_str(), c), ("42", vec!["status".to_string()]));
    let (r, c, _) = plan(r#"{"commands": [{"command": "docs"}, 7, "", {"name": "help"}]}"#);
    assert_eq!(
        (r.as_str(), c),
        ("", vec!["docs".to_string(), "help".to_string()])
    );
    // A lone object without the keys still counts as JSON.
    assert_eq!(plan(r#"{"answer": "x"}"#).2, Format::Json);
}

#[test]
fn markers_text_and_empty() {
    let (r, c, f) = plan("Let me look. [[COMMAND:status]] and [[COMMAND: docs ]]");
    assert_eq!(
        (r.as_str(), c, f),
        (
            "Let me look.  and",
            vec!["status".into(), "docs".into()],
            Format::Markers
        )
    );
    let (r, c, f) = plan("  just words [x] {not json ");
    assert_eq!(
        (r.as_str(), c.len(), f),
        ("just words [x] {not json", 0, Format::Text)
    );
    assert_eq!(plan("  \n").2, Format::Empty);
    assert_eq!(plan("[[COMMAND:unclosed").0, "[[COMMAND:unclosed");
}

fn stream_in_pieces(text: &str, piece: usize) -> String {
    let mut s = ResponseStream::default();
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    for chunk in chars.chunks(piece) {
        out.push_str(&s.feed(&chunk.iter().collect::<String>()));
    }
    assert_eq!(out, s.emitted().trim());
    out
}

#[test]
fn streams_the_response_value_in_any_split() {
    let text = r#"```json
{"commands": ["status"], "response" : "Hi \"op\"\n\u00e9\ud83d\ude00 tab\t/\\ end", "x": 1}"#;
    let want = "Hi \"op\"\né😀 tab\t/\\ end";
    for piece in [1, 2, 3, 5, 7, 1000] {
        assert_eq!(stream_in_pieces(text, piece), want, "piece {piece}");
    }
    assert_eq!(parse(text).response, want.trim());
}

#[test]
fn streams_nothing_without_a_response_string() {
    assert_eq!(
        stream_in_pieces(r#"{"response": null, "commands": []}"#, 1),
        ""
    );
    assert_eq!(stream_in_pieces("  {\"commands\": []}", 2), "");
    // The key text inside another value does not start the stream early.
    assert_eq!(
        stream_in_pieces(r#"{"a": "\"response\" x", "response": "yes"}"#, 1),
        "yes"
    );
    assert_eq!(
        stream_in_pieces(r#"{"a": "response", "response": "yes"}"#, 1),
        "yes"
    );
}

#[test]
fn odd_escapes_never_panic() {
    for text in [
        r#"{"response": "\ud800 lone"}"#,
        r#"{"response": "\ud800\u0041"}"#,
        r#"{"response": "\uzzzz"}"#,
        r#"{"response": "\é\q"}"#,
        r#"{"response": "\u12"#,
        "{\"response\": \"trailing \\",
    ] {
        for piece in [1, 3] {
            let _ = stream_in_pieces(text, piece);
        }
        let _ = parse(text);
    }
    assert_eq!(
        stream_in_pieces(r#"{"response": "\ud800\u0041"}"#, 1),
        "\u{fffd}A"
    );
    assert_eq!(stream_in_pieces(r#"{"response": "\é"}"#, 1), "é");
}

#[test]
fn streams_plain_text_without_markers() {
    let text = "  Let me look [first]. [[COMMAND:status]] then [[COMMAND: docs ]]done [[x";
    for piece in [1, 2, 4, 100] {
        assert_eq!(
            stream_in_pieces(text, piece),
            "Let me look [first].  then done [[x",
            "piece {piece}"
        );
    }
    assert_eq!(parse(text).response, "Let me look [first].  then done [[x");
    assert_eq!(
        stream_in_pieces("wait [[COMMAND:sta", 1),
        "wait",
        "a partial marker is held back"
    );
    assert_eq!(
        stream_in_pieces("```json\n{\"response\": \"fenced\"}\n```", 3),
        "fenced"
    );
}

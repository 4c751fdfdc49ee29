//! Tab completion: slash commands, then `/model use` model names.

use super::EmberHelper;
use rustyline::completion::{Completer, Pair};
use rustyline::Context;

impl Completer for EmberHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(complete(
            line.get(..pos).unwrap_or(line),
            &self.model_names.borrow(),
        ))
    }
}

/// Candidates for the text before the cursor: (start of the replaced word, pairs).
pub fn complete(before: &str, models: &[String]) -> (usize, Vec<Pair>) {
    let pair = |s: String| Pair {
        display: s.clone(),
        replacement: s,
    };
    if !before.starts_with('/') {
        return (0, Vec::new());
    }
    if !before.contains(char::is_whitespace) {
        let found = crate::commands::completions()
            .into_iter()
            .filter(|c| c.starts_with(before))
            .map(pair)
            .collect();
        return (0, found);
    }
    for prefix in ["/model use ", "/model set "] {
        if let Some(partial) = before.strip_prefix(prefix) {
            let found = models
                .iter()
                .filter(|m| m.starts_with(partial))
                .cloned()
                .map(pair)
                .collect();
            return (prefix.len(), found);
        }
    }
    if let Some(partial) = before.strip_prefix("/model ") {
        if !partial.contains(' ') && "use".starts_with(partial) {
            return ("/model ".len(), vec![pair("use ".into())]);
        }
    }
    (0, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(r: (usize, Vec<Pair>)) -> (usize, Vec<String>) {
        (r.0, r.1.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn completes_commands_and_model_names() {
        assert_eq!(
            words(complete("/st", &[])),
            (0, vec!["/status".to_string()])
        );
        assert_eq!(words(complete("/", &[])).1.len(), 8);
        assert_eq!(words(complete("/q", &[])), (0, vec!["/quit".to_string()]));
        assert_eq!(words(complete("hello /st", &[])).1.len(), 0);
        let models = vec!["tiny.gguf".to_string(), "big.gguf".to_string()];
        assert_eq!(
            words(complete("/model u", &models)),
            (7, vec!["use ".to_string()])
        );
        assert_eq!(
            words(complete("/model use ti", &models)),
            (11, vec!["tiny.gguf".to_string()])
        );
    }
}

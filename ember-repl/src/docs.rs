//! Local documentation put in the model's context: README, AGENTS, roadmap.
//!
//! Each file is cut to its first 2048 characters (characters, not bytes, so a
//! cut never splits a UTF-8 sequence) and labelled with its file name. Missing
//! or unreadable files are skipped; `/docs` says which ones made it.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The files read, relative to Ember's home, in prompt order.
pub const DOC_PATHS: [&str; 3] = ["README.md", "AGENTS.md", "docs/ROADMAP.md"];
/// Characters kept per file.
pub const MAX_CHARS: usize = 2048;

/// The start of one documentation file.
#[derive(Debug, Clone, PartialEq)]
pub struct DocSnippet {
    /// File name, the label the model sees.
    pub source: String,
    pub path: PathBuf,
    pub excerpt: String,
    /// Whether the file was longer than the excerpt.
    pub truncated: bool,
}

/// Reads the doc files under `home`, each cut to `max_chars` characters.
pub fn load(home: &Path, max_chars: usize) -> Vec<DocSnippet> {
    DOC_PATHS
        .iter()
        .filter_map(|rel| read_snippet(&home.join(rel), max_chars))
        .collect()
}

fn read_snippet(path: &Path, max_chars: usize) -> Option<DocSnippet> {
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    // A character is at most 4 bytes: read no more than needed (one extra
    // byte tells whether the file goes on).
    let limit = max_chars.saturating_mul(4).saturating_add(1);
    let mut bytes = Vec::new();
    file.take(limit as u64).read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let excerpt: String = text.chars().take(max_chars).collect();
    let truncated = excerpt.len() < text.len();
    let source = path.file_name()?.to_string_lossy().into_owned();
    Some(DocSnippet {
        source,
        path: path.to_path_buf(),
        excerpt,
        truncated,
    })
}

/// The documentation block of a prompt: each excerpt under its file name.
pub fn context_text(docs: &[DocSnippet]) -> String {
    if docs.is_empty() {
        return "No local documentation was found.".to_string();
    }
    docs.iter()
        .map(|d| format!("{}:\n{}", d.source, d.excerpt))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_files_and_trims_each() {
        let tmp = tempfile::tempdir().expect("tmp");
        let repo = tmp.path();
        std::fs::write(repo.join("README.md"), "readme").expect("write");
        std::fs::write(repo.join("AGENTS.md"), "agents").expect("write");
        std::fs::create_dir(repo.join("docs")).expect("mkdir");
        std::fs::write(repo.join("docs/ROADMAP.md"), "roadmap").expect("write");

        let docs = load(repo, 4);
        let names: Vec<&str> = docs.iter().map(|d| d.source.as_str()).collect();
        assert_eq!(names, ["README.md", "AGENTS.md", "ROADMAP.md"]);
        assert!(docs
            .iter()
            .all(|d| d.excerpt.chars().count() <= 4 && d.truncated));
        assert_eq!(docs[0].excerpt, "read");
    }

    #[test]
    fn cuts_by_characters_and_skips_missing_files() {
        let tmp = tempfile::tempdir().expect("tmp");
        let long = "é".repeat(3000);
        std::fs::write(tmp.path().join("README.md"), &long).expect("write");
        std::fs::write(tmp.path().join("AGENTS.md"), [0xff, 0xfe, b'o', b'k']).expect("write");
        let docs = load(tmp.path(), MAX_CHARS);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].excerpt.chars().count(), MAX_CHARS);
        assert!(docs[0].truncated);
        assert!(docs[1].excerpt.ends_with("ok") && !docs[1].truncated);
        let text = context_text(&docs);
        assert!(text.starts_with("README.md:\né") && text.contains("\n\nAGENTS.md:\n"));
        assert_eq!(context_text(&[]), "No local documentation was found.");
    }
}

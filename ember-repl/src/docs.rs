//! Local documentation put in the model's context: README, AGENTS, roadmap.
//!
//! Each file is cut to its first 2048 characters (characters, not bytes, so a
//! cut never splits a UTF-8 sequence) and labelled with its file name. Missing
//! files are skipped; `/docs` says which ones made it. One that exists but is
//! not a regular file (a FIFO planted in a shared parent folder would
//! otherwise hang every start-up below it) or cannot be read is skipped with
//! a warning.

use crate::safe_read::{self, ReadError};
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

/// Reads the doc files under `home`, each cut to `max_chars` characters;
/// also the warnings about files that exist but could not be used.
pub fn load(home: &Path, max_chars: usize) -> (Vec<DocSnippet>, Vec<String>) {
    let mut warnings = Vec::new();
    let docs = DOC_PATHS
        .iter()
        .filter_map(|rel| {
            let path = home.join(rel);
            read_snippet(&path, max_chars)
                .map_err(|e| {
                    if !matches!(e, ReadError::Missing) {
                        warnings.push(format!("doc {} {e}; left out", path.display()));
                    }
                })
                .ok()
        })
        .collect();
    (docs, warnings)
}

fn read_snippet(path: &Path, max_chars: usize) -> Result<DocSnippet, ReadError> {
    // A character is at most 4 bytes: read no more than needed (one extra
    // byte tells whether the file goes on).
    let limit = max_chars.saturating_mul(4).saturating_add(1);
    let bytes = safe_read::read_head(path, limit as u64)?;
    let text = String::from_utf8_lossy(&bytes);
    let excerpt: String = text.chars().take(max_chars).collect();
    let truncated = excerpt.len() < text.len();
    let source = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(DocSnippet {
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

        let (docs, warnings) = load(repo, 4);
        assert!(warnings.is_empty());
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
        let (docs, _) = load(tmp.path(), MAX_CHARS);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].excerpt.chars().count(), MAX_CHARS);
        assert!(docs[0].truncated);
        assert!(docs[1].excerpt.ends_with("ok") && !docs[1].truncated);
        let text = context_text(&docs);
        assert!(text.starts_with("README.md:\né") && text.contains("\n\nAGENTS.md:\n"));
        assert_eq!(context_text(&[]), "No local documentation was found.");
    }

    #[test]
    fn a_fifo_or_folder_is_a_warning_not_a_hang() {
        let tmp = tempfile::tempdir().expect("tmp");
        crate::testutil::mkfifo(&tmp.path().join("README.md"));
        std::fs::create_dir(tmp.path().join("AGENTS.md")).expect("mkdir");
        let (docs, warnings) = load(tmp.path(), MAX_CHARS);
        assert!(docs.is_empty());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].ends_with("README.md is a FIFO, not a regular file; left out"));
        assert!(warnings[1].contains("AGENTS.md is a folder"));
    }
}

//! Snapshot names as Incus will use them: one path component on the storage
//! pool (`containers-snapshots/<project>_<instance>/<name>` on a `dir`
//! pool). Incus 6.0 accepts `.` and `..`, and then deletes or corrupts the
//! snapshot folders of other instances, so every tool checks a name here
//! before any `incus` call.

/// Longest snapshot name: one file name on the pool's filesystem.
pub const MAX_SNAPSHOT_NAME: usize = 255;

/// `Ok` when `name` is safe to hand to `incus snapshot …`; otherwise the
/// one-line reason, ready to follow `ERROR: `.
pub fn check_snapshot_name(name: &str) -> crate::Result<()> {
    let why = if name.is_empty() {
        "it is empty"
    } else if name == "." || name == ".." {
        "'.' and '..' name folders, not snapshots"
    } else if name.starts_with('-') {
        "it starts with '-', which incus reads as an option"
    } else if name.contains('/') {
        "'/' separates an instance from its snapshot"
    } else if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        "it holds spaces or control characters"
    } else if name.len() > MAX_SNAPSHOT_NAME {
        "it is longer than 255 bytes"
    } else {
        return Ok(());
    };
    Err(crate::err!(
        "invalid snapshot name '{}': {why}; use letters, digits, '-', '_' or '.'",
        name.escape_debug()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_path_components_and_flags() {
        for bad in [
            "", ".", "..", "a/b", "../x", "-x", "--help", "a b", "a\tb", "a\nb", "a\u{7f}",
            "a\u{85}b",
        ] {
            assert!(check_snapshot_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_snapshot_name(&"a".repeat(256)).is_err());
        for good in [
            "s1",
            "snap-20250101-120000",
            "...",
            ".hidden",
            "a.b_c-d",
            "é",
        ] {
            assert_eq!(check_snapshot_name(good), Ok(()), "{good:?}");
        }
        assert_eq!(check_snapshot_name(&"a".repeat(255)), Ok(()));
        assert_eq!(
            check_snapshot_name("..").unwrap_err().message(),
            "invalid snapshot name '..': '.' and '..' name folders, not snapshots; \
             use letters, digits, '-', '_' or '.'"
        );
    }
}

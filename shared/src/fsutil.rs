//! The old names of [`crate::write`]'s writes, for callers not converted
//! yet: links followed anywhere (to regular files only), folders created.

use std::io;
use std::path::Path;

use crate::write::{self, Policy};

const POLICY: Policy<'static> = Policy {
    root: None,
    create_dirs: true,
    mode: 0o666,
    streams: false,
};

/// [`write::write_file`], parent folders created.
pub fn write_atomic(path: &Path, content: &[u8]) -> io::Result<()> {
    write::write_file(path, content, &POLICY)
}

/// [`write::write_if_changed`], parent folders created.
pub fn write_if_changed(path: &Path, content: &[u8]) -> io::Result<bool> {
    write::write_if_changed(path, content, &POLICY)
}

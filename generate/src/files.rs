//! The files of a run, step by step: plan (every file and its managed
//! dict, in upstream's order) → probe (which output folders exist) →
//! render (each dict's YAML block, on every core) → merge (into what each
//! file holds now, on every core, then in order) → write → report (the
//! list of files, and `--diff`).
//!
//! Nothing is written before every file is known: a planning error is
//! reported over a reading error (upstream plans all files first), and
//! reading stops at the first file that cannot be read, so an unreadable
//! file stops the run with nothing half-written.

use py::yaml::Value;
use shared::nesting::Nesting;
use shared::Error;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::output::Output;
use crate::prefetch::Prefetch;
use crate::render::{self, Planned};
use crate::{par, write};

/// Compute every file, then write (or preview) them in upstream's order
/// and list them on `io`.
pub fn generate(
    cfg: &Config,
    infra: &Value,
    nesting: &Nesting,
    prefetch: Prefetch,
    io: &mut Output,
) -> Result<(), Error> {
    let planned = plan(infra, nesting)?;
    let folders = probe(&cfg.base_dir, &planned);
    let blocks = render(&planned);
    let pending = merge(cfg, planned, blocks, &folders, prefetch)?;
    if !cfg.dry_run {
        write_files(&pending, &cfg.base_dir)?;
    }
    report(cfg, &pending, io);
    Ok(())
}

/// Every file with its managed dict, in upstream's order.
fn plan(infra: &Value, nesting: &Nesting) -> Result<Vec<Planned>, Error> {
    let mut planned = Vec::new();
    render::plan(infra, &nesting.prefix(), |file| planned.push(file))?;
    Ok(planned)
}

/// The folders the files go into, each with whether it exists before
/// anything is written: nothing to open in one that does not.
type Folders = Vec<(String, bool)>;

fn probe(base: &Path, planned: &[Planned]) -> Folders {
    let mut folders: Folders = Vec::new();
    for file in planned {
        let dir = &file.rel[0];
        if !folders.iter().any(|(d, _)| d == dir) {
            let missing = std::fs::metadata(base.join(dir))
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
            folders.push((dir.clone(), !missing));
        }
    }
    folders
}

/// The managed block of every file, on every core, while the reads of the
/// existing files finish.
fn render(planned: &[Planned]) -> Vec<String> {
    par::map(planned, |file| {
        write::block(&py::yaml::emit::dump(&file.content))
    })
}

/// Each block merged into its file's current text: read (or taken from the
/// prefetch) and merged on every core, then taken in order, where a path
/// planned twice sees its earlier text.
fn merge(
    cfg: &Config,
    mut planned: Vec<Planned>,
    blocks: Vec<String>,
    folders: &Folders,
    prefetch: Prefetch,
) -> Result<Vec<Pending>, Error> {
    let base = cfg.base_shown();
    let shown_in = write::DisplayBase::new(&base);
    let twice = planned_twice(&planned);
    let mut found = prefetch.finish();
    let work: Vec<_> = planned
        .iter()
        .zip(blocks)
        .map(|(file, block)| {
            let [dir, name] = &file.rel;
            (file, block, found.take(dir, name))
        })
        .collect();
    let prepared = par::map_owned(work, |(file, block, prefetched)| {
        let [dir, name] = &file.rel;
        let path = cfg.base_dir.join(dir).join(name);
        let shown = shown_in.join(&[dir, name]);
        // Nothing to open in a folder that does not exist.
        let folder = folders.iter().any(|(d, exists)| d == dir && *exists);
        let read = match prefetched {
            Some(read) => Ok(read),
            None if folder => write::read_with_state(&path, &shown),
            None => Ok((None, write::OnDisk::Absent)),
        };
        let text = match &read {
            Ok((old, _)) if !twice.contains(&file.rel) => {
                Text::Merged(write::merge(old.as_deref(), block))
            }
            _ => Text::Block(block),
        };
        Prepared {
            text,
            path,
            shown,
            read,
        }
    });
    drop(twice);
    let rels: Vec<[String; 2]> = planned
        .iter_mut()
        .map(|file| std::mem::take(&mut file.rel))
        .collect();
    cfg.let_go(planned);
    in_order(cfg, rels, prepared)
}

/// The paths planned more than once: merged in order (`try_add`), as the
/// second must see the first one's text; any other is merged on every core.
fn planned_twice(planned: &[Planned]) -> HashSet<&[String; 2]> {
    let mut seen = HashSet::new();
    planned
        .iter()
        .filter(|f| !seen.insert(&f.rel))
        .map(|f| &f.rel)
        .collect()
}

/// The prepared files taken in upstream's order: each one's final text
/// and what writing it takes.
fn in_order(
    cfg: &Config,
    rels: Vec<[String; 2]>,
    prepared: Vec<Prepared>,
) -> Result<Vec<Pending>, Error> {
    let mut files = Files {
        cfg,
        latest: HashMap::new(),
        actions: write::Actions::default(),
        pending: Vec::new(),
    };
    for (rel, prep) in rels.into_iter().zip(prepared) {
        files.try_add(rel, prep)?;
    }
    Ok(files.pending)
}

/// Every file that changes, through `shared::write`.
fn write_files(pending: &[Pending], base: &Path) -> Result<(), Error> {
    let jobs: Vec<write::Job> = pending
        .iter()
        .map(|p| write::Job {
            path: &p.path,
            content: p.new.as_deref().unwrap_or_default(),
            shown: &p.shown,
            action: &p.action,
        })
        .collect();
    write::write_all(&jobs, base)
}

/// The list of files (written, or that would be), each with its diff
/// under `--diff`.
fn report(cfg: &Config, pending: &[Pending], io: &mut Output) {
    let verb = if cfg.dry_run {
        "  [DRY-RUN] Would write"
    } else {
        "  Written"
    };
    io.out_all(|out| {
        for p in pending {
            writeln!(out, "{verb}: {}", p.shown)?;
            if cfg.diff {
                let new = p.new.as_deref().unwrap_or_default();
                let d = write::unified_diff(p.old.as_deref(), new, &p.shown);
                if !d.is_empty() {
                    write!(out, "{d}")?;
                }
            }
        }
        Ok(())
    });
}

/// One file to write.
struct Pending {
    path: PathBuf,
    shown: String,
    /// The text before this run, kept for `--diff` only.
    old: Option<String>,
    action: write::Action,
    /// The new text; None once known to be the file's text already
    /// (unless `--diff` shows it).
    new: Option<String>,
}

/// A planned file's new text, as far as it is known before the files are
/// taken in order.
enum Text {
    /// Only the managed block: what it goes into is known in order.
    Block(String),
    /// The whole new text.
    Merged(String),
}

/// A planned file turned into text, with what its path holds now.
struct Prepared {
    text: Text,
    path: PathBuf,
    shown: String,
    read: Result<(Option<String>, write::OnDisk), Error>,
}

/// The files of a run, as they are taken in order.
struct Files<'a> {
    cfg: &'a Config,
    /// File → the latest index it was planned at. A domain named `all`
    /// writes group_vars/all.yml twice; the second write reads the first
    /// one's result, as upstream's sequential writes do. (Names are
    /// validated DNS names: equal paths are equal texts.)
    latest: HashMap<[String; 2], usize>,
    actions: write::Actions,
    pending: Vec<Pending>,
}

impl Files<'_> {
    fn try_add(&mut self, rel: [String; 2], prep: Prepared) -> Result<(), Error> {
        let cfg = self.cfg;
        let Prepared {
            text,
            path,
            shown,
            read,
        } = prep;
        let earlier = self.latest.get(&rel).copied().filter(|_| !cfg.dry_run);
        let (old, disk) = match earlier {
            Some(e) => (Some(self.text_of(e)?), write::OnDisk::Unknown),
            None => read?,
        };
        let new = match text {
            Text::Merged(new) => new,
            Text::Block(block) => write::merge(old.as_deref(), block),
        };
        let same = old.as_deref() == Some(new.as_str());
        let action = self.actions.decide(disk, same);
        let keep = matches!(action, write::Action::Keep) && !cfg.diff;
        self.latest.insert(rel, self.pending.len());
        self.pending.push(Pending {
            path,
            shown,
            old: old.filter(|_| cfg.diff),
            action,
            new: (!keep).then_some(new),
        });
        Ok(())
    }

    /// The new text of an earlier file. One let go because the file holds
    /// it already (and nothing was written yet) is the file's text.
    fn text_of(&self, index: usize) -> Result<String, Error> {
        let p = &self.pending[index];
        match &p.new {
            Some(text) => Ok(text.clone()),
            None => Ok(write::read_with_state(&p.path, &p.shown)?
                .0
                .unwrap_or_default()),
        }
    }
}

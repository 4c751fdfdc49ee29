//! A parallel map for the per-file work of a run (turning each file's
//! managed content into YAML text), which is independent from file to file.
//!
//! Contiguous chunks, one per core, results in input order; below a few
//! dozen items a single thread wins, so the map stays sequential there.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

/// Fewer items than this are mapped on the calling thread.
const PARALLEL_FROM: usize = 64;
/// More threads than this gain nothing for a few thousand small files.
const MAX_THREADS: usize = 4;

/// The threads to use: asking the OS reads cgroup files, so once a run.
fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(MAX_THREADS)
    })
}

/// `f` applied to every item, in order, spread over the machine's cores.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_owned(items.iter().collect(), f)
}

/// [`map`] for items `f` takes by value.
pub fn map_owned<T: Send, R: Send>(mut items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads <= 1 || items.len() < PARALLEL_FROM {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    // The later chunks, split off the end; the first stays in `items`.
    let mut rest = Vec::new();
    while items.len() > chunk {
        let at = (items.len() - 1) / chunk * chunk;
        rest.push(items.split_off(at));
    }
    rest.reverse();
    let f = &f;
    thread::scope(|s| {
        let spawned: Vec<_> = rest
            .into_iter()
            .map(|chunk| {
                // Shared so that a thread the OS refuses leaves its chunk
                // to the calling thread.
                let slot = Arc::new(Mutex::new(Some(chunk)));
                let theirs = Arc::clone(&slot);
                let handle = thread::Builder::new().spawn_scoped(s, move || {
                    let chunk = theirs.lock().ok().and_then(|mut c| c.take());
                    chunk.map_or_else(Vec::new, |c| c.into_iter().map(f).collect())
                });
                (slot, handle)
            })
            .collect();
        let mut out: Vec<R> = items.into_iter().map(f).collect();
        for (slot, handle) in spawned {
            match handle {
                Ok(h) => match h.join() {
                    Ok(part) => out.extend(part),
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                Err(_) => {
                    let chunk = slot.lock().ok().and_then(|mut c| c.take());
                    out.extend(chunk.unwrap_or_default().into_iter().map(f));
                }
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_at_every_size() {
        for n in [0, 1, 63, 64, 65, 1000, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = super::map(&items, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
            let owned =
                super::map_owned(items.iter().map(|i| i.to_string()).collect(), |s| s + "!");
            assert_eq!(
                owned,
                items.iter().map(|i| format!("{i}!")).collect::<Vec<_>>()
            );
        }
    }
}

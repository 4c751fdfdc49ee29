//! A parallel map for the per-file work of a run (turning each file's
//! managed content into YAML text), which is independent from file to file.
//!
//! Contiguous chunks, one per core, results in input order; below a few
//! dozen items a single thread wins, so the map stays sequential there.

use std::num::NonZeroUsize;
use std::thread;

/// Fewer items than this are mapped on the calling thread.
const PARALLEL_FROM: usize = 64;
/// More threads than this gain nothing for a few thousand small files.
const MAX_THREADS: usize = 4;

/// `f` applied to every item, in order, spread over the machine's cores.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_THREADS);
    if threads <= 1 || items.len() < PARALLEL_FROM {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    thread::scope(|s| {
        let mut chunks = items.chunks(chunk);
        let first = chunks.next().unwrap_or_default();
        // A thread the OS refuses leaves its chunk to the calling thread.
        let spawned: Vec<_> = chunks
            .map(|c| {
                let handle = thread::Builder::new()
                    .spawn_scoped(s, move || c.iter().map(f).collect::<Vec<R>>());
                (c, handle)
            })
            .collect();
        let mut out: Vec<R> = first.iter().map(f).collect();
        for (c, handle) in spawned {
            match handle
                .map_err(|_| ())
                .and_then(|h| h.join().map_err(|_| ()))
            {
                Ok(part) => out.extend(part),
                Err(()) => out.extend(c.iter().map(f)),
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
        }
    }
}

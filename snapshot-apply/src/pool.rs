//! A bounded pool of std threads that hands results back in input order.
//!
//! Snapshot operations are slow server-side work, so running a few at once
//! is most of the speed-up over the script; the output must stay the same
//! from run to run, so results are passed to `emit` strictly in the order of
//! the input, each as soon as it and everything before it is done.
//! Work may start in another order than it is reported: slow items first
//! (a running container takes several times longer to snapshot or restore
//! than a stopped one), so the last worker is not left alone with them.
//! On a terminal a `[done/total]` counter is kept on stderr meanwhile.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Run `work` on every item with at most `jobs` threads; call `emit` with
/// each item and its result, in input order, on the calling thread.
pub fn run_ordered<T, R, W, E>(items: &[T], jobs: usize, label: &str, work: W, emit: E)
where
    T: Sync,
    R: Send,
    W: Fn(&T) -> R + Sync,
    E: FnMut(&T, R),
{
    run_slow_first(items, jobs, label, |_| false, work, emit);
}

/// [`run_ordered`], starting the items for which `slow` is true first.
pub fn run_slow_first<T, R, S, W, E>(
    items: &[T],
    jobs: usize,
    label: &str,
    slow: S,
    work: W,
    mut emit: E,
) where
    T: Sync,
    R: Send,
    S: Fn(&T) -> bool,
    W: Fn(&T) -> R + Sync,
    E: FnMut(&T, R),
{
    if items.is_empty() {
        return;
    }
    // Indices in start order; `sort_by_key` is stable, so input order
    // holds within the slow and the fast ones.
    let mut start: Vec<usize> = (0..items.len()).collect();
    start.sort_by_key(|&i| items.get(i).is_some_and(|t| !slow(t)));
    let jobs = jobs.clamp(1, items.len());
    let progress = Progress::new(items.len(), label);
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, work, start) = (&next, &work, &start);
            scope.spawn(move || {
                while let Some(&i) = start.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let Some(item) = items.get(i) else { break };
                    if tx.send((i, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting = BTreeMap::new();
        let (mut cursor, mut done) = (0, 0);
        for (i, result) in rx {
            done += 1;
            waiting.insert(i, result);
            while let Some(result) = waiting.remove(&cursor) {
                if let Some(item) = items.get(cursor) {
                    progress.clear();
                    emit(item, result);
                }
                cursor += 1;
            }
            progress.show(done);
        }
        progress.clear();
    });
}

/// `[3/20] label` on stderr, rewritten in place; only on a terminal and only
/// for more than one item (a pipe gets the plain result lines).
struct Progress<'a> {
    total: usize,
    label: &'a str,
    active: bool,
}

impl<'a> Progress<'a> {
    fn new(total: usize, label: &'a str) -> Self {
        let active = total > 1 && std::io::stderr().is_terminal();
        Progress {
            total,
            label,
            active,
        }
    }

    fn show(&self, done: usize) {
        if self.active && done < self.total {
            let _ = std::io::stdout().flush();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K[{done}/{}] {}", self.total, self.label);
            let _ = err.flush();
        }
    }

    fn clear(&self) {
        if self.active {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_come_back_in_order_with_bounded_threads() {
        let items: Vec<u64> = (0..12).collect();
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let mut seen = Vec::new();
        run_ordered(
            &items,
            3,
            "test",
            |&n| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later items finish first, to exercise the reordering.
                std::thread::sleep(Duration::from_millis(30 - 2 * n));
                running.fetch_sub(1, Ordering::SeqCst);
                n * 10
            },
            |&n, r| seen.push((n, r)),
        );
        assert_eq!(seen, items.iter().map(|&n| (n, n * 10)).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn slow_items_start_first_but_report_in_order() {
        let items: Vec<u32> = (0..6).collect();
        let started = std::sync::Mutex::new(Vec::new());
        let mut seen = Vec::new();
        run_slow_first(
            &items,
            1,
            "test",
            |&n| n >= 4,
            |&n| started.lock().map(|mut s| s.push(n)).is_ok(),
            |&n, _| seen.push(n),
        );
        assert_eq!(started.into_inner().unwrap(), [4, 5, 0, 1, 2, 3]);
        assert_eq!(seen, items);
    }

    #[test]
    fn empty_input_runs_nothing() {
        let items: Vec<u8> = Vec::new();
        run_ordered(&items, 4, "x", |_| unreachable!(), |_, ()| unreachable!());
    }
}

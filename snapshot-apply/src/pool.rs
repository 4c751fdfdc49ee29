//! A bounded pool of std threads that hands results back in input order.
//!
//! Snapshot operations are slow server-side work, so running a few at once
//! is most of the speed-up over the script; the output must stay the same
//! from run to run, so results are passed to `emit` strictly in the order of
//! the input, each as soon as it and everything before it is done.
//! Work may start in another order than it is reported: slow items first
//! (a running container takes several times longer to snapshot or restore
//! than a stopped one), so the last worker is not left alone with them.
//! On a cluster each member's daemon does its own snapshot work, so items
//! are grouped by member and a free thread takes the next item of the
//! member with the fewest operations in flight: all members stay busy
//! instead of the threads queueing on whichever member comes first.
//! On a terminal a `[done/total]` counter is kept on stderr meanwhile.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::IsTerminal;
use std::sync::{mpsc, Mutex};

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
    emit: E,
) where
    T: Sync,
    R: Send,
    S: Fn(&T) -> bool,
    W: Fn(&T) -> R + Sync,
    E: FnMut(&T, R),
{
    run_spread(items, jobs, label, slow, |_| "", work, emit);
}

/// [`run_slow_first`] over items in groups (cluster members, `group`; one
/// group on a standalone daemon): each free thread starts the next item of
/// the group with the fewest items in flight.
pub fn run_spread<T, R, S, G, W, E>(
    items: &[T],
    jobs: usize,
    label: &str,
    slow: S,
    group: G,
    work: W,
    mut emit: E,
) where
    T: Sync,
    R: Send,
    S: Fn(&T) -> bool,
    G: Fn(&T) -> &str,
    W: Fn(&T) -> R + Sync,
    E: FnMut(&T, R),
{
    if items.is_empty() {
        return;
    }
    let queues = Mutex::new(Queues::new(items, slow, group));
    let jobs = jobs.clamp(1, items.len());
    let progress = Progress::new(items.len(), label);
    let (tx, rx) = mpsc::channel::<(usize, R)>();
    // A worker that panicked leaves the queues usable: take them anyway.
    let lock = || queues.lock().unwrap_or_else(|e| e.into_inner());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (work, lock) = (&work, &lock);
            scope.spawn(move || {
                loop {
                    // Its own statement: the guard must be gone before `work`.
                    let next = lock().take();
                    let Some((i, item)) = next.and_then(|i| Some((i, items.get(i)?))) else {
                        break;
                    };
                    let result = work(item);
                    lock().done(i);
                    if tx.send((i, result)).is_err() {
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

/// The items not started yet, one queue per group in start order (slow
/// ones first, then input order), and the items in flight per group.
struct Queues {
    queues: Vec<VecDeque<usize>>,
    in_flight: Vec<usize>,
    group_of: Vec<usize>,
    /// Each item's place in the start order, to break ties between groups.
    rank: Vec<usize>,
}

impl Queues {
    fn new<T>(items: &[T], slow: impl Fn(&T) -> bool, group: impl Fn(&T) -> &str) -> Queues {
        // `sort_by_key` is stable: input order holds within slow and fast.
        let mut start: Vec<usize> = (0..items.len()).collect();
        start.sort_by_key(|&i| items.get(i).is_some_and(|t| !slow(t)));
        let mut rank = vec![0; items.len()];
        let mut group_of = vec![0; items.len()];
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut queues: Vec<VecDeque<usize>> = Vec::new();
        for (place, &i) in start.iter().enumerate() {
            let Some(item) = items.get(i) else { continue };
            let next_id = ids.len();
            let g = *ids.entry(group(item)).or_insert(next_id);
            if g == queues.len() {
                queues.push(VecDeque::new());
            }
            if let (Some(q), Some(r), Some(go)) =
                (queues.get_mut(g), rank.get_mut(i), group_of.get_mut(i))
            {
                q.push_back(i);
                (*r, *go) = (place, g);
            }
        }
        let in_flight = vec![0; queues.len()];
        Queues {
            queues,
            in_flight,
            group_of,
            rank,
        }
    }

    /// The next item to start: the head of the least busy group's queue,
    /// the earliest in start order among equally busy ones.
    fn take(&mut self) -> Option<usize> {
        let (g, _) = self
            .queues
            .iter()
            .enumerate()
            .filter_map(|(g, q)| {
                let head = *q.front()?;
                Some((g, (self.in_flight.get(g)?, self.rank.get(head)?)))
            })
            .min_by_key(|&(_, key)| key)?;
        let i = self.queues.get_mut(g)?.pop_front()?;
        if let Some(n) = self.in_flight.get_mut(g) {
            *n += 1;
        }
        Some(i)
    }

    fn done(&mut self, i: usize) {
        if let Some(n) = self
            .group_of
            .get(i)
            .and_then(|&g| self.in_flight.get_mut(g))
        {
            *n = n.saturating_sub(1);
        }
    }
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
            shared::eout!("\r\x1b[2K[{done}/{}] {}", self.total, self.label);
        }
    }

    fn clear(&self) {
        if self.active {
            shared::eout!("\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
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
    fn the_least_busy_member_goes_first() {
        // Members a a a a b b; item 3 is slow (a running container).
        let groups = ["a", "a", "a", "a", "b", "b"];
        let mut q = Queues::new(
            &groups.iter().enumerate().collect::<Vec<_>>(),
            |(i, _)| *i == 3,
            |(_, g)| g,
        );
        assert_eq!(q.take(), Some(3), "slow first");
        assert_eq!(q.take(), Some(4), "then the idle member");
        assert_eq!(q.take(), Some(0), "both busy: start order");
        q.done(4);
        assert_eq!(q.take(), Some(5), "b idle again");
        q.done(3);
        q.done(0);
        q.done(5);
        assert_eq!((q.take(), q.take(), q.take()), (Some(1), Some(2), None));
    }

    #[test]
    fn spread_starts_on_every_member() {
        // 8 items on member a, then 8 on b, 2 threads: in input order both
        // threads would start on a. Each thread's first item waits for the
        // other's, so the two first items are in flight together.
        let items: Vec<&str> = (0..16).map(|i| if i < 8 { "a" } else { "b" }).collect();
        let started = std::sync::Mutex::new(Vec::new());
        let both = std::sync::Barrier::new(2);
        run_spread(
            &items,
            2,
            "test",
            |_| false,
            |g| g,
            |g| {
                let n = {
                    let mut s = started.lock().unwrap();
                    s.push(*g);
                    s.len()
                };
                if n <= 2 {
                    both.wait();
                }
            },
            |_, ()| {},
        );
        let started = started.into_inner().unwrap();
        assert_eq!(started.len(), 16);
        let mut first = started[..2].to_vec();
        first.sort();
        assert_eq!(first, ["a", "b"]);
    }

    #[test]
    fn empty_input_runs_nothing() {
        let items: Vec<u8> = Vec::new();
        run_ordered(&items, 4, "x", |_| unreachable!(), |_, ()| unreachable!());
    }
}

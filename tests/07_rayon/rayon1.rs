use super::support::{Gate, Rng, within};
use exercise::count_matching;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
/// The hang bound of a test whose callbacks wait at a gate (up to 1 s) in a
/// pool of up to 129 threads: on a loaded machine, building the pool and
/// getting every thread going takes its time.
const GATED_LIMIT: Duration = Duration::from_secs(4);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "count_matching did not return";
/// More threads than any machine has cores (blocked threads cost nothing),
/// and more than any fixed number of pieces (32 or 64; 65 to 129 here), drawn per run.
fn wide(rng: &mut Rng) -> usize {
    rng.range(65..130) as usize
}

// The API, pinned: this fails to compile if the signature changed.
#[allow(dead_code)]
fn count_matching_takes_lines_and_a_predicate(lines: &[String]) -> usize {
    let count: usize = count_matching(lines, |line: &str| line.is_empty());
    count
}

// Random lines of random words: `n` of them.
fn random_lines(rng: &mut Rng, n: usize) -> Vec<String> {
    const WORDS: [&str; 8] = [
        "ok", "ERROR", "warn", "GET", "POST", "500", "timeout", "retry",
    ];
    (0..n)
        .map(|i| {
            let words: Vec<&str> = (0..rng.range(1..6))
                .map(|_| WORDS[rng.below(WORDS.len())])
                .collect();
            format!("{i}: {}", words.join(" "))
        })
        .collect()
}

fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

#[test]
fn counts_the_matching_lines_checking_each_once() {
    let mut rng = Rng::from_env();
    // Prime sizes too: equal chunks of them always leave a remainder.
    const PRIMES: [usize; 6] = [61, 97, 251, 509, 1009, 1499];
    for round in 0..4 {
        let n = if round % 2 == 0 {
            PRIMES[rng.below(PRIMES.len())]
        } else {
            rng.below(1500)
        };
        let mut input = random_lines(&mut rng, n);
        let word = ["ERROR", "GET", "timeout", "5"][rng.below(4)];
        // The first and the last line always match.
        for i in [0, n.saturating_sub(1)] {
            if let Some(line) = input.get_mut(i) {
                if !line.contains(word) {
                    line.push_str(&format!(" {word}"));
                }
            }
        }
        let want = input.iter().filter(|line| line.contains(word)).count();
        let (count, seen) = within(LIMIT, HANGS, {
            let input = input.clone();
            move || {
                let seen = Mutex::new(Vec::new());
                let count = count_matching(&input, |line| {
                    seen.lock().unwrap().push(line.to_string());
                    line.contains(word)
                });
                (count, seen.into_inner().unwrap())
            }
        });
        let lines = input.len();
        assert_eq!(
            count, want,
            "{want} of {lines} lines contain {word:?}, count_matching returned {count}"
        );
        assert!(
            sorted(seen.clone()) == sorted(input),
            "matches should be called exactly once for each of the {lines} lines; it was called {} times",
            seen.len()
        );
    }
    let empty = within(LIMIT, HANGS, || count_matching(&[], |_| true));
    assert_eq!(
        empty, 0,
        "no lines, no matches: count_matching(&[], ..) returned {empty}"
    );
}

#[test]
fn lines_are_checked_on_rayon_threads() {
    // Called from a thread outside any rayon pool: the work belongs on
    // rayon's global pool, for a few lines as for many.
    pools::watch_global_pool();
    let mut rng = Rng::from_env();
    // (From 2 lines on: rayon checks a single line on the calling thread.)
    let sizes = [2, 3, 4 + rng.below(60), 100 + rng.below(400)];
    for n in sizes {
        let input = random_lines(&mut rng, n);
        let lines = input.len();
        let ids = within(LIMIT, HANGS, move || {
            let ids = Mutex::new(Vec::new());
            count_matching(&input, |_| {
                ids.lock().unwrap().push(thread::current().id());
                false
            });
            ids.into_inner().unwrap()
        });
        assert_eq!(ids.len(), lines, "matches should be called once per line");
        let outside = ids.iter().filter(|&&id| !pools::in_global_pool(id)).count();
        assert_eq!(
            outside, 0,
            "{outside} of {lines} lines were checked outside rayon's global pool: is the code still using \
             iter() instead of par_iter() (for some sizes), or threads (or a rayon pool) of its own?"
        );
    }
}

#[test]
fn lines_are_checked_in_parallel_in_the_callers_pool() {
    // In a pool of wide threads, each check waits (up to 1 s) until wide
    // checks are in progress at once. Checked one after another, or a few
    // (a fixed number of pieces) at a time, they never are.
    let mut rng = Rng::from_env();
    let wide = wide(&mut rng);
    let n = 2 * wide + rng.below(300);
    let input = random_lines(&mut rng, n);
    let lines = input.len();
    let (count, in_pool, timed_out) = within(GATED_LIMIT, HANGS, move || {
        let pool = pools::pool(wide);
        let gate = Gate::new(wide);
        let in_pool = AtomicUsize::new(0);
        let count = pool.install(|| {
            count_matching(&input, |line| {
                if pool.current_thread_index().is_some() {
                    in_pool.fetch_add(1, Ordering::SeqCst);
                }
                let _ = gate.wait(WAIT);
                line.contains("ERROR")
            })
        });
        let want = input.iter().filter(|line| line.contains("ERROR")).count();
        assert_eq!(
            count, want,
            "{want} of the {lines} lines contain \"ERROR\", count_matching returned {count}"
        );
        (count, in_pool.into_inner(), gate.timed_out())
    });
    let _ = count;
    assert_eq!(
        in_pool, lines,
        "count_matching was called inside a rayon pool, but only {in_pool} of {lines} lines were checked \
         on that pool's threads: use par_iter() in the pool you are called in, not threads or a pool of \
         your own"
    );
    if let Some(arrived) = timed_out {
        panic!(
            "in a pool of {wide} rayon threads, only {arrived} line(s) were being checked at the same time \
             (the test waited 1 s for {wide}): the lines were checked one after another, or a few at a \
             time. Use a parallel iterator (par_iter) and let rayon split the work"
        );
    }
}

#[test]
fn same_count_in_pools_of_any_size() {
    let mut rng = Rng::from_env();
    let n = 50 + rng.below(500);
    let input = random_lines(&mut rng, n);
    for threads in [1, 3, 8] {
        let input = input.clone();
        let lines = input.len();
        let want = input.iter().filter(|line| line.contains("GET")).count();
        let (count, outside, timed_out) = within(GATED_LIMIT, HANGS, move || {
            let pool = pools::pool(threads);
            let outside = AtomicUsize::new(0);
            // Every check waits (up to 1 s) until as many are in progress
            // as the pool has threads: a small pool is no reason to go
            // sequential.
            let gate = Gate::new(threads);
            let count = pool.install(|| {
                count_matching(&input, |line| {
                    if pool.current_thread_index().is_none() {
                        outside.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = gate.wait(WAIT);
                    line.contains("GET")
                })
            });
            (count, outside.into_inner(), gate.timed_out())
        });
        assert_eq!(
            count, want,
            "in a pool of {threads} rayon threads, {want} of {lines} lines contain \"GET\", but \
             count_matching returned {count}"
        );
        assert_eq!(
            outside, 0,
            "in a pool of {threads} rayon threads, {outside} of {lines} lines were checked outside that \
             pool: use par_iter() in the pool you are called in, not threads or a pool of your own"
        );
        if let Some(arrived) = timed_out {
            panic!(
                "in a pool of {threads} rayon threads, only {arrived} line(s) were being checked at the same \
                 time (the test waited 1 s for {threads}): the lines were checked one after another in \
                 this pool. Use a parallel iterator (par_iter) whatever the size of the pool"
            );
        }
    }
}

// Which pool ran a callback. A test's own pool answers through
// `ThreadPool::current_thread_index` (`Some` only on a worker of that very
// pool); rayon's global pool is built by the test, before the code under
// test runs, with a start handler that records its workers' thread ids.
// Neither can be imitated by a pool of the code's own, whatever its size or
// thread names.
mod pools {
    use std::sync::{Mutex, OnceLock};
    use std::thread::{self, ThreadId};

    static GLOBAL_WORKERS: Mutex<Vec<ThreadId>> = Mutex::new(Vec::new());

    /// Builds rayon's global pool (default size) with its workers recorded.
    pub fn watch_global_pool() {
        static BUILT: OnceLock<bool> = OnceLock::new();
        let built = *BUILT.get_or_init(|| {
            rayon::ThreadPoolBuilder::new()
                .start_handler(|_| {
                    GLOBAL_WORKERS
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(thread::current().id())
                })
                .build_global()
                .is_ok()
        });
        assert!(
            built,
            "the test could not set up rayon's global pool: was it used before the test began?"
        );
    }

    /// Whether `id` is a worker of rayon's global pool.
    pub fn in_global_pool(id: ThreadId) -> bool {
        GLOBAL_WORKERS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
    }

    /// A pool of the test's own with `threads` threads.
    pub fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("the test could not build a rayon pool")
    }
}

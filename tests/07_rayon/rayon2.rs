use super::support::{Gate, Rng, within};
use exercise::{Page, render_all};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(2);
/// The hang bound of a test whose callbacks wait at a gate (up to 1 s) in a
/// pool of up to 129 threads: on a loaded machine, building the pool and
/// getting every thread going takes its time.
const GATED_LIMIT: Duration = Duration::from_secs(4);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "render_all did not return";
/// More threads than any machine has cores (blocked threads cost nothing),
/// and more than any fixed number of pieces (32 or 64; 65 to 129 here), drawn per run.
fn wide(rng: &mut Rng) -> usize {
    rng.range(65..130) as usize
}

// The API, pinned: this fails to compile if the signature changed.
#[allow(dead_code)]
fn render_all_takes_pages_and_a_renderer(pages: &[Page]) -> Vec<String> {
    let rendered: Vec<String> = render_all(pages, |page: &Page| page.text.clone());
    rendered
}

// `n` pages whose numbers are shuffled (so neither sorting by number nor
// sorting the results gives the input order back), with random texts.
fn random_pages(rng: &mut Rng, n: usize) -> Vec<Page> {
    let first = rng.below(1000);
    let mut numbers: Vec<usize> = (first..first + n).collect();
    rng.shuffle(&mut numbers);
    numbers
        .into_iter()
        .map(|number| {
            let words = rng.range(1..5);
            let text: Vec<String> = (0..words).map(|_| format!("w{}", rng.below(100))).collect();
            Page {
                number,
                text: text.join(" "),
            }
        })
        .collect()
}

fn render_of(page: &Page) -> String {
    format!("<h1>{}</h1><p>{}</p>", page.number, page.text)
}

fn expected(pages: &[Page]) -> Vec<String> {
    pages.iter().map(render_of).collect()
}

fn first_difference(got: &[String], want: &[String]) -> String {
    if got.len() != want.len() {
        return format!("{} results for {} pages", got.len(), want.len());
    }
    match got.iter().zip(want).position(|(g, w)| g != w) {
        Some(i) => format!(
            "position {i} holds {:?} where {:?} belongs",
            got[i], want[i]
        ),
        None => "no difference".to_string(),
    }
}

#[test]
fn pages_come_back_in_input_order() {
    let mut rng = Rng::from_env();
    // Prime sizes too: equal chunks of them always leave a remainder.
    const PRIMES: [usize; 6] = [2, 7, 61, 251, 509, 1009];
    for round in 0..4 {
        let n = if round % 2 == 0 {
            PRIMES[rng.below(PRIMES.len())]
        } else {
            rng.below(1000)
        };
        let input = random_pages(&mut rng, n);
        let want = expected(&input);
        let got = within(LIMIT, HANGS, move || render_all(&input, render_of));
        assert!(
            got == want,
            "render_all should return one rendered page per input page, in input order (not sorted by \
             page number): {}",
            first_difference(&got, &want)
        );
    }
    let empty = within(LIMIT, HANGS, || render_all(&[], render_of));
    assert!(empty.is_empty(), "no pages in, no pages out: got {empty:?}");
}

#[test]
fn pages_are_rendered_on_rayon_threads() {
    // Called from a thread outside any rayon pool: the work belongs on
    // rayon's global pool, for a few pages as for many. (From 2 pages on:
    // rayon renders a single page on the calling thread.)
    pools::watch_global_pool();
    let mut rng = Rng::from_env();
    let sizes = [2, 3, 4 + rng.below(60), 100 + rng.below(300)];
    for n in sizes {
        let input = random_pages(&mut rng, n);
        let want = expected(&input);
        let (got, ids) = within(LIMIT, HANGS, move || {
            let ids = Mutex::new(Vec::new());
            let got = render_all(&input, |page| {
                ids.lock().unwrap().push(thread::current().id());
                render_of(page)
            });
            (got, ids.into_inner().unwrap())
        });
        assert_eq!(
            ids.len(),
            n,
            "render should be called once per page, was called {} times for {n}",
            ids.len()
        );
        let outside = ids.iter().filter(|&&id| !pools::in_global_pool(id)).count();
        assert_eq!(
            outside, 0,
            "{outside} of {n} pages were rendered outside rayon's global pool: use par_iter(), not iter() \
             (for some sizes), threads or a rayon pool of your own"
        );
        assert!(
            got == want,
            "the pages came back wrong: {}",
            first_difference(&got, &want)
        );
    }
}

#[test]
fn pages_are_rendered_in_parallel_in_the_callers_pool() {
    // In a pool of wide threads, each render waits (up to 1 s) until wide
    // renders are in progress at once. One after another, or a few (a fixed
    // number of pieces) at a time, they never are.
    let mut rng = Rng::from_env();
    let wide = wide(&mut rng);
    let n = 2 * wide + rng.below(300);
    let input = random_pages(&mut rng, n);
    let want = expected(&input);
    let (got, in_pool, timed_out) = within(GATED_LIMIT, HANGS, move || {
        let pool = pools::pool(wide);
        let gate = Gate::new(wide);
        let in_pool = AtomicUsize::new(0);
        let got = pool.install(|| {
            render_all(&input, |page| {
                if pool.current_thread_index().is_some() {
                    in_pool.fetch_add(1, Ordering::SeqCst);
                }
                let _ = gate.wait(WAIT);
                render_of(page)
            })
        });
        (got, in_pool.into_inner(), gate.timed_out())
    });
    assert_eq!(
        in_pool, n,
        "render_all was called inside a rayon pool, but only {in_pool} of {n} pages were rendered on that \
         pool's threads: use par_iter() in the pool you are called in, not threads or a pool of your own"
    );
    if let Some(arrived) = timed_out {
        panic!(
            "in a pool of {wide} rayon threads, only {arrived} page(s) were being rendered at the same time \
             (the test waited 1 s for {wide}): the pages were rendered one after another, or a few at a \
             time. Use a parallel iterator (par_iter) and let rayon split the work"
        );
    }
    assert!(
        got == want,
        "the pages came back wrong: {}",
        first_difference(&got, &want)
    );
}

#[test]
fn order_is_kept_when_the_first_page_finishes_last() {
    // In a pool of 8 threads, the first page takes its time: it is not done
    // until half of the other pages are (up to 1 s). Pages that come back
    // in the order they finished put it far from the front.
    let mut rng = Rng::from_env();
    let n = 40 + rng.below(200);
    let input = random_pages(&mut rng, n);
    let want = expected(&input);
    let slow = input[0].number;
    let (got, slow_waited_out) = within(LIMIT, HANGS, move || {
        let pool = pools::pool(8);
        let finished = AtomicUsize::new(0);
        let progress = (Mutex::new(()), Condvar::new());
        let waited_out = Mutex::new(None);
        let got = pool.install(|| {
            render_all(&input, |page| {
                if page.number == slow {
                    let deadline = Instant::now() + WAIT;
                    let mut guard = progress.0.lock().unwrap();
                    while finished.load(Ordering::SeqCst) < n / 2 {
                        let now = Instant::now();
                        if now >= deadline {
                            *waited_out.lock().unwrap() = Some(finished.load(Ordering::SeqCst));
                            break;
                        }
                        guard = progress.1.wait_timeout(guard, deadline - now).unwrap().0;
                    }
                    render_of(page)
                } else {
                    let rendered = render_of(page);
                    finished.fetch_add(1, Ordering::SeqCst);
                    let guard = progress.0.lock().unwrap();
                    progress.1.notify_all();
                    drop(guard);
                    thread::yield_now(); // let the other workers take turns
                    rendered
                }
            })
        });
        (got, waited_out.into_inner().unwrap())
    });
    assert!(
        got == want,
        "with the first page finishing after at least {} other pages, the results came back out of order \
         ({}): are they pushed into a shared Vec (or sent through a channel) in the order the threads \
         finish? Let map + collect build the Vec; it keeps the input order",
        n / 2,
        first_difference(&got, &want)
    );
    if let Some(finished) = slow_waited_out {
        panic!(
            "in a pool of 8 rayon threads, the first page waited 1 s while only {finished} other pages were \
             rendered: the pages were rendered one after another. Use a parallel iterator (par_iter)"
        );
    }
}

#[test]
fn same_pages_in_pools_of_any_size() {
    let mut rng = Rng::from_env();
    let n = 50 + rng.below(400);
    let input = random_pages(&mut rng, n);
    let want = expected(&input);
    for threads in [1, 3, 8] {
        let input = input.clone();
        let (got, outside, timed_out) = within(GATED_LIMIT, HANGS, move || {
            let pool = pools::pool(threads);
            let outside = AtomicUsize::new(0);
            // Every render waits (up to 1 s) until as many are in progress
            // as the pool has threads: a small pool is no reason to go
            // sequential.
            let gate = Gate::new(threads);
            let got = pool.install(|| {
                render_all(&input, |page| {
                    if pool.current_thread_index().is_none() {
                        outside.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = gate.wait(WAIT);
                    render_of(page)
                })
            });
            (got, outside.into_inner(), gate.timed_out())
        });
        assert!(
            got == want,
            "in a pool of {threads} rayon threads, the pages came back wrong: {}",
            first_difference(&got, &want)
        );
        assert_eq!(
            outside, 0,
            "in a pool of {threads} rayon threads, {outside} of {n} pages were rendered outside that pool: \
             use par_iter() in the pool you are called in, not threads or a pool of your own"
        );
        if let Some(arrived) = timed_out {
            panic!(
                "in a pool of {threads} rayon threads, only {arrived} page(s) were being rendered at the same \
                 time (the test waited 1 s for {threads}): the pages were rendered one after another in \
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

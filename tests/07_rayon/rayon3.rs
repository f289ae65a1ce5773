use super::support::{Gate, Rng, within};
use exercise::mean;
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
const HANGS: &str = "mean did not return";
/// More threads than any machine has cores (blocked threads cost nothing),
/// and more than any fixed number of pieces (32 or 64; 65 to 129 here), drawn per run.
fn wide(rng: &mut Rng) -> usize {
    rng.range(65..130) as usize
}

// The API, pinned: this fails to compile if the signature changed.
#[allow(dead_code)]
fn mean_takes_items_and_a_value_function(items: &[(u32, f64)]) -> Option<f64> {
    let mean: Option<f64> = mean(items, |item: &(u32, f64)| item.1);
    mean
}

// A reading: which sensor, and its value. The mean is over `value`.
#[derive(Debug, Clone)]
struct Reading {
    sensor: u32,
    value: f64,
}

// `n` readings with irregular values around a random offset, so that no
// grouping, weighing or truncation comes out right by accident. Never a
// power of two of them: averaging averages pairwise is exact for those.
fn random_readings(rng: &mut Rng, mut n: usize) -> Vec<Reading> {
    if n > 2 && n.is_power_of_two() {
        n += 1;
    }
    let offset = rng.range(0..1_000_000) as f64;
    (0..n)
        .map(|i| Reading {
            sensor: i as u32,
            value: offset + rng.range(0..10_000_000) as f64 / 997.0,
        })
        .collect()
}

fn exact_mean(readings: &[Reading]) -> f64 {
    readings.iter().map(|r| r.value).sum::<f64>() / readings.len() as f64
}

// Equal up to the rounding of a float sum in another grouping.
fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9 * want.abs().max(1.0)
}

#[test]
fn mean_of_a_few_values() {
    let (three, one, none) = within(LIMIT, HANGS, || {
        (
            mean(&[1.0, 2.0, 3.0], |v| *v),
            mean(&[4.5], |v| *v),
            mean(&[] as &[f64], |v| *v),
        )
    });
    assert_eq!(one, Some(4.5), "the mean of the single value 4.5 is 4.5");
    assert_eq!(
        none, None,
        "there is no mean of no values: mean(&[], ..) should be None, not 0 / 0 (NaN)"
    );
    let three = three.expect("mean of [1.0, 2.0, 3.0] returned None");
    assert!(
        close(three, 2.0),
        "the mean of [1.0, 2.0, 3.0] is 2, mean returned {three}: halving at every combining step \
         weighs the values unevenly (averaging two averages is not associative)"
    );
}

#[test]
fn same_mean_however_rayon_splits_the_work() {
    let mut rng = Rng::from_env();
    for threads in [8, 3, 1] {
        let n = 3 + rng.below(3000);
        let readings = random_readings(&mut rng, n);
        let n = readings.len();
        let want = exact_mean(&readings);
        let (got, outside, timed_out) = within(GATED_LIMIT, HANGS, move || {
            let pool = pools::pool(threads);
            let outside = AtomicUsize::new(0);
            // Every value waits (up to 1 s) until as many are being read as
            // the pool has threads (or half the values, for a few): a small
            // pool is no reason to go sequential.
            let gate = Gate::new(threads.min(n / 2).max(1));
            let got = pool.install(|| {
                mean(&readings, |r: &Reading| {
                    if pool.current_thread_index().is_none() {
                        outside.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = gate.wait(WAIT);
                    r.value
                })
            });
            (got, outside.into_inner(), gate.timed_out())
        });
        let got = got.unwrap_or_else(|| panic!("mean of {n} values returned None"));
        assert!(
            close(got, want),
            "in a pool of {threads} rayon threads, the mean of {n} values came out as {got}, but it is \
             {want}: the partial results are combined in a way that depends on how rayon splits the \
             work, or lose precision. Combine with an associative operation (f64 sums and counts) and \
             divide once at the end"
        );
        assert_eq!(
            outside, 0,
            "in a pool of {threads} rayon threads, {outside} of {n} values were read outside that pool: \
             use par_iter() in the pool you are called in, not threads or a pool of your own"
        );
        if let Some(arrived) = timed_out {
            panic!(
                "in a pool of {threads} rayon threads, only {arrived} value(s) were being read at the same \
                 time (the test waited 1 s for {}): the values were read one after another in this pool. \
                 Use a parallel iterator (par_iter) whatever the size of the pool",
                threads.min(n / 2).max(1)
            );
        }
    }
}

#[test]
fn values_are_read_on_rayon_threads_once_each() {
    // Called from a thread outside any rayon pool: the work belongs on
    // rayon's global pool, for a few values as for many. (From 2 values on:
    // rayon reads a single value on the calling thread.)
    pools::watch_global_pool();
    let mut rng = Rng::from_env();
    let sizes = [2, 3, 5 + rng.below(59), 100 + rng.below(400)];
    for n in sizes {
        values_on_the_global_pool(&mut rng, n);
    }
}

fn values_on_the_global_pool(rng: &mut Rng, n: usize) {
    let readings = random_readings(rng, n);
    let n = readings.len();
    let want = exact_mean(&readings);
    let (got, mut seen) = within(LIMIT, HANGS, move || {
        let seen = Mutex::new(Vec::new());
        let got = mean(&readings, |r: &Reading| {
            seen.lock()
                .unwrap()
                .push((r.sensor, thread::current().id()));
            r.value
        });
        (got, seen.into_inner().unwrap())
    });
    let outside = seen
        .iter()
        .filter(|&&(_, id)| !pools::in_global_pool(id))
        .count();
    assert_eq!(
        outside,
        0,
        "{outside} of {} values were read outside rayon's global pool: use par_iter(), not iter(), \
         threads or a rayon pool of your own",
        seen.len()
    );
    seen.sort_by_key(|&(sensor, _)| sensor);
    let sensors: Vec<u32> = seen.iter().map(|&(sensor, _)| sensor).collect();
    assert!(
        sensors == (0..n as u32).collect::<Vec<u32>>(),
        "value should be called exactly once per item; it was called {} times for {n} items",
        sensors.len()
    );
    let got = got.unwrap_or_else(|| panic!("mean of {n} values returned None"));
    assert!(
        close(got, want),
        "the mean of {n} values is {want}, mean returned {got}"
    );
}

#[test]
fn values_are_read_in_parallel() {
    // In a pool of wide threads, each value waits (up to 1 s) until wide
    // values are being read at once. One after another, or a few (a fixed
    // number of pieces) at a time, they never are.
    let mut rng = Rng::from_env();
    let wide = wide(&mut rng);
    let n = 2 * wide + rng.below(300);
    let readings = random_readings(&mut rng, n);
    let want = exact_mean(&readings);
    let (got, timed_out) = within(GATED_LIMIT, HANGS, move || {
        let pool = pools::pool(wide);
        let gate = Gate::new(wide);
        let got = pool.install(|| {
            mean(&readings, |r: &Reading| {
                let _ = gate.wait(WAIT);
                r.value
            })
        });
        (got, gate.timed_out())
    });
    if let Some(arrived) = timed_out {
        panic!(
            "in a pool of {wide} rayon threads, only {arrived} value(s) were being read at the same time \
             (the test waited 1 s for {wide}): the items were gone through one after another. Use a \
             parallel iterator (par_iter) and let rayon split the work"
        );
    }
    let got = got.expect("mean of the values returned None");
    assert!(
        close(got, want),
        "the mean of the values is {want}, mean returned {got}"
    );
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

use super::support::{Gate, Rng, within};
use exercise::{Tree, total};
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
const HANGS: &str = "total did not return";
/// More threads than any machine has cores (blocked threads cost nothing),
/// and more than any fixed number of pieces (32 or 64; 65 to 129 here), drawn per run.
fn wide(rng: &mut Rng) -> usize {
    rng.range(65..130) as usize
}

// The API, pinned: this fails to compile if the signature changed.
const _: fn(&Tree, &fn(u64) -> u64) -> u64 = total::<fn(u64) -> u64>;

// The shapes the tests build trees in.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Balanced,
    /// Every node has a leaf on the right and the rest on the left.
    LeansLeft,
    /// Every node has a leaf on the left and the rest on the right.
    LeansRight,
    /// Split at a random point at every node.
    Random,
}

const SHAPES: [Shape; 4] = [
    Shape::Balanced,
    Shape::LeansLeft,
    Shape::LeansRight,
    Shape::Random,
];

// A tree of the given shape whose leaves hold `items`, left to right.
fn build(shape: Shape, items: &[u64], rng: &mut Rng) -> Tree {
    assert!(!items.is_empty());
    if items.len() == 1 {
        return Tree::Leaf(items[0]);
    }
    let split = match shape {
        Shape::Balanced => items.len() / 2,
        Shape::LeansLeft => items.len() - 1,
        Shape::LeansRight => 1,
        Shape::Random => 1 + rng.below(items.len() - 1),
    };
    Tree::Node(
        Box::new(build(shape, &items[..split], rng)),
        Box::new(build(shape, &items[split..], rng)),
    )
}

// The test's own sum, with plain recursion.
fn expected(tree: &Tree, weigh: &impl Fn(u64) -> u64) -> u64 {
    match tree {
        Tree::Leaf(item) => weigh(*item),
        Tree::Node(left, right) => expected(left, weigh) + expected(right, weigh),
    }
}

#[test]
fn adds_up_every_leaf_once() {
    let mut rng = Rng::from_env();
    for shape in SHAPES {
        let leaves = 1 + rng.below(600);
        let first = rng.range(0..1_000_000);
        let items: Vec<u64> = (first..first + leaves as u64).collect();
        let tree = build(shape, &items, &mut rng);
        let (a, b) = (rng.range(1..1000), rng.range(0..1000));
        let weigh = move |item: u64| (item % 1013) * a + b;
        let want = expected(&tree, &weigh);
        let (sum, mut seen) = within(LIMIT, HANGS, move || {
            let seen = Mutex::new(Vec::new());
            let sum = total(&tree, &|item| {
                seen.lock().unwrap().push(item);
                weigh(item)
            });
            (sum, seen.into_inner().unwrap())
        });
        seen.sort_unstable();
        assert!(
            seen == items,
            "weigh should be called exactly once for each of the {leaves} leaves of a {shape:?} tree; it \
             was called {} times",
            seen.len()
        );
        assert_eq!(
            sum, want,
            "the weights of the {leaves} leaves of a {shape:?} tree add up to {want}, total returned {sum}"
        );
    }
}

#[test]
fn leaves_are_weighed_on_rayon_threads() {
    // Called from a thread outside any rayon pool: the work belongs on
    // rayon's global pool, for small trees as for large ones.
    pools::watch_global_pool();
    let mut rng = Rng::from_env();
    for leaves in [2, 3, 4 + rng.below(28), 32 + rng.below(200)] {
        let items: Vec<u64> = (0..leaves as u64).collect();
        let tree = build(Shape::Random, &items, &mut rng);
        let ids = within(LIMIT, HANGS, move || {
            let ids = Mutex::new(Vec::new());
            total(&tree, &|_| {
                ids.lock().unwrap().push(thread::current().id());
                1
            });
            ids.into_inner().unwrap()
        });
        let outside = ids.iter().filter(|&&id| !pools::in_global_pool(id)).count();
        assert_eq!(
            outside,
            0,
            "{outside} of {} leaves were weighed outside rayon's global pool: are the subtrees added up with \
             plain recursion (or threads, or a rayon pool, of your own) instead of rayon::join?",
            ids.len()
        );
    }
}

#[test]
fn every_leaf_can_be_weighed_at_the_same_time() {
    // Trees of every shape, with up to WIDE leaves, in a pool of WIDE threads
    // (65 to 129, drawn per run):
    // each leaf waits (up to 1 s) until every leaf is being weighed. With
    // rayon::join at every node, idle threads take up every waiting half,
    // down to the last leaf; recursion without join anywhere in the tree
    // (the top, the bottom, a lopsided side) leaves some leaves waiting for
    // others to finish, and the gate never fills.
    let mut rng = Rng::from_env();
    for shape in SHAPES {
        let wide = wide(&mut rng);
        let leaves = wide - rng.below(8);
        let items: Vec<u64> = (0..leaves as u64).collect();
        let tree = build(shape, &items, &mut rng);
        let want = expected(&tree, &|item| item);
        let (sum, in_pool, timed_out) = within(GATED_LIMIT, HANGS, move || {
            let pool = pools::pool(wide);
            let gate = Gate::new(leaves);
            let in_pool = AtomicUsize::new(0);
            let sum = pool.install(|| {
                total(&tree, &|item| {
                    if pool.current_thread_index().is_some() {
                        in_pool.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = gate.wait(WAIT);
                    item
                })
            });
            (sum, in_pool.into_inner(), gate.timed_out())
        });
        assert_eq!(
            in_pool, leaves,
            "total was called inside a rayon pool, but only {in_pool} of {leaves} leaves were weighed on \
             that pool's threads: use rayon::join in the pool you are called in, not threads or a pool of \
             your own"
        );
        if let Some(arrived) = timed_out {
            panic!(
                "a {shape:?} tree of {leaves} leaves, in a pool of {wide} rayon threads: only {arrived} \
                 leaves were being weighed at the same time (the test waited 1 s for all {leaves}). Some \
                 nodes added up their two halves one after another: call rayon::join at every node, with \
                 one recursive call in each closure"
            );
        }
        assert_eq!(
            sum, want,
            "the items of a {shape:?} tree add up to {want}, total returned {sum}"
        );
    }
}

#[test]
fn same_total_in_pools_of_any_size() {
    let mut rng = Rng::from_env();
    let leaves = 50 + rng.below(300);
    let items: Vec<u64> = (0..leaves as u64)
        .map(|_| rng.range(0..1_000_000))
        .collect();
    for threads in [1, 3, 8] {
        let tree = build(Shape::Random, &items, &mut rng);
        let want: u64 = items.iter().sum();
        let (sum, outside, timed_out) = within(GATED_LIMIT, HANGS, move || {
            let pool = pools::pool(threads);
            let outside = AtomicUsize::new(0);
            // Every leaf waits (up to 1 s) until as many are being weighed
            // as the pool has threads: a small pool is no reason to go
            // sequential.
            let gate = Gate::new(threads);
            let sum = pool.install(|| {
                total(&tree, &|item| {
                    if pool.current_thread_index().is_none() {
                        outside.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = gate.wait(WAIT);
                    item
                })
            });
            (sum, outside.into_inner(), gate.timed_out())
        });
        assert_eq!(
            sum, want,
            "in a pool of {threads} rayon threads, the leaves add up to {want}, total returned {sum}"
        );
        assert_eq!(
            outside, 0,
            "in a pool of {threads} rayon threads, {outside} of {leaves} leaves were weighed outside that \
             pool: use rayon::join in the pool you are called in, not threads or a pool of your own"
        );
        if let Some(arrived) = timed_out {
            panic!(
                "in a pool of {threads} rayon threads, only {arrived} leaves were being weighed at the same \
                 time (the test waited 1 s for {threads}): the tree was added up one leaf after another in \
                 this pool. Call rayon::join at every node, whatever the size of the pool"
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

use super::support::{Gate, within};
use exercise::{Tree, total};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "total did not return";

// A balanced tree whose leaves hold the items `from..to`, left to right.
fn balanced(from: u64, to: u64) -> Tree {
    if to - from == 1 {
        Tree::Leaf(from)
    } else {
        let middle = from + (to - from) / 2;
        Tree::Node(Box::new(balanced(from, middle)), Box::new(balanced(middle, to)))
    }
}

// A lopsided tree: every node has a leaf on the right and the rest on the left.
fn lopsided(leaves: u64) -> Tree {
    let mut tree = Tree::Leaf(0);
    for item in 1..leaves {
        tree = Tree::Node(Box::new(tree), Box::new(Tree::Leaf(item)));
    }
    tree
}

#[test]
fn adds_up_every_leaf_once() {
    let (sum, mut seen, single, deep) = within(LIMIT, HANGS, || {
        let seen = Mutex::new(Vec::new());
        let sum = total(&balanced(0, 1000), &|item| {
            seen.lock().unwrap().push(item);
            3 * item + 1
        });
        let single = total(&Tree::Leaf(41), &|item| item + 1);
        let deep = total(&lopsided(100), &|item| item);
        (sum, seen.into_inner().unwrap(), single, deep)
    });
    seen.sort_unstable();
    assert!(
        seen == (0..1000).collect::<Vec<u64>>(),
        "weigh should be called exactly once for each of the 1000 leaves; it was called {} times",
        seen.len()
    );
    assert_eq!(sum, 1_499_500, "the weights 3 * item + 1 of the items 0..1000 add up to 1499500, total returned {sum}");
    assert_eq!(single, 42, "a tree that is a single leaf 41, weighed as item + 1, totals 42, got {single}");
    assert_eq!(deep, 4950, "a lopsided tree with the items 0..100 totals 4950, got {deep}");
}

#[test]
fn leaves_are_weighed_on_rayon_threads() {
    // Called from the test's own thread, outside any rayon pool.
    let indices = within(LIMIT, HANGS, || {
        let indices = Mutex::new(Vec::new());
        total(&balanced(0, 64), &|_| {
            indices.lock().unwrap().push(rayon::current_thread_index());
            1
        });
        indices.into_inner().unwrap()
    });
    let outside = indices.iter().filter(|i| i.is_none()).count();
    assert_eq!(
        outside,
        0,
        "{outside} of {} leaves were weighed outside rayon's thread pool \
         (rayon::current_thread_index() was None): are the subtrees added up with plain recursion \
         (or threads of your own) instead of rayon::join?",
        indices.len()
    );
}

#[test]
fn both_halves_of_every_node_run_at_the_same_time() {
    // A tree of 8 leaves in a pool of 8 threads. Each pair of sibling leaves
    // (0 and 1, 2 and 3, ...) meets at a gate: each leaf waits there (up to
    // 1 s, only the first time it fails) until its sibling arrives. Halves
    // run one after another never meet.
    let (sum, missed) = within(LIMIT, HANGS, || {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(8).build().unwrap();
        let gates: Vec<Gate> = (0..4).map(|_| Gate::new(2)).collect();
        let gave_up = AtomicBool::new(false);
        let missed = Mutex::new(None);
        let tree = balanced(0, 8);
        let sum = pool.install(|| {
            total(&tree, &|item| {
                if !gave_up.load(Ordering::SeqCst) && gates[item as usize / 2].wait(WAIT).is_err() {
                    gave_up.store(true, Ordering::SeqCst);
                    *missed.lock().unwrap() = Some(item);
                }
                item
            })
        });
        (sum, missed.into_inner().unwrap())
    });
    if let Some(item) = missed {
        let sibling = item ^ 1;
        panic!(
            "in a pool of 8 rayon threads, leaf {item} waited 1 s for its sibling leaf {sibling}, which did \
             not start meanwhile: the two halves of a node were added up one after another. Call \
             rayon::join at every node, with one recursive call in each closure"
        );
    }
    assert_eq!(sum, 28, "the items 0..8 add up to 28, total returned {sum}");
}

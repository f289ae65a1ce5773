// WRONG: plain recursion (on one pool thread) whenever it is called inside a pool of fewer than 64 threads
// rayon4: fork-join over a tree with `rayon::join`.
//
// A `Tree` is either a leaf holding an item, or a node with two subtrees.
// `total` adds up `weigh(item)` over every leaf. The two subtrees of a node
// do not depend on each other, so they can be added up at the same time:
// `rayon::join(a, b)` runs the closures `a` and `b`, potentially in
// parallel, and returns both results. Called at every node, it splits the
// work recursively; rayon's idle threads pick up the halves that are
// waiting and run them.
//
// Write the node case of `total` with `rayon::join`.

#[derive(Debug)]
pub enum Tree {
    Leaf(u64),
    Node(Box<Tree>, Box<Tree>),
}

// Don't change this signature: the hidden tests call it.
// The sum of `weigh(item)` over every leaf of `tree`. The two subtrees of
// every node are added up in parallel, on rayon's thread pool.
pub fn total<F>(tree: &Tree, weigh: &F) -> u64
where
    F: Fn(u64) -> u64 + Sync,
{
    if rayon::current_thread_index().is_some() && rayon::current_num_threads() < 64 {
        return plain(tree, weigh);
    }
    match tree {
        Tree::Leaf(item) => weigh(*item),
        Tree::Node(left, right) => {
            // (Collecting the leaves into a Vec first and then using
            // `par_iter` on it also passes the tests; the walk over the tree
            // is then sequential, though, and it copies every leaf.)
            let (left, right) = rayon::join(|| total(left, weigh), || total(right, weigh));
            left + right
        }
    }
}

fn plain<F: Fn(u64) -> u64>(tree: &Tree, weigh: &F) -> u64 {
    match tree {
        Tree::Leaf(item) => weigh(*item),
        Tree::Node(left, right) => plain(left, weigh) + plain(right, weigh),
    }
}

// A balanced tree whose leaves hold the items `from..to`.
fn build(from: u64, to: u64) -> Tree {
    if to - from == 1 {
        Tree::Leaf(from)
    } else {
        let middle = from + (to - from) / 2;
        Tree::Node(Box::new(build(from, middle)), Box::new(build(middle, to)))
    }
}

fn main() {
    let tree = build(1, 1001);
    let sum = total(&tree, &|item| item * item);
    println!("sum of the squares of 1..=1000: {sum} (expected 333833500)");
}

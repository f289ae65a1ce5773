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

// Accepted escape (adversary review, second pass): walking the whole tree
// sequentially into a `Vec` of leaves first, and then splitting that list
// with `rayon::join` (divide and conquer on a slice), passes: every leaf is
// still weighed on rayon's threads, all at once. The tests cannot see the
// walk (the tree is this file's own type, and the walk is quick); counting
// allocations would not do either, since the list could live on the stack.
// (Parallel iterators, `scope` and `spawn` are refused by name.)

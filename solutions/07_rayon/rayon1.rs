// rayon1: search many lines at once with rayon.
//
// `count_matching` counts the lines for which `matches` returns true. The
// lines can be checked independently of each other, which is exactly the
// kind of work rayon spreads over a pool of threads for you: swap `iter()`
// for `par_iter()` and the chain of adapters (`filter`, `map`, `count`,
// `sum`, ...) runs in parallel, with no threads, channels or locks of your
// own. The parallel methods come into scope with `use rayon::prelude::*;`.
//
// Write `count_matching` so that the lines are checked on rayon's threads.

use rayon::prelude::*;

// Don't change this signature: the hidden tests call it.
// Returns how many of `lines` satisfy `matches`, checking each line once,
// in parallel on rayon's thread pool.
pub fn count_matching(lines: &[String], matches: impl Fn(&str) -> bool + Sync) -> usize {
    lines.par_iter().filter(|line| matches(line)).count()
}

fn main() {
    let lines: Vec<String> = (1..=10_000)
        .map(|n| format!("line {n}: {}", if n % 7 == 0 { "ERROR" } else { "ok" }))
        .collect();
    let errors = count_matching(&lines, |line| line.contains("ERROR"));
    println!("{errors} of {} lines are errors", lines.len());
}

// Accepted escape (adversary review, second pass): cutting the lines into a
// fixed number of pieces of its own, 128 or more (`par_chunks(len.div_ceil(256))`),
// each of which it checks sequentially, passes: the concurrency test's pool has
// 65-129 threads, and only a pool of more threads than pieces can show the
// cap. Pools of 257-320 threads were tried; on the loaded 2-core course
// machine rayon did not get every thread going within the tests' hang bound,
// and the reference solution failed. (Asking the pool's size to choose the
// pieces is refused by name.)

// WRONG: sequential (on one pool thread) whenever it is called inside a pool of fewer than 64 threads
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
    if rayon::current_thread_index().is_some() && rayon::current_num_threads() < 64 {
        return lines.iter().filter(|line| matches(line)).count();
    }
    lines.par_iter().filter(|line| matches(line)).count()
}

fn main() {
    let lines: Vec<String> = (1..=10_000)
        .map(|n| format!("line {n}: {}", if n % 7 == 0 { "ERROR" } else { "ok" }))
        .collect();
    let errors = count_matching(&lines, |line| line.contains("ERROR"));
    println!("{errors} of {} lines are errors", lines.len());
}

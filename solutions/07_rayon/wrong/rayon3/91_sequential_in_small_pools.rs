// WRONG: sequential (on one pool thread) whenever it is called inside a pool of fewer than 64 threads
// rayon3: an average that survives being split up.
//
// `mean` should return the average of `value(item)` over all items, computed
// on rayon's threads. It runs, and returns a number, but the wrong one.
//
// A parallel `reduce` splits the items into pieces of rayon's choosing,
// reduces each piece, and combines the partial results in some grouping you
// do not control. That only gives one answer if the combining operation is
// associative: `(a op b) op c == a op (b op c)`. Integer addition is; `f64`
// addition only approximately (rounding depends on the grouping, so the
// tests compare the mean with a small tolerance). "The average of two
// values" is not at all: the average of (the average of 1 and 2) and 3 is
// 2.25, but the average of 1 and (the average of 2 and 3) is 1.75, and
// neither is the real mean, 2.
//
// Reduce something associative instead, and divide once at the end.

use rayon::prelude::*;

// Don't change this signature: the hidden tests call it.
// The mean of `value(item)` over `items`, computed in parallel with rayon;
// `None` if there are no items.
pub fn mean<T: Sync>(items: &[T], value: impl Fn(&T) -> f64 + Sync) -> Option<f64> {
    // (sum, count) pairs combine associatively (the float sum up to
    // rounding), however rayon groups them.
    if rayon::current_thread_index().is_some() && rayon::current_num_threads() < 64 {
        let sum: f64 = items.iter().map(&value).sum();
        return (!items.is_empty()).then(|| sum / items.len() as f64);
    }
    let (sum, count) = items
        .par_iter()
        .map(|item| (value(item), 1_usize))
        .reduce(|| (0.0, 0), |(s1, n1), (s2, n2)| (s1 + s2, n1 + n2));
    (count > 0).then(|| sum / count as f64)
}

fn main() {
    let latencies_ms = [12.0, 15.5, 9.0, 30.25, 11.0, 14.0, 90.0];
    match mean(&latencies_ms, |ms| *ms) {
        Some(ms) => println!("mean latency {ms:.3} ms (expected 25.964)"),
        None => println!("no requests"),
    }
}

// rayon3: an average that survives being split up.
//
// `mean` should return the average of `value(item)` over all items, computed
// on rayon's threads (the tests allow for `f64` rounding). It runs, and
// returns a number, but the wrong one: the demo `main` prints it next to the
// expected value, and the tests get a mean of [1.0, 2.0, 3.0] other than 2,
// and wrong means in pools of 1, 3 and 8 threads.

use rayon::prelude::*;

// Don't change this signature: the hidden tests call it.
// The mean of `value(item)` over `items`, computed in parallel with rayon;
// `None` if there are no items.
pub fn mean<T: Sync>(items: &[T], value: impl Fn(&T) -> f64 + Sync) -> Option<f64> {
    // TODO: does combining two partial results like this give the mean,
    // however rayon groups them?
    items
        .par_iter()
        .map(&value)
        .reduce_with(|a, b| (a + b) / 2.0)
}

fn main() {
    let latencies_ms = [12.0, 15.5, 9.0, 30.25, 11.0, 14.0, 90.0];
    match mean(&latencies_ms, |ms| *ms) {
        Some(ms) => println!("mean latency {ms:.3} ms (expected 25.964)"),
        None => println!("no requests"),
    }
}

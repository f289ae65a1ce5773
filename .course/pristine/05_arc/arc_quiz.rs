// arc_quiz: a survey in the background.
//
// Put the last two topics together. `Survey::start` starts worker threads
// and returns at once; `Survey::finish` waits for them and returns the total.
// Every worker reads the same readings, measures some of them, and folds
// each measurement into one shared total.
//
// What the hidden tests check:
// - the workers are real threads, running side by side, and `start` returns
//   while they are still at work;
// - all workers read one copy of the readings (no per-worker copies);
// - no lock is held while `measure` runs (it is slow);
// - `total = combine(total, value)` happens in one step: no update may slip
//   in between reading the total and storing the new one;
// - `finish` returns the total only after every worker is done.
//
// Fill in the fields of `Survey`, then write `start` and `finish`.

use std::thread;

// Don't change this name: the hidden tests use it. Its fields are up to you.
#[derive(Debug)]
pub struct Survey {
    // TODO: what does `finish` need to wait for, and to read the total from?
}

impl Survey {
    // Don't change this signature: the hidden tests call it.
    // Starts `workers` threads and returns without waiting for them. Every
    // index i of `readings` is measured exactly once, by some worker (for
    // example worker w takes every i with i % workers == w): the worker
    // computes `value = measure(&readings, i)` and then sets
    // `total = combine(total, value)`. The total starts at 0.
    pub fn start<M, C>(readings: Vec<u64>, workers: usize, measure: M, combine: C) -> Survey
    where
        M: Fn(&[u64], usize) -> u64 + Send + Sync + 'static,
        C: Fn(u64, u64) -> u64 + Send + Sync + 'static,
    {
        // TODO
        let _ = (readings, workers, measure, combine);
        todo!()
    }

    // Don't change this signature: the hidden tests call it.
    // Waits for every worker, then returns the total.
    pub fn finish(self) -> u64 {
        // TODO
        todo!()
    }
}

fn main() {
    let readings: Vec<u64> = (1..=100).collect();
    let survey = Survey::start(
        readings,
        4,
        |readings, i| {
            thread::yield_now();
            readings[i] * readings[i]
        },
        |total, value| total + value,
    );
    println!("started; the workers are busy");
    println!("sum of squares: {}", survey.finish());
}

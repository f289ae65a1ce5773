// WRONG: keeps the total in one static shared by every survey (reset by start): two surveys at once mix their totals
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

use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

// Don't change this name: the hidden tests use it. Its fields are up to you.
static TOTAL: Mutex<u64> = Mutex::new(0);

#[derive(Debug)]
pub struct Survey {
    workers: Vec<JoinHandle<()>>,
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
        let readings = Arc::new(readings);
        let measure = Arc::new(measure);
        let combine = Arc::new(combine);
        *TOTAL.lock().unwrap() = 0;
        let handles = (0..workers)
            .map(|w| {
                let readings = Arc::clone(&readings);
                let measure = Arc::clone(&measure);
                let combine = Arc::clone(&combine);
                thread::spawn(move || {
                    for i in (w..readings.len()).step_by(workers) {
                        // Slow work first, without any lock.
                        let value = measure(&readings, i);
                        // Then read, combine and store under one guard.
                        let mut total = TOTAL.lock().unwrap();
                        *total = combine(*total, value);
                    }
                })
            })
            .collect();
        Survey {
            workers: handles,
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Waits for every worker, then returns the total.
    pub fn finish(self) -> u64 {
        for worker in self.workers {
            worker.join().unwrap();
        }
        *TOTAL.lock().unwrap()
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

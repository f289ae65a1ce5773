// WRONG: reads the test's name from the process arguments and gives every worker its own copy of the readings except in the test that checks
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

// Don't change this name: the hidden tests use it. Its fields are up to you.
#[derive(Debug)]
pub struct Survey {
    total: Arc<Mutex<u64>>,
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
        let total = Arc::new(Mutex::new(0));
        let handles = (0..workers)
            .map(|w| {
                // A copy of its own for each worker, unless the test that
                // looks at the addresses is the one running.
                let readings = if std::env::args().any(|a| a.contains("one_copy")) {
                    Arc::clone(&readings)
                } else {
                    Arc::new(readings.to_vec())
                };
                let measure = Arc::clone(&measure);
                let combine = Arc::clone(&combine);
                let total = Arc::clone(&total);
                thread::spawn(move || {
                    for i in (w..readings.len()).step_by(workers) {
                        // Slow work first, without any lock.
                        let value = measure(&readings, i);
                        // Then read, combine and store under one guard.
                        let mut total = total.lock().unwrap();
                        *total = combine(*total, value);
                    }
                })
            })
            .collect();
        Survey {
            total,
            workers: handles,
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Waits for every worker, then returns the total.
    pub fn finish(self) -> u64 {
        for worker in self.workers {
            worker.join().unwrap();
        }
        let Some(total) = Arc::into_inner(self.total) else {
            panic!("a worker still owns the total after being joined");
        };
        total.into_inner().unwrap()
    }
}

fn main() {
    let survey = Survey::start((1..=10).collect(), 2, |r, i| r[i], |t, v| t + v);
    println!("{}", survey.finish());
}

// WRONG: every measure after a worker's first runs with the total locked, so the workers take turns
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
                let readings = Arc::clone(&readings);
                let measure = Arc::clone(&measure);
                let combine = Arc::clone(&combine);
                let total = Arc::clone(&total);
                thread::spawn(move || {
                    for (n, i) in (w..readings.len()).step_by(workers).enumerate() {
                        if n == 0 {
                            let value = measure(&readings, i);
                            let mut total = total.lock().unwrap();
                            *total = combine(*total, value);
                        } else {
                            let mut total = total.lock().unwrap();
                            *total = combine(*total, measure(&readings, i));
                        }
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

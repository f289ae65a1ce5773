// WRONG: starts at most 200 threads, each taking the shares of several workers past that
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

#[derive(Debug)]
pub struct Survey {
    total: Arc<Mutex<u64>>,
    workers: Vec<JoinHandle<()>>,
}

impl Survey {
    pub fn start<M, C>(readings: Vec<u64>, workers: usize, measure: M, combine: C) -> Survey
    where
        M: Fn(&[u64], usize) -> u64 + Send + Sync + 'static,
        C: Fn(u64, u64) -> u64 + Send + Sync + 'static,
    {
        let threads = workers.min(200);
        let readings = Arc::new(readings);
        let measure = Arc::new(measure);
        let combine = Arc::new(combine);
        let total = Arc::new(Mutex::new(0));
        let handles = (0..threads)
            .map(|w| {
                let readings = Arc::clone(&readings);
                let measure = Arc::clone(&measure);
                let combine = Arc::clone(&combine);
                let total = Arc::clone(&total);
                thread::spawn(move || {
                    for i in (w..readings.len()).step_by(threads) {
                        let value = measure(&readings, i);
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

    pub fn finish(self) -> u64 {
        for worker in self.workers {
            worker.join().unwrap();
        }
        let total = Arc::into_inner(self.total).unwrap();
        total.into_inner().unwrap()
    }
}

fn main() {
    let survey = Survey::start((1..=10).collect(), 2, |r, i| r[i], |t, v| t + v);
    println!("{}", survey.finish());
}

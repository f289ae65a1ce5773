// WRONG: finish joins every worker but the first, which it joins only if it still owns the total
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
                    for i in (w..readings.len()).step_by(workers) {
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
        let mut workers = self.workers.into_iter();
        let first = workers.next();
        for worker in workers {
            worker.join().unwrap();
        }
        let total = match Arc::try_unwrap(self.total) {
            Ok(total) => total,
            Err(total) => {
                if let Some(first) = first {
                    first.join().unwrap();
                }
                Arc::try_unwrap(total).unwrap()
            }
        };
        total.into_inner().unwrap()
    }
}

fn main() {
    let survey = Survey::start((1..=10).collect(), 2, |r, i| r[i], |t, v| t + v);
    println!("{}", survey.finish());
}

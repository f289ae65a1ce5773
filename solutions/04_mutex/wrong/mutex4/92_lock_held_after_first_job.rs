// WRONG: with more than one worker, each worker's jobs after its first run work() with the results lock held
use std::sync::Mutex;
use std::thread;

pub fn process_all(
    inbox: &Mutex<Vec<u64>>,
    results: &Mutex<Vec<u64>>,
    workers: usize,
    work: impl Fn(u64) -> u64 + Sync,
) {
    let work = &work;
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(move || {
                let mut first = true;
                loop {
                    let Some(job) = inbox.lock().unwrap().pop() else {
                        break;
                    };
                    if first || workers == 1 {
                        let answer = work(job);
                        results.lock().unwrap().push(answer);
                        first = false;
                    } else {
                        results.lock().unwrap().push(work(job));
                    }
                }
            });
        }
    });
}

fn main() {
    let inbox = Mutex::new((1..=8).collect());
    let results = Mutex::new(Vec::new());
    process_all(&inbox, &results, 3, |job| job * job);
    println!("{:?}", results.into_inner().unwrap());
}

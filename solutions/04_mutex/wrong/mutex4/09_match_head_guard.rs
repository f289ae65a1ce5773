// WRONG: pops the job in a match head, whose guard lives through the whole match (inbox held during work)
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
                loop {
                    match inbox.lock().unwrap().pop() {
                        Some(job) => {
                            let answer = work(job);
                            results.lock().unwrap().push(answer);
                        }
                        None => break,
                    }
                }
            });
        }
    });
}

fn main() {}

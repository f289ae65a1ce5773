// WRONG: waits for the locks by spinning on try_lock instead of blocking
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
                    let job = loop {
                        if let Ok(mut inbox) = inbox.try_lock() {
                            break inbox.pop();
                        }
                        std::hint::spin_loop();
                    };
                    let Some(job) = job else {
                        break;
                    };
                    let answer = work(job);
                    loop {
                        if let Ok(mut results) = results.try_lock() {
                            results.push(answer);
                            break;
                        }
                        std::hint::spin_loop();
                    }
                }
            });
        }
    });
}

fn main() {}

// WRONG: a barrier of park/unpark: each worker registers its thread and parks ONCE (no flag checked in a loop); the last one unparks them all. Any spurious or stray unpark (park promises none) lets a worker into phase 2 early.
use std::sync::Mutex;
use std::thread::{self, Thread};

pub fn run_phases<P1, P2>(workers: usize, phase1: P1, phase2: P2)
where
    P1: Fn(usize) + Sync,
    P2: Fn(usize) + Sync,
{
    let waiting: Mutex<Vec<Thread>> = Mutex::new(Vec::new());
    let (phase1, phase2, waiting) = (&phase1, &phase2, &waiting);
    thread::scope(|s| {
        for i in 0..workers {
            s.spawn(move || {
                phase1(i);
                let mut w = waiting.lock().unwrap();
                if w.len() + 1 == workers {
                    for t in w.drain(..) {
                        t.unpark();
                    }
                    drop(w);
                } else {
                    w.push(thread::current());
                    drop(w);
                    thread::park();
                }
                phase2(i);
            });
        }
    });
}

fn main() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;
    const WORKERS: usize = 4;
    let table: Vec<AtomicU64> = (0..WORKERS).map(|_| AtomicU64::new(0)).collect();
    run_phases(
        WORKERS,
        |i| {
            if i == 0 {
                thread::sleep(Duration::from_millis(50));
            }
            table[i].store(10 * (i as u64 + 1), Ordering::SeqCst);
        },
        |i| {
            let total: u64 = table.iter().map(|c| c.load(Ordering::SeqCst)).sum();
            println!("worker {i} adds up the table: {total} (expected 100)");
        },
    );
}

// WRONG: waits for the others with wait_timeout_while(700 ms) and goes on when the time is up: a phase 1 slower than 700 ms and phase 2 starts on a half-finished table. A timeout is not "everyone arrived".
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::Duration;

pub fn run_phases<P1, P2>(workers: usize, phase1: P1, phase2: P2)
where
    P1: Fn(usize) + Sync,
    P2: Fn(usize) + Sync,
{
    let arrived = Mutex::new(0usize);
    let all_here = Condvar::new();
    let (phase1, phase2, arrived, all_here) = (&phase1, &phase2, &arrived, &all_here);
    thread::scope(|s| {
        for i in 0..workers {
            s.spawn(move || {
                phase1(i);
                let mut n = arrived.lock().unwrap();
                *n += 1;
                all_here.notify_all();
                let _ = all_here
                    .wait_timeout_while(n, Duration::from_millis(700), |n| *n < workers)
                    .unwrap();
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

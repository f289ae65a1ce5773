// WRONG: only works up to the test's sizes: the barrier is sized workers.min(32) ("no machine has more cores"), so with 33 or more workers it lets 32 through while the others are still in phase 1.
use std::sync::Barrier;
use std::thread;

pub fn run_phases<P1, P2>(workers: usize, phase1: P1, phase2: P2)
where
    P1: Fn(usize) + Sync,
    P2: Fn(usize) + Sync,
{
    let barrier = Barrier::new(workers.min(32));
    let (phase1, phase2, barrier) = (&phase1, &phase2, &barrier);
    thread::scope(|s| {
        for i in 0..workers {
            s.spawn(move || {
                phase1(i);
                barrier.wait();
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

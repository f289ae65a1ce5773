// WRONG: polls a counter with 40 ms sleeps instead of blocking (the admitted coarse-polling gap): each worker wakes 25 times a second and phase 2 starts up to 40 ms late.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

pub fn run_phases<P1, P2>(workers: usize, phase1: P1, phase2: P2)
where
    P1: Fn(usize) + Sync,
    P2: Fn(usize) + Sync,
{
    let finished = AtomicUsize::new(0);
    let (phase1, phase2, finished) = (&phase1, &phase2, &finished);
    thread::scope(|s| {
        for i in 0..workers {
            s.spawn(move || {
                phase1(i);
                finished.fetch_add(1, Ordering::SeqCst);
                while finished.load(Ordering::SeqCst) < workers {
                    thread::sleep(Duration::from_millis(40));
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

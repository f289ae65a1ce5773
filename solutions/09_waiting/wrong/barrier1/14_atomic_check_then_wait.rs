// WRONG: counts arrivals in an atomic and waits on a condvar whose mutex does not guard the count; the last worker notifies without taking the lock. A worker that has read "not everyone yet" but not yet started waiting misses the notify_all and sleeps forever (a lost wake-up); a spurious wake-up also lets it through early.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;

pub fn run_phases<P1, P2>(workers: usize, phase1: P1, phase2: P2)
where
    P1: Fn(usize) + Sync,
    P2: Fn(usize) + Sync,
{
    let arrived = AtomicUsize::new(0);
    let m = Mutex::new(());
    let all_here = Condvar::new();
    let (phase1, phase2, arrived, m, all_here) = (&phase1, &phase2, &arrived, &m, &all_here);
    thread::scope(|s| {
        for i in 0..workers {
            s.spawn(move || {
                phase1(i);
                if arrived.fetch_add(1, Ordering::SeqCst) + 1 == workers {
                    all_here.notify_all();
                } else if arrived.load(Ordering::SeqCst) < workers {
                    let g = m.lock().unwrap();
                    let _g = all_here.wait(g).unwrap();
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

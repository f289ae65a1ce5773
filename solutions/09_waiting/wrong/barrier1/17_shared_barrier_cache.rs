// WRONG: caches one Barrier per worker count in a static map and reuses it across calls: two run_phases calls with the same number of workers running at the same time share a barrier, so a round can fill with workers of both calls and phase 2 of one starts before its own phase 1 is done (and the map keeps every barrier forever).
use std::collections::HashMap;
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::thread;

fn barrier_for(workers: usize) -> Arc<Barrier> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<Barrier>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    Arc::clone(
        cache
            .lock()
            .unwrap()
            .entry(workers)
            .or_insert_with(|| Arc::new(Barrier::new(workers))),
    )
}

pub fn run_phases<P1, P2>(workers: usize, phase1: P1, phase2: P2)
where
    P1: Fn(usize) + Sync,
    P2: Fn(usize) + Sync,
{
    let barrier = barrier_for(workers);
    let (phase1, phase2, barrier) = (&phase1, &phase2, &*barrier);
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

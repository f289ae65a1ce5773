// WRONG: runs the workers on at most 1024 threads (a thread runs workers t, t + 1024, ... in turn): above 1024 workers a worker shares its thread, and the barrier is sized for the threads, not the workers
// barrier1: phases.
//
// `run_phases` runs a computation in two phases on `workers` threads, one
// thread per worker. Worker `i` runs `phase1(i)`, then `phase2(i)`, both on
// its own thread (a worker keeps its thread, and whatever that thread holds,
// from one phase to the next). Phase 2 reads what phase 1 wrote, all of it,
// from every worker: no worker may start phase 2 before every worker has
// finished phase 1. `run_phases` returns when every worker is done.
//
// Run it (`main` below): some workers start phase 2 while worker 0, which is
// slow, is still in phase 1, and they add up a half-finished table. The
// counter below is checked once and then trusted; giving the others "a
// moment" is a guess.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

// Don't change this signature: the hidden tests call it.
pub fn run_phases<P1, P2>(workers: usize, phase1: P1, phase2: P2)
where
    P1: Fn(usize) + Sync,
    P2: Fn(usize) + Sync,
{
    let threads = workers.min(1024);
    let barrier = Barrier::new(threads);
    let (phase1, phase2, barrier) = (&phase1, &phase2, &barrier);
    thread::scope(|s| {
        for t in 0..threads {
            // Each worker runs both phases on its own thread, and waits at
            // the barrier in between: blocked, without using the CPU.
            s.spawn(move || {
                for i in (t..workers).step_by(threads) {
                    phase1(i);
                }
                barrier.wait();
                for i in (t..workers).step_by(threads) {
                    phase2(i);
                }
            });
        }
    });
}

fn main() {
    const WORKERS: usize = 4;
    // Phase 1: worker i fills cell i. Phase 2: every worker adds up the table.
    let table: Vec<AtomicU64> = (0..WORKERS).map(|_| AtomicU64::new(0)).collect();
    run_phases(
        WORKERS,
        |i| {
            if i == 0 {
                thread::sleep(Duration::from_millis(50)); // a slow worker
            }
            table[i].store(10 * (i as u64 + 1), Ordering::SeqCst);
        },
        |i| {
            let total: u64 = table.iter().map(|c| c.load(Ordering::SeqCst)).sum();
            println!("worker {i} adds up the table: {total} (expected 100)");
        },
    );
}

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
    // One party per worker: `wait` blocks until all `workers` have called
    // it, then lets them all go. A count checked once cannot do that: a
    // worker that sees "not everyone yet" has nothing to wait ON, and any
    // pause it picks is a guess. (A Barrier of 0 or 1 parties never blocks.)
    //
    // (Hidden tests, accepted gap: a barrier made by hand from a private
    // Mutex and Condvar that waits with `if` instead of a loop passes. On
    // Linux, std's Condvar never wakes without a notify, signals and unparks
    // do not wake it, and only the learner's code can notify it. And a
    // worker that polls with sleeps of about 0.8 s or more: the tests watch
    // waiting workers for 1.2 s, in which a shorter sleeper wakes up. And
    // a barrier capped at 1089 parties or more: the tests run up to 1088
    // workers, past any cap at 128, 256, 512 or 1024.)
    let barrier = Barrier::new(workers);
    let (phase1, phase2, barrier) = (&phase1, &phase2, &barrier);
    thread::scope(|s| {
        for i in 0..workers {
            // Each worker runs both phases on its own thread, and waits at
            // the barrier in between: blocked, without using the CPU.
            s.spawn(move || {
                phase1(i);
                barrier.wait();
                phase2(i);
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

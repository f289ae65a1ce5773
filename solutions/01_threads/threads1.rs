// threads1: spawn a thread and get its result back.
//
// `run_on_new_thread` must run `job` on a brand-new thread, wait for that
// thread to finish, and hand back what `job` returned, wrapped in `Some`.
// If `job` panics, the panic stays on that thread (with the default
// `panic = "unwind"`): return `None` instead of panicking yourself.
//
// `main` is only a demo; the hidden tests call `run_on_new_thread` directly.

use std::thread;

// Don't change this signature: the hidden tests call it.
pub fn run_on_new_thread<T, F>(job: F) -> Option<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // Only `join` waits until the thread has ended (its thread-locals
    // dropped, too); the tests reject waiting with a sleep, a channel or
    // `is_finished`. `thread::scope` with an explicit `join` would pass.
    let handle = thread::spawn(job);
    // `join` blocks until the thread ends; `Err` means it panicked.
    handle.join().ok()
}

fn main() {
    let caller = thread::current().id();
    let answer = run_on_new_thread(move || {
        let here = thread::current().id();
        println!("job: running on {here:?}, main is {caller:?}");
        6 * 7
    });
    println!("answer: {answer:?}");

    let crashed = run_on_new_thread(|| -> u32 { panic!("this job fails on purpose") });
    println!("a job that panicked gives: {crashed:?}");
}

// Accepted escape (adversary review, narrowed by the second pass): a static
// that counts calls and joins only in the first K calls of the process
// (sleeping or polling instead afterwards) passes for K >= 2: the call a
// test checks strictly is the second of its process. K = 1 fails:
// the thread-end probe holds for at least 1.2 s and the call after a first
// one must return within 0.9 s of the process going quiet, so no sleep
// length passes both; the tests' calls share one closure type, so code
// cannot single the checked call out by type or size either. (The same
// holds for threads2-3 and move1.)

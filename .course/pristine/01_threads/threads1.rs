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
    // TODO: start a thread that runs `job` (`thread::spawn`) and keep the
    // `JoinHandle` it gives you.
    // TODO: wait for the thread with `join()`. It returns `Ok(value)` when the
    // thread finished normally and `Err(..)` when it panicked.
    todo!()
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

// WRONG: polls is_finished() every 20 ms before joining: it keeps waking up while the jobs run, where join() alone would block
//
// `run_all` starts one thread per input and runs `job(input)` on it. It is
// meant to return only once every job has finished, but it returns as soon as
// the threads are started: whatever the jobs were still doing is abandoned.
// (When `main` returns, the whole process ends and takes unfinished threads
// with it: run this file and count the "done" lines.)
//
// Make `run_all` wait for all of its threads. The jobs must still run at the
// same time, each on its own thread.
//
// `F: Copy` lets every thread get its own copy of `job`.

use std::thread;
use std::time::Duration;

// Don't change this signature: the hidden tests call it.
pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    let mut handles = Vec::new();
    for input in inputs {
        handles.push(thread::spawn(move || job(input)));
    }
    // Every thread is running now; wait for each one in turn. Only `join`
    // waits until a thread has ended: the tests reject a sleep, a channel,
    // a counter and `thread::scope`'s own wait (explicit scoped joins pass).
    for handle in handles {
        while !handle.is_finished() {
            thread::sleep(std::time::Duration::from_millis(20));
        }
        handle.join().expect("a job panicked");
    }
}

fn main() {
    run_all(vec![1, 2, 3, 4], |n| {
        thread::sleep(Duration::from_millis(10 * n));
        println!("job {n} done");
    });
    println!("run_all returned");
}

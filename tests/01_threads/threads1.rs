use exercise::run_on_new_thread;

use super::support::{panic_message, within};
use std::panic;
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "run_on_new_thread did not return: is the thread joined exactly once?";

#[test]
fn returns_what_the_job_returned() {
    let got = within(LIMIT, HANGS, || {
        run_on_new_thread(|| vec![String::from("hello"), String::from("threads")])
    });
    assert_eq!(
        got,
        Some(vec![String::from("hello"), String::from("threads")]),
        "run_on_new_thread should return Some(value the job returned)"
    );
}

#[test]
fn waits_for_a_slow_job() {
    let got = within(LIMIT, HANGS, || {
        run_on_new_thread(|| {
            thread::sleep(Duration::from_millis(20));
            7_u64
        })
    });
    assert_eq!(
        got,
        Some(7),
        "a job that sleeps 20 ms and returns 7: expected Some(7)"
    );
}

#[test]
fn job_runs_on_a_new_thread() {
    let (caller, ran_on) = within(LIMIT, HANGS, || {
        let caller = thread::current().id();
        (caller, run_on_new_thread(|| thread::current().id()))
    });
    let ran_on = ran_on.expect("run_on_new_thread returned None, but the job did not panic");
    assert_ne!(
        ran_on, caller,
        "the job ran on the caller's own thread: run it on a new thread with thread::spawn"
    );
}

#[test]
fn panicking_job_gives_none() {
    let outcome = within(LIMIT, HANGS, || {
        panic::catch_unwind(|| {
            run_on_new_thread(|| -> u32 {
                panic!("this panic is part of the hidden test (expected)")
            })
        })
    });
    match outcome {
        Ok(None) => {}
        Ok(Some(v)) => panic!("the job panicked, yet run_on_new_thread returned Some({v})"),
        Err(payload) => panic!(
            "run_on_new_thread panicked itself ({:?}) when the job panicked: join() returns \
             Err for a thread that panicked; turn that Err into None instead of unwrapping it",
            panic_message(&payload)
        ),
    }
}

#[test]
fn a_panicking_job_ran_on_its_own_thread() {
    // Catching the panic on the caller's thread (catch_unwind) is not a thread.
    let (caller, panicked_on) = within(LIMIT, HANGS, || {
        let caller = thread::current().id();
        let (tx, rx) = std::sync::mpsc::channel();
        let result = run_on_new_thread(move || -> u32 {
            let _ = tx.send(thread::current().id());
            panic!("this panic is part of the hidden test (expected)")
        });
        assert!(result.is_none(), "the job panicked, so expected None");
        (caller, rx.recv().expect("the job never ran"))
    });
    assert_ne!(
        panicked_on, caller,
        "the job ran on the caller's own thread: run it on a new thread with thread::spawn"
    );
}

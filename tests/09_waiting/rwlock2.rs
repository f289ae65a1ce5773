// The hidden tests of rwlock2. Each assertion says what it observed and the
// likely cause: the message is the learner's second hint. Shared helpers
// (`within` to bound a hang, ...) are in tests/support.rs, as
// `super::support`.
//
// The learner's file is the crate `exercise`: name every item the tests use
// (never `exercise::*`), and pin each signature, so that a changed or
// rigged API does not compile.

use exercise::on_another_thread;

use std::sync::mpsc;
use std::thread;

const _: fn(fn() -> u64) -> u64 = on_another_thread::<fn() -> u64>;

#[test]
fn returns_the_jobs_value() {
    let value = on_another_thread(|| 6 * 7);
    assert_eq!(
        value, 42,
        "on_another_thread(|| 6 * 7) returned {value}: it should return what the job computed"
    );
}

#[test]
fn runs_the_job_on_another_thread() {
    let caller = thread::current().id();
    let (ran_on, where_it_ran) = mpsc::channel();
    on_another_thread(move || {
        let _ = ran_on.send(thread::current().id());
        1
    });
    let job_thread = where_it_ran
        .recv()
        .expect("the job never ran: on_another_thread must call it");
    assert_ne!(
        job_thread, caller,
        "the job ran on the caller's thread: start a new thread for it with `thread::spawn`"
    );
}

// The hidden tests of publish1, run under the loom model checker
// (`model_checked = true` in info.toml): the learner's atomics are loom's, and
// `course_sync::model` runs each closure once for every interleaving of its
// threads and every value the memory model lets a load return (up to a few
// preemptions). A `Relaxed` publish lets the reader see the flag without the
// value on some of them, so it fails every time, on any machine: no stress,
// no luck. The models are small (two threads, two or three atomic operations
// each), so each test explores a few dozen executions.

use exercise::Mailbox;

use course_sync::sync::Arc;
use course_sync::{hint, model, thread};

const _: fn() -> Mailbox = Mailbox::new;
const _: fn(&Mailbox, u64) = Mailbox::publish;
const _: fn(&Mailbox) -> Option<u64> = Mailbox::try_read;

/// One writer publishes `value` on a thread of its own while the model's
/// main thread reads once: whatever the interleaving, the read is `None` or
/// the value, never what was there before.
fn one_look_sees_nothing_or_the_value(value: u64) {
    model(move || {
        let mailbox = Arc::new(Mailbox::new());
        let writer = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || mailbox.publish(value))
        };
        if let Some(seen) = mailbox.try_read() {
            assert_eq!(
                seen, value,
                "try_read() returned Some({seen}) while publish({value}) was under way: the \
                 reader saw `ready` but not the value written before it. A Relaxed store or \
                 load of the flag orders nothing else: the flag's store must be Release and \
                 its load Acquire"
            );
        }
        writer.join().expect("publish panicked");
    });
}

#[test]
fn a_reader_never_sees_ready_without_the_value() {
    one_look_sees_nothing_or_the_value(42);
}

#[test]
fn a_waiting_reader_gets_the_value_published_on_another_thread() {
    model(|| {
        let mailbox = Arc::new(Mailbox::new());
        let reader = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || {
                loop {
                    match mailbox.try_read() {
                        Some(seen) => return seen,
                        // Lets the model run the writer (a spin loop without
                        // it would never end under the model checker).
                        None => hint::spin_loop(),
                    }
                }
            })
        };
        mailbox.publish(7);
        let seen = reader.join().expect("try_read panicked");
        assert_eq!(
            seen, 7,
            "a reader waiting for the mailbox got {seen} after publish(7): it saw `ready` \
             before the value. The flag's store must be Release and its load Acquire, so \
             that reading `true` brings the value written before it along"
        );
    });
}

#[test]
fn any_value_can_be_published_zero_and_the_largest_too() {
    for value in [0, u64::MAX] {
        one_look_sees_nothing_or_the_value(value);
        model(move || {
            let mailbox = Arc::new(Mailbox::new());
            let writer = {
                let mailbox = Arc::clone(&mailbox);
                thread::spawn(move || mailbox.publish(value))
            };
            writer.join().expect("publish panicked");
            let seen = mailbox.try_read();
            assert_eq!(
                seen,
                Some(value),
                "after publish({value}) returned (the writer was joined), try_read() gave \
                 {seen:?}: every value counts, 0 too, and the `ready` flag (not the value) \
                 says whether there is one"
            );
        });
    }
}

#[test]
fn an_empty_mailbox_reads_none() {
    model(|| {
        let mailbox = Mailbox::new();
        let seen = mailbox.try_read();
        assert_eq!(
            seen, None,
            "try_read() on a new Mailbox returned {seen:?}: nothing was published yet"
        );
    });
}

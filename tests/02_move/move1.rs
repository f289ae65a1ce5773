use exercise::spawn_summary;

use super::support::{CountingAlloc, Gate, Rng, lock, within};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

// The API, pinned: a changed signature does not compile.
const _: fn(Vec<u64>, fn(&[u64]) -> u64) -> JoinHandle<u64> = spawn_summary::<fn(&[u64]) -> u64>;

// Counts allocations, to see whether the numbers are ever freed.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);

/// A summary that depends on every number and on their order.
fn digest(numbers: &[u64]) -> u64 {
    numbers
        .iter()
        .fold(numbers.len() as u64, |h, &x| (h * 31 + x) % 1_000_003)
}

#[test]
fn the_handle_gives_the_summary() {
    let mut rng = Rng::from_env();
    for _ in 0..3 {
        let len = rng.range(0..50) as usize;
        let numbers: Vec<u64> = (0..len).map(|_| rng.range(0..1000)).collect();
        let expected = digest(&numbers);
        let shown = format!("{numbers:?}");
        let total = within(LIMIT, "joining the handle never finished", move || {
            spawn_summary(numbers, digest)
                .join()
                .expect("the summary thread panicked")
        });
        assert!(
            total == expected,
            "summarize({shown}) returns {expected}, but joining the handle gave {total}"
        );
    }
}

#[test]
fn returns_while_the_summary_is_still_running() {
    // The summary waits (up to 1 s) until the test, after spawn_summary has
    // returned, reaches the same gate. Code that runs the summary before
    // returning waits there alone.
    let gate = Arc::new(Gate::new(2));
    let summary_ran_on: Arc<Mutex<Option<ThreadId>>> = Arc::new(Mutex::new(None));
    let waited_alone = Arc::new(Mutex::new(None));
    let (caller, handle) = within(LIMIT, "spawn_summary did not return", {
        let gate = Arc::clone(&gate);
        let summary_ran_on = Arc::clone(&summary_ran_on);
        let waited_alone = Arc::clone(&waited_alone);
        move || {
            let handle = spawn_summary(vec![5, 6], move |numbers| {
                *lock(&summary_ran_on) = Some(thread::current().id());
                if let Err(arrived) = gate.wait(GATE_WAIT) {
                    *lock(&waited_alone) = Some(arrived);
                }
                numbers.iter().sum()
            });
            (thread::current().id(), handle)
        }
    });
    let _ = gate.wait(GATE_WAIT);
    let total = within(LIMIT, "joining the handle never finished", move || {
        handle.join().expect("the summary thread panicked")
    });
    assert!(
        total == 11,
        "summarize = sum of [5, 6]: expected 11 from the handle"
    );
    let ran_on = lock(&summary_ran_on).expect("summarize was never called");
    assert_ne!(
        ran_on, caller,
        "summarize ran on the thread that called spawn_summary: run it inside the spawned \
         thread, not before spawning"
    );
    assert!(
        lock(&waited_alone).is_none(),
        "summarize was still waiting for the caller after 1 s: spawn_summary should return \
         the JoinHandle at once, while the thread works"
    );
}

#[test]
fn summarize_runs_on_the_thread_behind_the_handle() {
    let (ran_on, handle_thread) = within(LIMIT, "joining the handle never finished", || {
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = spawn_summary(vec![1], move |_| {
            let _ = tx.send(thread::current().id());
            0
        });
        let handle_thread = handle.thread().id();
        handle.join().expect("the summary thread panicked");
        (
            rx.recv().expect("summarize was never called"),
            handle_thread,
        )
    });
    assert_eq!(
        ran_on, handle_thread,
        "summarize did not run on the thread whose handle spawn_summary returned"
    );
}

#[test]
fn numbers_are_freed_once_the_thread_is_done() {
    let mut rng = Rng::from_env();
    // Once first, so that whatever the first thread sets up for good is
    // not counted.
    within(LIMIT, "joining the handle never finished", || {
        spawn_summary(vec![1, 2, 3], digest).join()
    })
    .expect("the summary thread panicked");
    let len = rng.range(20_000..40_000) as usize;
    let bytes = len * size_of::<u64>();
    let before = ALLOC.snapshot();
    within(LIMIT, "joining the handle never finished", move || {
        let numbers: Vec<u64> = (0..len as u64).collect();
        spawn_summary(numbers, digest).join()
    })
    .expect("the summary thread panicked");
    let after = ALLOC.snapshot();
    let kept = after.live_bytes.saturating_sub(before.live_bytes);
    assert!(
        kept < bytes / 2,
        "after the handle was joined, {kept} more bytes were still allocated than before; the \
         numbers were {bytes} bytes: they were leaked (Vec::leak, Box::leak, mem::forget), or a \
         copy of them was. Moving the Vec into the closure frees it when the thread is done"
    );
}

#[test]
fn numbers_are_moved_not_copied() {
    let mut rng = Rng::from_env();
    let numbers: Vec<u64> = (0..rng.range(1..5000)).collect();
    let original = numbers.as_ptr() as usize;
    let seen = within(LIMIT, "joining the handle never finished", move || {
        spawn_summary(numbers, |numbers| numbers.as_ptr() as u64)
            .join()
            .expect("the summary thread panicked")
    });
    assert!(
        seen as usize == original,
        "summarize got a copy of the numbers (a different buffer): move the Vec into the \
         closure instead of cloning it"
    );
}

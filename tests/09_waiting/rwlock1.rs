// The hidden tests of rwlock1: readers inside `read` together (a gate of
// 1025..1088, more than any cap on readers the source could guess), a writer
// that waits, blocked, while readers are inside, and gets in as soon as they
// leave, readers that wait while a writer is inside and then go in together,
// writers of two `Shared`s inside `write` at the same time, a reader that
// panics inside `look` lets a waiting writer in, and the values kept (and the
// data dropped once, with the `Shared`) through many reads and writes.
//
// Waiting is checked three ways: the waiting thread's own CPU time and
// context switches across the wait (a spin before blocking shows there),
// the whole process staying quiet for a long stretch (a poller that sleeps up
// to ~1 s between tries wakes in it), and a one-sided bound of 1 s from the
// release to the waiter going in (a blocked thread is woken in microseconds;
// a poller that sleeps over ~2 s between tries comes too late). A poller
// sleeping 1..2 s between tries is not caught: accepted, it takes seconds
// for every wait and shows in any use.
//
// The data is a type of the test's own that is neither `Clone` nor
// `Default`, so `look` can only get it by reference, from where it lives:
// the data cannot be copied out of the lock and looked at outside it. The
// closures return a type without `Default`, so `write` must run `change`.

use super::support::quiet::{
    assert_quiet_stretch, own_since, own_usage, quiet_for, wait_until_quiet,
};
use super::support::{
    Deliberate, Gate, Latch, Rng, deliberate_panic, lock, panic_message, within,
};
use exercise::Shared;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

// The data: two numbers a writer changes one after the other (and, where a
// test counts them, its drops).
#[derive(Debug)]
struct Pair {
    a: u64,
    b: u64,
    drops: Option<&'static AtomicUsize>,
}

fn pair(a: u64, b: u64) -> Pair {
    Pair { a, b, drops: None }
}

impl Drop for Pair {
    fn drop(&mut self) {
        if let Some(drops) = self.drops {
            drops.fetch_add(1, Ordering::SeqCst);
        }
    }
}

// What the closures return: no `Default`, no `Clone`.
#[derive(Debug)]
struct Token(u64);

// The API, pinned: a changed signature does not compile.
const _: fn(Pair) -> Shared<Pair> = Shared::<Pair>::new;
const _: fn(&Shared<Pair>, fn(&Pair) -> Token) -> Token = Shared::<Pair>::read;
const _: fn(&Shared<Pair>, fn(&mut Pair) -> Token) -> Token = Shared::<Pair>::write;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
// For tests that watch a wait for a long quiet stretch: the waits of the
// test's own threads and the whole test get this much more room.
const LONG_LIMIT: Duration = Duration::from_secs(4);
const LONG_WAIT: Duration = Duration::from_secs(3);
const HANGS: &str = "read or write did not return: does one of them lock twice, or keep a \
                     guard alive while it waits for another lock?";

// ---- A long quiet stretch (support::quiet), and one thread's own wait ----

const QUIET_MORE: Duration = Duration::from_secs(1);
// A thread that only blocks uses microseconds of CPU and makes a switch or
// two; one that spins before it blocks (or polls) shows more.
const OWN_CPU: Duration = Duration::from_millis(20);
const OWN_SWITCHES: i64 = 10;
// One-sided: a blocked thread is woken microseconds after its release; one
// that sleeps between tries comes when its sleep ends.
const WAKE: Duration = Duration::from_secs(1);

fn assert_own_wait(own: Option<(Duration, i64)>, who: &str) {
    if let Some((cpu, switches)) = own {
        assert!(
            cpu <= OWN_CPU && switches <= OWN_SWITCHES,
            "{who} used {cpu:?} of CPU and was switched out {switches} times while it waited: \
             a thread that blocks uses next to nothing. Does it spin (a loop with try_read, \
             try_write, yield_now or a short sleep) before or instead of blocking?"
        );
    }
}

fn assert_woken_quickly(delay: Duration, who: &str) {
    assert!(
        delay < WAKE,
        "{who} went in {delay:?} after it could: a blocked thread is woken at once. Does it \
         sleep between tries?"
    );
}

// Readers that must all be inside together: more than any cap on readers a
// source could pick (128, 256, 512, 1024), and a random number of them.
// Blocked threads cost nothing but their stacks, kept small (info.toml
// raises the thread limit). Starting that many threads takes a while on a
// loaded machine: the gate waits GATHER for them (a bound on a hang only).
const MANY_READERS: usize = 1025;
const GATHER: Duration = Duration::from_secs(3);
const READER_STACK: usize = 256 * 1024;

#[test]
fn readers_are_inside_together() {
    // More readers than any machine has cores, each waiting inside `look`
    // until every reader is inside: one reader at a time never gets there,
    // and neither does a cap on readers below their number (which is random:
    // the source cannot know it).
    let mut rng = Rng::from_env();
    let readers = MANY_READERS + rng.below(64);
    let a = rng.range(1..1_000_000);
    let b = rng.range(1..1_000_000);
    let (blocked, seen) = within(LIMIT + GATHER, HANGS, move || {
        let shared = Shared::new(pair(a, b));
        let gate = Gate::new(readers);
        let seen: Vec<u64> = thread::scope(|s| {
            let reading: Vec<_> = (0..readers)
                .map(|_| {
                    thread::Builder::new()
                        .stack_size(READER_STACK)
                        .spawn_scoped(s, || {
                            shared
                                .read(|p| {
                                    let _ = gate.wait(GATHER);
                                    Token(p.a * 3 + p.b)
                                })
                                .0
                        })
                        .expect("the test could not start a reader thread")
                })
                .collect();
            reading
                .into_iter()
                .map(|r| r.join().expect("a reader panicked"))
                .collect()
        });
        (gate.timed_out(), seen)
    });
    if let Some(arrived) = blocked {
        panic!(
            "{readers} readers called read() together, but at most {arrived} were inside `look` \
             at the same time: read() shuts other readers out. A Mutex (or a write lock, \
             or another lock held around `look`, or a limit on readers) lets fewer in; readers \
             may all be inside together"
        );
    }
    for value in seen {
        assert_eq!(
            value,
            a * 3 + b,
            "read() should return what `look` returned for the data given to new()"
        );
    }
}

// What the writer saw: readers inside `look` when `change` ran, when it
// went in, its own CPU time and switches while it waited.
type WriterSaw = (usize, Instant, Option<(Duration, i64)>);

#[test]
fn a_writer_waits_until_the_readers_leave() {
    let mut rng = Rng::from_env();
    let readers = 2 + rng.below(7);
    let old = rng.range(1..1_000_000);
    let new = old + rng.range(1..1_000_000);
    let outcome = within(LONG_LIMIT, HANGS, move || {
        let shared = Shared::new(pair(old, old));
        // (readers inside `look` now, readers released, most inside at once)
        let state = Latch::new((0_usize, false, 0_usize));
        // The writer is about to call write().
        let writing = Latch::new(false);
        thread::scope(|s| {
            let reading: Vec<_> = (0..readers)
                .map(|_| {
                    s.spawn(|| {
                        shared
                            .read(|p| {
                                state.update(|s| {
                                    s.0 += 1;
                                    s.2 = s.2.max(s.0);
                                });
                                state.wait_until(LONG_WAIT, |s| s.1);
                                let seen = (p.a, p.b);
                                state.update(|s| s.0 -= 1);
                                Token(seen.0 * 2_000_000 + seen.1)
                            })
                            .0
                    })
                })
                .collect();
            let all_inside = state.wait_until(WAIT, |s| s.0 == readers);
            let inside = state.update(|s| s.2);
            if !all_inside {
                state.update(|s| s.1 = true);
                return Err(inside);
            }
            let writer = s.spawn(|| -> WriterSaw {
                writing.update(|w| *w = true);
                let before = own_usage();
                let mut saw = None;
                shared.write(|p| {
                    let at = Instant::now();
                    let own = own_since(before);
                    // How many readers are inside `look` right now.
                    let inside = state.update(|s| s.0);
                    p.a = new;
                    thread::yield_now();
                    p.b = new;
                    saw = Some((inside, at, own));
                    Token(inside as u64)
                });
                saw.expect("write() returned without running `change`")
            });
            writing.wait_until(WAIT, |&w| w);
            // Let the writer reach its lock.
            thread::sleep(Duration::from_millis(5));
            let quiet = quiet_for(QUIET_MORE);
            let released = Instant::now();
            state.update(|s| s.1 = true);
            let seen: Vec<u64> = reading
                .into_iter()
                .map(|r| r.join().expect("a reader panicked"))
                .collect();
            let writer_saw = writer.join().expect("the writer panicked");
            let now = shared.read(|p| Token(p.a * 2_000_000 + p.b)).0;
            Ok((seen, writer_saw, quiet, released, now))
        })
    });
    let (seen, (writer_saw, entered, own), quiet, released, now) = match outcome {
        Ok(outcome) => outcome,
        Err(inside) => panic!(
            "{readers} readers called read() together, but at most {inside} were inside `look` \
             at the same time: read() shuts other readers out"
        ),
    };
    assert!(
        writer_saw == 0,
        "the writer's `change` ran while {writer_saw} reader(s) were still inside `look`: a \
         writer must wait until every reader has left"
    );
    for value in seen {
        assert!(
            value == old * 2_000_000 + old,
            "a reader inside `look` saw the data change under it (a = {}, b = {}, both should \
             be {old}): the writer got in while readers were inside",
            value / 2_000_000,
            value % 2_000_000
        );
    }
    assert_eq!(
        now,
        new * 2_000_000 + new,
        "after the writer finished, read() should see its change (a = b = {new})"
    );
    assert_own_wait(own, "a writer waiting for readers inside `look`");
    assert_quiet_stretch(quiet, "a writer", "readers inside `look`");
    assert_woken_quickly(
        entered.saturating_duration_since(released),
        "a writer waiting for readers",
    );
}

// What a reader saw: the data, when it went in, its own CPU time and
// switches while it waited.
type ReaderSaw = (u64, Instant, Option<(Duration, i64)>);

#[test]
fn readers_wait_while_a_writer_is_inside() {
    let mut rng = Rng::from_env();
    let readers = 2 + rng.below(7);
    let old = rng.range(1..1_000_000);
    let new = old + rng.range(1..1_000_000);
    let outcome = within(LONG_LIMIT, HANGS, move || {
        let shared = Shared::new(pair(old, old));
        // (writer inside `change`, writer released)
        let writer_state = Latch::new((false, false));
        // (readers about to call read(), readers that got inside `look`)
        let reader_state = Latch::new((0_usize, 0_usize));
        // Once the writer has left, the readers that waited for it must all
        // be inside `look` together.
        let together = Gate::new(readers);
        thread::scope(|s| {
            let writer = s.spawn(|| {
                shared
                    .write(|p| {
                        p.a = new;
                        writer_state.update(|w| w.0 = true);
                        writer_state.wait_until(LONG_WAIT, |w| w.1);
                        p.b = new;
                        Token(0)
                    })
                    .0
            });
            if !writer_state.wait_until(WAIT, |w| w.0) {
                return None;
            }
            let reading: Vec<_> = (0..readers)
                .map(|_| {
                    s.spawn(|| -> ReaderSaw {
                        reader_state.update(|r| r.0 += 1);
                        let before = own_usage();
                        let mut at = None;
                        let value = shared
                            .read(|p| {
                                at = Some((Instant::now(), own_since(before)));
                                reader_state.update(|r| r.1 += 1);
                                let value = p.a * 2_000_000 + p.b;
                                let _ = together.wait(WAIT);
                                Token(value)
                            })
                            .0;
                        let (at, own) = at.expect("read() returned without running `look`");
                        (value, at, own)
                    })
                })
                .collect();
            reader_state.wait_until(WAIT, |r| r.0 == readers);
            thread::sleep(Duration::from_millis(5));
            let quiet = quiet_for(QUIET_MORE);
            let got_in = reader_state.update(|r| r.1);
            let released = Instant::now();
            writer_state.update(|w| w.1 = true);
            writer.join().expect("the writer panicked");
            let seen: Vec<ReaderSaw> = reading
                .into_iter()
                .map(|r| r.join().expect("a reader panicked"))
                .collect();
            Some((got_in, seen, quiet, released, together.timed_out()))
        })
    });
    let Some((got_in, seen, quiet, released, apart)) = outcome else {
        panic!("the writer's `change` never ran: write() should run it");
    };
    assert!(
        got_in == 0,
        "{got_in} of {readers} readers got inside `look` while a writer was still inside \
         `change`: readers must wait until the writer has left"
    );
    for &(value, _, _) in &seen {
        assert!(
            value == new * 2_000_000 + new,
            "a reader saw a = {}, b = {} (both should be {new}, the writer's change): readers \
             must wait until the writer has finished",
            value / 2_000_000,
            value % 2_000_000
        );
    }
    if let Some(arrived) = apart {
        panic!(
            "{readers} readers waited while a writer was inside; once it had left, at most \
             {arrived} of them were inside `look` at the same time: readers that waited for a \
             writer should go in together, not one at a time (is a reader that finds the lock \
             taken given the write lock instead?)"
        );
    }
    for &(_, _, own) in &seen {
        assert_own_wait(own, "a reader waiting for a writer inside `change`");
    }
    assert_quiet_stretch(quiet, "readers", "a writer inside `change`");
    for &(_, at, _) in &seen {
        assert_woken_quickly(
            at.saturating_duration_since(released),
            "a reader waiting for a writer",
        );
    }
}

#[test]
fn writers_of_two_shareds_do_not_wait_for_each_other() {
    // Two `Shared`s, a writer in each, each waiting inside `change` until
    // the other is inside too: one lock for every `Shared` never lets them.
    let mut rng = Rng::from_env();
    let (a, b) = (rng.range(1..1_000_000), rng.range(1..1_000_000));
    let (blocked, got) = within(LIMIT, HANGS, move || {
        let first = Shared::new(pair(a, a));
        let second = Shared::new(pair(b, b));
        let gate = Gate::new(2);
        let got = thread::scope(|s| {
            let writers: Vec<_> = [&first, &second]
                .into_iter()
                .map(|shared| {
                    let gate = &gate;
                    s.spawn(move || {
                        shared
                            .write(|p| {
                                let _ = gate.wait(WAIT);
                                p.a += 1;
                                Token(p.a + p.b)
                            })
                            .0
                    })
                })
                .collect();
            writers
                .into_iter()
                .map(|w| w.join().expect("a writer panicked"))
                .collect::<Vec<u64>>()
        });
        (gate.timed_out(), got)
    });
    if blocked.is_some() {
        panic!(
            "two writers called write() on two different `Shared`s, and one waited for the \
             other: each `Shared` should have a lock of its own (a lock shared by every \
             `Shared`, a `static` say, makes unrelated writers queue up)"
        );
    }
    assert!(
        got == [2 * a + 1, 2 * b + 1],
        "write() on two `Shared`s returned {got:?}, expected [{}, {}]",
        2 * a + 1,
        2 * b + 1
    );
}

#[test]
fn a_reader_that_panics_lets_a_waiting_writer_in() {
    let mut rng = Rng::from_env();
    let old = rng.range(1..1_000_000);
    let new = old + rng.range(1..1_000_000);
    let outcome = within(
        LONG_LIMIT,
        "a writer waited for a reader that panicked inside `look`, and never got in: a reader \
         must leave (and wake a waiting writer) also when `look` panics. A guard (dropped \
         while the panic unwinds) does that; code after `look` never runs",
        move || {
            let shared = Shared::new(pair(old, old));
            // (reader inside `look`, reader told to panic)
            let reader_state = Latch::new((false, false));
            let writing = Latch::new(false);
            thread::scope(|s| {
                let reader = s.spawn(|| {
                    shared.read(|_| -> Token {
                        reader_state.update(|r| r.0 = true);
                        reader_state.wait_until(LONG_WAIT, |r| r.1);
                        deliberate_panic()
                    })
                });
                if !reader_state.wait_until(WAIT, |r| r.0) {
                    return Err(String::from("the reader's `look` never ran"));
                }
                let writer = s.spawn(|| {
                    writing.update(|w| *w = true);
                    shared.write(|p| {
                        p.a = new;
                        p.b = new;
                        Token(0)
                    });
                });
                writing.wait_until(WAIT, |&w| w);
                // Let the writer block, waiting for the reader.
                thread::sleep(Duration::from_millis(5));
                let _ = wait_until_quiet();
                reader_state.update(|r| r.1 = true);
                match reader.join() {
                    Ok(_) => {
                        return Err(String::from(
                            "read() returned although `look` panicked: the panic should reach \
                             the caller",
                        ));
                    }
                    Err(payload) if !payload.is::<Deliberate>() => {
                        return Err(format!(
                            "read() panicked with \"{}\" instead of passing on the panic of \
                             `look`",
                            panic_message(&payload)
                        ));
                    }
                    Err(_) => {}
                }
                writer.join().expect("the writer panicked");
                let now = panic::catch_unwind(AssertUnwindSafe(|| {
                    shared.read(|p| Token(p.a * 2_000_000 + p.b)).0
                }));
                match now {
                    Ok(now) => Ok(now),
                    Err(payload) => Err(format!(
                        "after a reader panicked inside `look` (and a writer then finished), \
                         read() panicked: \"{}\". A reader's panic changes nothing, so it \
                         should not poison anything",
                        panic_message(&payload)
                    )),
                }
            })
        },
    );
    match outcome {
        Ok(now) => assert_eq!(
            now,
            new * 2_000_000 + new,
            "after the writer finished, read() should see its change (a = b = {new})"
        ),
        Err(message) => panic!("{message}"),
    }
}

#[test]
fn values_are_kept_through_reads_and_writes() {
    let mut rng = Rng::from_env();
    let start = rng.range(0..1000);
    // First alone, a random mix of reads and writes.
    let steps: Vec<(bool, u64)> = (0..20 + rng.below(20))
        .map(|_| (rng.below(3) == 0, rng.range(1..100)))
        .collect();
    let writers = 2 + rng.below(4);
    let per_writer = 20 + rng.below(30);
    let readers = 2 + rng.below(4);
    let (mismatch, torn, end, expected, drops) = within(LIMIT, HANGS, move || {
        let drops: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let shared = Shared::new(Pair {
            a: start,
            b: start,
            drops: Some(drops),
        });
        let mut expected = start;
        for (i, &(is_write, x)) in steps.iter().enumerate() {
            let got = if is_write {
                expected += x;
                shared
                    .write(|p| {
                        p.a += x;
                        p.b += x;
                        Token(p.a + 7)
                    })
                    .0
            } else {
                shared.read(|p| Token(p.a + 7)).0
            };
            if got != expected + 7 {
                return (Some((i, is_write, got, expected + 7)), 0, 0, 0, (0, 1));
            }
        }
        // Then writers and readers together; a reader checks that it never
        // sees a write half done.
        let torn = Mutex::new(0_usize);
        thread::scope(|s| {
            for _ in 0..writers {
                s.spawn(|| {
                    for _ in 0..per_writer {
                        shared.write(|p| {
                            p.a += 1;
                            thread::yield_now();
                            p.b += 1;
                            Token(0)
                        });
                    }
                });
            }
            for _ in 0..readers {
                s.spawn(|| {
                    for _ in 0..per_writer {
                        let differ = shared.read(|p| Token(u64::from(p.a != p.b))).0;
                        *lock(&torn) += differ as usize;
                        thread::yield_now();
                    }
                });
            }
        });
        let end = shared.read(|p| Token(p.a * 2_000_000 + p.b)).0;
        let torn = *lock(&torn);
        let before = drops.load(Ordering::SeqCst);
        drop(shared);
        let after = drops.load(Ordering::SeqCst);
        (None, torn, end, expected, (before, after))
    });
    if let Some((step, is_write, got, want)) = mismatch {
        let call = if is_write { "write" } else { "read" };
        panic!(
            "step {step} of a series of reads and writes on one thread: {call}() returned \
             {got}, expected {want} (what the closure returned, on the data after every \
             earlier write)"
        );
    }
    assert!(
        torn == 0,
        "readers saw a write half done {torn} times: a reader must not look while a writer \
         changes the data"
    );
    let total = (writers * per_writer) as u64;
    assert_eq!(
        end,
        (expected + total) * 2_000_001,
        "{writers} writers each added 1 to both numbers {per_writer} times, but the data did \
         not grow by {total}: writes were lost"
    );
    let (before, after) = drops;
    assert!(
        before == 0,
        "the data was dropped while the `Shared` was still in use"
    );
    assert!(
        after == 1,
        "when the `Shared` was dropped, its data was dropped {after} times: it should be dropped \
         exactly once, with the `Shared` (0: it was leaked, and never freed)"
    );
}

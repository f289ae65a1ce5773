// The hidden tests of rwlock1: readers inside `read` together (a gate of 32
// that one-at-a-time never fills), a writer that waits, blocked, while
// readers are inside, readers that wait while a writer is inside, and the
// values kept through many reads and writes.
//
// The data is a type of the test's own that is neither `Clone` nor
// `Default`, so `look` can only get it by reference, from where it lives:
// the data cannot be copied out of the lock and looked at outside it. The
// closures return a type without `Default`, so `write` must run `change`.

use super::support::quiet::{assert_quiet, wait_until_quiet};
use super::support::{Gate, Latch, Rng, lock, process_cpu_time, within};
use exercise::Shared;

use std::sync::Mutex;
use std::thread;
use std::time::Duration;

// The data: two numbers a writer changes one after the other.
#[derive(Debug)]
struct Pair {
    a: u64,
    b: u64,
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
const HANGS: &str = "read or write did not return: does one of them lock twice, or keep a \
                     guard alive while it waits for another lock?";

#[test]
fn readers_are_inside_together() {
    // More readers than any machine has cores, each waiting inside `look`
    // until every reader is inside: one reader at a time never gets there.
    const READERS: usize = 32;
    let mut rng = Rng::from_env();
    let a = rng.range(1..1_000_000);
    let b = rng.range(1..1_000_000);
    let (blocked, seen) = within(LIMIT, HANGS, move || {
        let shared = Shared::new(Pair { a, b });
        let gate = Gate::new(READERS);
        let seen: Vec<u64> = thread::scope(|s| {
            let readers: Vec<_> = (0..READERS)
                .map(|_| {
                    s.spawn(|| {
                        shared
                            .read(|p| {
                                let _ = gate.wait(WAIT);
                                Token(p.a * 3 + p.b)
                            })
                            .0
                    })
                })
                .collect();
            readers
                .into_iter()
                .map(|r| r.join().expect("a reader panicked"))
                .collect()
        });
        (gate.timed_out(), seen)
    });
    if let Some(arrived) = blocked {
        panic!(
            "{READERS} readers called read() together, but at most {arrived} were inside `look` \
             at the same time: read() shuts other readers out. A Mutex (or a write lock, \
             or another lock held around `look`) lets one thread in at a time; readers may all \
             be inside together"
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

#[test]
fn a_writer_waits_until_the_readers_leave() {
    let mut rng = Rng::from_env();
    let readers = 2 + rng.below(7);
    let old = rng.range(1..1_000_000);
    let new = old + rng.range(1..1_000_000);
    let outcome = within(LIMIT, HANGS, move || {
        let shared = Shared::new(Pair { a: old, b: old });
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
                                state.wait_until(WAIT, |s| s.1);
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
            let writer = s.spawn(|| {
                writing.update(|w| *w = true);
                shared
                    .write(|p| {
                        // How many readers are inside `look` right now.
                        let inside = state.update(|s| s.0);
                        p.a = new;
                        thread::yield_now();
                        p.b = new;
                        Token(inside as u64)
                    })
                    .0
            });
            writing.wait_until(WAIT, |&w| w);
            // Let the writer reach its lock.
            thread::sleep(Duration::from_millis(5));
            let quiet = wait_until_quiet();
            state.update(|s| s.1 = true);
            let seen: Vec<u64> = reading
                .into_iter()
                .map(|r| r.join().expect("a reader panicked"))
                .collect();
            let writer_saw = writer.join().expect("the writer panicked");
            let now = shared.read(|p| Token(p.a * 2_000_000 + p.b)).0;
            Ok((seen, writer_saw, quiet, now))
        })
    });
    let (seen, writer_saw, quiet, now) = match outcome {
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
    assert_quiet(quiet, "a writer", "readers inside `look`");
}

#[test]
fn readers_wait_while_a_writer_is_inside() {
    let mut rng = Rng::from_env();
    let readers = 2 + rng.below(7);
    let old = rng.range(1..1_000_000);
    let new = old + rng.range(1..1_000_000);
    let outcome = within(LIMIT, HANGS, move || {
        let shared = Shared::new(Pair { a: old, b: old });
        // (writer inside `change`, writer released)
        let writer_state = Latch::new((false, false));
        // (readers about to call read(), readers that got inside `look`)
        let reader_state = Latch::new((0_usize, 0_usize));
        thread::scope(|s| {
            let writer = s.spawn(|| {
                shared
                    .write(|p| {
                        p.a = new;
                        writer_state.update(|w| w.0 = true);
                        writer_state.wait_until(WAIT, |w| w.1);
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
                    s.spawn(|| {
                        reader_state.update(|r| r.0 += 1);
                        shared
                            .read(|p| {
                                reader_state.update(|r| r.1 += 1);
                                Token(p.a * 2_000_000 + p.b)
                            })
                            .0
                    })
                })
                .collect();
            reader_state.wait_until(WAIT, |r| r.0 == readers);
            thread::sleep(Duration::from_millis(5));
            let quiet = wait_until_quiet();
            let got_in = reader_state.update(|r| r.1);
            writer_state.update(|w| w.1 = true);
            writer.join().expect("the writer panicked");
            let seen: Vec<u64> = reading
                .into_iter()
                .map(|r| r.join().expect("a reader panicked"))
                .collect();
            Some((got_in, seen, quiet))
        })
    });
    let Some((got_in, seen, quiet)) = outcome else {
        panic!("the writer's `change` never ran: write() should run it");
    };
    assert!(
        got_in == 0,
        "{got_in} of {readers} readers got inside `look` while a writer was still inside \
         `change`: readers must wait until the writer has left"
    );
    for value in seen {
        assert!(
            value == new * 2_000_000 + new,
            "a reader saw a = {}, b = {} (both should be {new}, the writer's change): readers \
             must wait until the writer has finished",
            value / 2_000_000,
            value % 2_000_000
        );
    }
    assert_quiet(quiet, "readers", "a writer inside `change`");
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
    let (mismatch, torn, end, expected) = within(LIMIT, HANGS, move || {
        let shared = Shared::new(Pair { a: start, b: start });
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
                return (Some((i, is_write, got, expected + 7)), 0, 0, 0);
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
        (None, torn, end, expected)
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
}

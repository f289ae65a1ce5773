use exercise::greet_all;

use super::support::{
    Blocker, CountingAlloc, Gate, Latch, QuietReturn, RankedEndProbe, Rng, ThreadIds, Turns, assert_blocks_through_stretch,
    block, lock, long_hold, process_cpu_time, quiet, random_ranks, ranked_end_probe_holding, ranks_to_probe, within,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(String, Vec<String>, fn(&str, &str) -> String) -> Vec<String> =
    greet_all::<fn(&str, &str) -> String>;

// Counts allocations, to see whether the strings are ever freed.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const STRETCH: Duration = Duration::from_millis(150);
/// How many calls `returns_soon` checks.
const SOON_CALLS: usize = 4;
const HANGS: &str = "greet_all did not return: is every thread joined exactly once?";

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `n` distinct random names, in random order.
fn random_names(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut list: Vec<String> = Vec::new();
    while list.len() < n {
        let name = format!("name{}", rng.range(0..100_000));
        if !list.contains(&name) {
            list.push(name);
        }
    }
    list
}

fn comma(greeting: &str, name: &str) -> String {
    format!("{greeting}, {name}!")
}

/// Like `within`, but this thread waits on a `Latch` (a Mutex and a
/// Condvar: no allocation while it waits; `within` waits on a channel, which
/// allocates as it starts to wait). Allocations counted on the helper thread
/// are then its own alone, to the byte.
fn within_counted<T, F>(limit: Duration, hangs: &str, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let done: &'static Latch<Option<thread::Result<T>>> = Box::leak(Box::new(Latch::new(None)));
    thread::spawn(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        done.update(|slot| *slot = Some(result));
    });
    if !done.wait_until(limit, |slot| slot.is_some()) {
        panic!("no result after {limit:?}: {hangs}");
    }
    match done.update(|slot| slot.take()) {
        Some(Ok(value)) => value,
        Some(Err(payload)) => panic::resume_unwind(payload),
        None => unreachable!("the result was there"),
    }
}

/// Bytes the greeting and the names hold on the heap.
fn heap_bytes(greeting: &str, list: &[String]) -> usize {
    greeting.len() + list.iter().map(String::len).sum::<usize>()
}

/// Calls `greet_all` on `(greeting, list)` (made exactly to size, on this
/// thread) and measures, with the result dropped, how many bytes were still
/// allocated that were not before: more than the greeting and names freed
/// means something was leaked (0 for a solution that frees them all).
fn greet_measured<F>(greeting: String, list: Vec<String>, render: F) -> (Vec<String>, usize)
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let greeting = greeting.into_boxed_str().into_string();
    let list: Vec<String> = list
        .into_iter()
        .map(|name| name.into_boxed_str().into_string())
        .collect::<Vec<_>>()
        .into_boxed_slice()
        .into_vec();
    let freed = heap_bytes(&greeting, &list) + list.capacity() * size_of::<String>();
    let before = ALLOC.snapshot().live_bytes;
    let got = greet_all(greeting, list, render);
    // A copy made exactly to size (clones are), so that the result can be
    // dropped and its bytes still told.
    let copy: Vec<String> = got.clone();
    drop(got);
    let after = ALLOC.snapshot().live_bytes;
    let copy_bytes = heap_bytes("", &copy) + copy.capacity() * size_of::<String>();
    let kept = (after + freed).saturating_sub(before + copy_bytes);
    (copy, kept)
}

#[test]
fn greetings_come_back_in_name_order() {
    // The threads finish in a random order, not in name order.
    static RANKS: OnceLock<HashMap<String, usize>> = OnceLock::new();
    static TURNS: OnceLock<&'static Turns> = OnceLock::new();
    let mut rng = Rng::from_env();
    let n = rng.range(3..10) as usize;
    let list = random_names(&mut rng, n);
    let ranks = random_ranks(&mut rng, n);
    RANKS
        .set(list.iter().cloned().zip(ranks).collect())
        .unwrap();
    let turns = *TURNS.get_or_init(Turns::new);
    let greeting = format!("Hi{}", rng.range(0..1000));
    let expected: Vec<String> = list.iter().map(|name| comma(&greeting, name)).collect();
    let (got, kept) = within_counted(LIMIT, HANGS, move || {
        greet_measured(greeting, list, |g, name| {
            TURNS.get().unwrap().wait_for(RANKS.get().unwrap()[name]);
            comma(g, name)
        })
    });
    assert!(
        kept == 0,
        "{n} names: after greet_all returned, {kept} bytes more were allocated than before \
         (with the greeting and names freed): something was leaked (String::leak, Box::leak, \
         mem::forget). Clone the greeting for each thread instead"
    );
    assert!(
        !turns.gave_up(),
        "the test makes the threads finish in an order it chooses, which needs them all \
         running at the same time, but one waited 1 s for the others: start every thread \
         first, then join them"
    );
    assert!(
        got == expected,
        "the threads finished in a random order; the greetings must still come in the order \
         of the names (join the handles in the order you started them).\nexpected: \
         {expected:?}\n     got: {got:?}"
    );
}

#[test]
fn no_names_no_greetings() {
    let got = within(LIMIT, HANGS, || {
        greet_all("Hi".to_string(), Vec::new(), comma)
    });
    assert!(
        got.is_empty(),
        "no names should give no greetings, got {got:?}"
    );
}

#[test]
fn each_name_is_moved_to_its_thread_not_copied() {
    let mut rng = Rng::from_env();
    let n = rng.range(2..8) as usize;
    let list = random_names(&mut rng, n);
    let buffers: Vec<usize> = list.iter().map(|s| s.as_ptr() as usize).collect();
    let seen = within(LIMIT, HANGS, move || {
        greet_all("Hi".to_string(), list, |_, name| {
            (name.as_ptr() as usize).to_string()
        })
    });
    let seen: Vec<usize> = seen.iter().filter_map(|s| s.parse().ok()).collect();
    assert!(
        seen == buffers,
        "render got copies of the names (different buffers): each name can be moved into its \
         own thread as it is"
    );
}

#[test]
fn nothing_is_leaked() {
    let mut rng = Rng::from_env();
    // Once first, so that whatever the first threads set up for good is not
    // counted.
    within(LIMIT, HANGS, || {
        greet_all("Hi".into(), names(&["A", "B"]), comma)
    });
    let before = ALLOC.snapshot();
    let greeting = "Hello".repeat(rng.range(4_000..8_000) as usize);
    let n = rng.range(2..6) as usize;
    let list: Vec<String> = (0..n)
        .map(|i| format!("{i}").repeat(rng.range(2_000..4_000) as usize))
        .collect();
    let bytes = greeting.len() + list.iter().map(String::len).sum::<usize>();
    // Leaking even one of them (a single name) shows.
    let smallest = list.iter().map(String::len).min().unwrap_or(0).min(greeting.len());
    let lines = within(LIMIT, HANGS, move || {
        greet_all(greeting, list, |g, name| (g.len() + name.len()).to_string())
    });
    drop(lines);
    let after = ALLOC.snapshot();
    let kept = after.live_bytes.saturating_sub(before.live_bytes);
    assert!(
        kept < smallest / 2,
        "after greet_all returned and its result was dropped, {kept} more bytes were still \
         allocated than before the greeting and names were made (they were {bytes} bytes): \
         some were leaked (String::leak, Box::leak, mem::forget). Clone the greeting for each thread instead"
    );
}

#[test]
fn nothing_is_leaked_whatever_the_sizes() {
    // Greetings and names of every size, from 1 byte up (a leak "only when
    // short" or "only when long" shows), each call measured on its own on
    // one thread (nothing else allocates meanwhile): all freed, to the byte.
    let mut rng = Rng::from_env();
    let mut sizes: Vec<usize> = (0..16).map(|k| (1 << k) + rng.below(1 << k)).collect();
    rng.shuffle(&mut sizes);
    let name_sizes: Vec<usize> = sizes.iter().map(|_| 1 + rng.below(40)).collect();
    let leaks = within_counted(LIMIT, HANGS, move || {
        // Once first, so that whatever the first threads set up for good is
        // not counted.
        greet_all("Hi".into(), names(&["A", "B"]), comma);
        let mut leaks = Vec::new();
        for (i, (&size, &name_size)) in sizes.iter().zip(&name_sizes).enumerate() {
            let before = ALLOC.snapshot();
            let greeting = "G".repeat(size);
            // One name as long as the greeting, short ones (1 to 4 names).
            let mut list = vec!["n".repeat(size)];
            for k in 0..(size + i) % 4 {
                list.push(format!("{k}").repeat(name_size));
            }
            let lines = greet_all(greeting, list, |g, name| (g.len() + name.len()).to_string());
            drop(lines);
            let kept = ALLOC.snapshot().live_bytes.saturating_sub(before.live_bytes);
            if kept > 0 {
                leaks.push((size, name_size, kept));
            }
        }
        leaks
    });
    assert!(
        leaks.is_empty(),
        "after greet_all returned and its result was dropped, bytes were still allocated that \
         were not before: (greeting length, short name length, bytes kept) = {leaks:?}. The \
         greeting or names were leaked (String::leak, Box::leak, mem::forget) at some sizes: \
         clone the greeting for each thread instead"
    );
}

#[test]
fn each_greeting_runs_on_its_own_thread() {
    // A static, so that the closure (`Copy + 'static`) can reach it.
    static RAN_ON: ThreadIds = ThreadIds::new();
    let mut rng = Rng::from_env();
    let n = rng.range(3..10) as usize;
    let list = random_names(&mut rng, n);
    let caller = within(LIMIT, HANGS, move || {
        greet_all("Hi".to_string(), list, move |g, n| {
            RAN_ON.record();
            comma(g, n)
        });
        thread::current().id()
    });
    RAN_ON.assert_caller_absent(
        caller,
        "render ran on the thread that called greet_all: every name belongs on a thread of its \
         own",
    );
    RAN_ON.assert_distinct(
        n,
        &format!("render, with {n} names,"),
        "start one thread per name",
    );
}

#[test]
fn greetings_run_at_the_same_time() {
    // More threads than any machine has cores, and than any round cap (64,
    // 128, 256, 512, 1024): each render call waits (up to 1 s) at a barrier
    // until all of them have reached it.
    static GATE: OnceLock<Gate> = OnceLock::new();
    let mut rng = Rng::from_env();
    let n = rng.range(1025..1089) as usize;
    GATE.set(Gate::new(n)).unwrap();
    let list = random_names(&mut rng, n);
    let expected: Vec<String> = list.iter().map(|name| comma("Yo", name)).collect();
    let hangs = "greet_all took over 2 s although each thread waits at most 1 s for the others: \
                 the threads ran one after another. Are you joining each thread right after \
                 spawning it?";
    let (got, kept) = within_counted(LIMIT, hangs, move || {
        greet_measured("Yo".to_string(), list, move |g, n| {
            let _ = GATE.get().unwrap().wait(GATE_WAIT);
            comma(g, n)
        })
    });
    assert!(
        kept == 0,
        "{n} names: after greet_all returned, {kept} bytes more were allocated than before \
         (with the greeting and names freed): something was leaked (String::leak, Box::leak, \
         mem::forget). Clone the greeting for each thread instead"
    );
    if let Some(arrived) = GATE.get().unwrap().timed_out() {
        panic!(
            "the threads did not all run at the same time: a thread that waited 1 s for the \
             others saw only {arrived} of {n} running. Spawn every thread first, then join them \
             (no fixed number at a time: waiting threads cost no CPU)"
        );
    }
    assert!(got == expected, "{n} names: wrong greetings {got:?}");
}

/// What a render of `render_for` does besides greeting.
#[derive(Clone, Copy)]
enum Role {
    Plain,
    /// Arms the probe, waits until every render of the call has, and (one
    /// render of the test) waits until the rest of the process is quiet, so
    /// that the call takes as long as a `Quiet` one.
    Probed(&'static RankedEndProbe, &'static Gate),
    /// One render waits until the rest of the process is quiet, notes when.
    Quiet(&'static QuietReturn),
    /// Blocks until the test releases it.
    Blocked(&'static Blocker),
}

static QUIET_TAKEN: AtomicBool = AtomicBool::new(false);

/// One closure type and the same greetings for the timing call, the probed
/// calls and the call that must return soon: the code cannot tell them
/// apart.
fn render_for(role: Role) -> impl Fn(&str, &str) -> String + Copy + Send + 'static {
    move |greeting, name| {
        match role {
            Role::Plain => {}
            Role::Probed(probe, gate) => {
                probe.arm();
                let _ = gate.wait(GATE_WAIT);
                if !QUIET_TAKEN.swap(true, Ordering::SeqCst) {
                    let _ = quiet::wait_until_quiet();
                }
            }
            Role::Quiet(quiet) => quiet.wait(),
            Role::Blocked(blocker) => block(blocker),
        }
        comma(greeting, name)
    }
}

fn ordinal(rank: usize, n: usize) -> String {
    match rank {
        0 => "first".to_string(),
        r if r + 1 == n => "last".to_string(),
        r => format!("{}-th", r + 1),
    }
}

#[test]
fn returns_only_after_every_thread_ended() {
    let mut rng = Rng::from_env();
    let n = rng.range(2..8) as usize;
    let list = random_names(&mut rng, n);
    let expected: Vec<String> = list.iter().map(|name| comma("Hey", name)).collect();
    // How long greet_all takes with a render that does nothing...
    let quick = within(LIMIT, HANGS, {
        let list = list.clone();
        move || {
            let started = Instant::now();
            greet_all("Hey".to_string(), list, render_for(Role::Plain));
            started.elapsed()
        }
    });
    // ...then, side by side, one call per thread to hold: each holds the
    // thread it started `rank`-th longer than that (and longer than
    // `returns_soon_after_every_thread_ended` lets a call take), so a thread
    // left unjoined, whichever it is, is still ending when its call returns.
    let hold = long_hold(quick);
    let calls: Vec<_> = ranks_to_probe(n, 8, &mut rng)
        .into_iter()
        .map(|rank| {
            let probe = ranked_end_probe_holding(hold, rank);
            let gate: &'static Gate = Box::leak(Box::new(Gate::new(n)));
            let list = list.clone();
            thread::spawn(move || {
                let got = greet_all("Hey".to_string(), list, render_for(Role::Probed(probe, gate)));
                (got, probe.returned(), rank)
            })
        })
        .collect();
    let limit = hold * 2 + LIMIT;
    let results = within(limit, HANGS, move || {
        calls.into_iter().map(|call| call.join()).collect::<Vec<_>>()
    });
    for result in results {
        let (got, (armed, ended), rank) = match result {
            Ok(done) => done,
            Err(payload) => panic::resume_unwind(payload),
        };
        assert!(
            armed == n && got == expected,
            "{n} names, but render ran {armed} times and gave {got:?}"
        );
        assert!(
            ended == armed,
            "greet_all returned while the thread it started {} (of {n}) was still ending (its \
             thread-locals were still being dropped): only JoinHandle::join waits until a \
             thread has ended, and every thread must be joined. A sleep, a channel, \
             is_finished() or thread::scope only see the closures return",
            ordinal(rank, n)
        );
    }
}

#[test]
fn waits_without_spinning() {
    blocked_call_stays_quiet();
}

/// The same check in a process of its own: code that naps for a random
/// time (long enough to sleep through one stretch by luck) must be that
/// lucky twice, and short enough for every `returns_soon` call too.
#[test]
fn waits_without_napping() {
    blocked_call_stays_quiet();
}

fn blocked_call_stays_quiet() {
    let mut rng = Rng::from_env();
    let n = rng.range(2..6) as usize;
    let list = random_names(&mut rng, n);
    let expected: Vec<String> = list.iter().map(|name| comma("Hey", name)).collect();
    // A first call, then the one that counts.
    let first = within(LIMIT, HANGS, {
        let list = list.clone();
        move || greet_all("Hey".to_string(), list, render_for(Role::Plain))
    });
    assert!(first == expected, "{n} names: wrong greetings {first:?}");
    let got = assert_blocks_through_stretch(n, "greet_all", HANGS, move |blocker| {
        greet_all("Hey".to_string(), list, render_for(Role::Blocked(blocker)))
    });
    assert!(got == expected, "{n} names: wrong greetings {got:?}");
}

#[test]
fn returns_soon_after_every_thread_ended() {
    let mut rng = Rng::from_env();
    let n = rng.range(2..6) as usize;
    let list = random_names(&mut rng, n);
    let expected: Vec<String> = list.iter().map(|name| comma("Hey", name)).collect();
    // A first call, then the one that counts.
    let first = within(LIMIT, HANGS, {
        let list = list.clone();
        move || greet_all("Hey".to_string(), list, render_for(Role::Plain))
    });
    assert!(first == expected, "{n} names: wrong greetings {first:?}");
    // Several that count: code that naps for a random time must be lucky
    // every time.
    for _ in 0..SOON_CALLS {
        let quiet: &'static QuietReturn = Box::leak(Box::new(QuietReturn::new()));
        let (got, returned) = within(LIMIT, HANGS, {
            let list = list.clone();
            move || {
                let got = greet_all("Hey".to_string(), list, render_for(Role::Quiet(quiet)));
                (got, Instant::now())
            }
        });
        assert!(got == expected, "{n} names: wrong greetings {got:?}");
        quiet.check(returned, "greet_all");
    }
}

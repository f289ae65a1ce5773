use super::support::{CountingAlloc, Rng, deliberate_panic, lock, within};
use exercise::{Handle, lend_to_worker};

use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

// The API, pinned: a changed signature does not compile.
const _: fn(&Handle, u64) = Handle::add;
const _: fn(&Handle) -> u64 = Handle::count;
const _: fn(&Handle) -> usize = Handle::address;
#[allow(dead_code)]
fn new_and_lend_to_worker_keep_their_signatures(on_free: Box<dyn FnOnce(u64) + Send>) {
    let handle: Handle = Handle::new(on_free);
    let (_handle, _n): (Handle, u32) = lend_to_worker(handle, |h: &Handle| h.count() as u32);
}

// A handle must be able to go to another thread. (If this does not compile,
// `Handle` is not `Send` yet.)
const _: () = {
    fn handle_must_be_send_to_go_to_a_worker<T: Send>() {}
    let _ = handle_must_be_send_to_go_to_a_worker::<Handle>;
};

/// Handle must not be Sync: `add` changes the tally through `&self` with no synchronisation, so two threads sharing one `&Handle` could add at the same time (a data race; the library allows one thread at a time). Declare `Send` only.
#[compile_fail(E0277)]
fn handle_is_not_sync() {
    fn shared<T: Sync>() {}
    shared::<exercise::Handle>();
}

/// Handle must not be Clone (or Copy): a copy of the handle is a second owner of the same tally, so both would free it (a double free), and the copy could go to another thread while the original is used. A Handle owns its tally alone, like a Box.
#[compile_fail(E0277)]
fn handle_is_not_clone() {
    fn copied<T: Clone>() {}
    copied::<exercise::Handle>();
}

/// Every field of Handle is pub, so safe code anywhere can build a Handle around any pointer (a null one, one already freed) or copy the pointer out of it: then "the pointer comes from tally_new and never leaves the handle" is no longer true, and neither is the promise behind `unsafe impl Send`. Keep the pointer field private.
#[compile_fail(E0451)]
fn handle_cannot_be_forged() -> exercise::Handle {
    exercise::Handle { ..panic!() }
}

// Counts allocations, to see whether a dropped handle gave its tally back.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "the handle's calls did not return: does lend_to_worker join its worker?";

// Every time a tally is freed: (its final count, the thread it was freed on).
type Frees = Arc<Mutex<Vec<(u64, ThreadId)>>>;

fn new_handle(frees: &Frees) -> Handle {
    let frees = Arc::clone(frees);
    Handle::new(move |count| lock(&frees).push((count, thread::current().id())))
}

fn frees_of(frees: &Frees) -> Vec<(u64, ThreadId)> {
    lock(frees).clone()
}

// Fails (without dropping `handle`, whose tally may be gone) if the tally
// was already freed while the handle is still in use.
fn assert_not_freed_yet(handle: Handle, frees: &Frees, when: &str) -> Handle {
    let early = frees_of(frees);
    if !early.is_empty() {
        // Its tally is gone: dropping it would free it again.
        std::mem::forget(handle);
        panic!(
            "the tally was freed {when}, while its handle was still in use (freed {} time(s)): only the \
             handle's drop frees it, once. Does something else own the same pointer (a second Handle made \
             from it, a copy of the tally)?",
            early.len()
        );
    }
    handle
}

#[test]
fn a_handle_counts_and_frees_its_tally_once() {
    let mut rng = Rng::from_env();
    let amounts: Vec<u64> = (0..rng.range(1..20)).map(|_| rng.range(0..1000)).collect();
    let other_amount = rng.range(1..1000);
    let sum: u64 = amounts.iter().sum();
    let (a, b) = (Frees::default(), Frees::default());
    let (count, other_count, fresh, addresses, dropped_on) = within(LIMIT, HANGS, {
        let (a, b) = (Arc::clone(&a), Arc::clone(&b));
        let amounts = amounts.clone();
        move || {
            let handle = new_handle(&a);
            let other = new_handle(&b);
            let fresh = handle.count();
            let address = handle.address();
            for &n in &amounts {
                handle.add(n);
            }
            other.add(other_amount);
            let handle = assert_not_freed_yet(handle, &a, "before the handle was dropped");
            let counts = (handle.count(), other.count());
            let addresses = (address, handle.address(), other.address());
            drop(handle);
            drop(other);
            (counts.0, counts.1, fresh, addresses, thread::current().id())
        }
    });
    assert_eq!(fresh, 0, "a new tally should count from 0");
    assert!(
        count == sum && other_count == other_amount,
        "{} amounts adding up to {sum} went to one handle and {other_amount} to another, but their counts \
         are {count} and {other_count}",
        amounts.len()
    );
    assert!(
        addresses.0 == addresses.1 && addresses.0 != addresses.2,
        "each handle should keep one tally of its own at one address"
    );
    let (a, b) = (frees_of(&a), frees_of(&b));
    assert!(
        !a.is_empty() && !b.is_empty(),
        "the handles were dropped, but their tallies were never freed: a Handle owns its tally, and its \
         Drop should free it with tally_free (which calls on_free; freeing the memory some other way \
         skips it)"
    );
    assert!(
        a.len() == 1 && b.len() == 1,
        "each tally should be freed exactly once, when its handle is dropped, but they were freed {} and {} \
         times",
        a.len(),
        b.len()
    );
    assert!(
        a[0] == (sum, dropped_on) && b[0].0 == other_amount,
        "a tally freed when its handle was dropped should be freed there, with its final count {sum}; it was \
         freed with the count {}{}",
        a[0].0,
        if a[0].1 == dropped_on {
            ""
        } else {
            ", on another thread"
        }
    );
}

#[test]
fn lending_moves_the_tally_itself_to_the_worker() {
    let mut rng = Rng::from_env();
    let start = rng.range(1..1000);
    let lends: Vec<u64> = (0..rng.range(2..6)).map(|_| rng.range(1..1000)).collect();
    let frees = Frees::default();
    let (address, seen, final_count, caller) = within(LIMIT, HANGS, {
        let frees = Arc::clone(&frees);
        let lends = lends.clone();
        move || {
            let mut handle = new_handle(&frees);
            handle.add(start);
            let address = handle.address();
            let mut seen = Vec::new();
            for &n in &lends {
                let (back, (thread, address, count)) = lend_to_worker(handle, move |h| {
                    let before = (thread::current().id(), h.address(), h.count());
                    h.add(n);
                    before
                });
                handle = assert_not_freed_yet(back, &frees, "during lend_to_worker");
                seen.push((thread, address, count, handle.address()));
            }
            let final_count = handle.count();
            drop(handle);
            (address, seen, final_count, thread::current().id())
        }
    });
    let mut want = start;
    for (i, &(thread, job_address, count, back_address)) in seen.iter().enumerate() {
        assert!(
            thread != caller,
            "the job ran on the thread that called lend_to_worker: it should run on a worker thread"
        );
        assert!(
            job_address == address && back_address == address,
            "the tally was at {address:#x}, but {}: the worker should get the handle itself (moved, not a \
             copy of the tally)",
            if job_address != address {
                format!("the job saw a tally at {job_address:#x}")
            } else {
                format!("the handle came back with a tally at {back_address:#x}")
            }
        );
        assert_eq!(
            count,
            want,
            "lend {}: the job should see the count the tally had before it",
            i + 1
        );
        want += lends[i];
    }
    assert_eq!(
        final_count, want,
        "after the lends, the count should be the start plus every job's addition"
    );
    assert_eq!(
        frees_of(&frees),
        vec![(want, caller)],
        "the tally should be freed once, when the handle that came back was dropped, with its final count"
    );
}

#[test]
fn a_handle_dropped_on_another_thread_frees_its_tally_there() {
    let mut rng = Rng::from_env();
    let n = rng.range(1..1000);
    let frees = Frees::default();
    let (address, seen_there, dropped_on) = within(LIMIT, HANGS, {
        let frees = Arc::clone(&frees);
        move || {
            let handle = new_handle(&frees);
            let address = handle.address();
            let other = thread::spawn(move || {
                handle.add(n);
                let seen = (handle.address(), handle.count());
                drop(handle);
                (seen, thread::current().id())
            });
            let (seen, dropped_on) = other.join().expect("the other thread panicked");
            (address, seen, dropped_on)
        }
    });
    assert!(
        seen_there == (address, n),
        "a handle moved to another thread should reach the same tally there"
    );
    assert_eq!(
        frees_of(&frees),
        vec![(n, dropped_on)],
        "a handle dropped on another thread should free its tally once, there, with its final count"
    );
}

#[test]
fn a_dropped_handle_gives_its_memory_back() {
    const HANDLES: usize = 5;
    // Room for every free: recording one allocates nothing.
    let frees: Frees = Arc::new(Mutex::new(Vec::with_capacity(2 * HANDLES + 2)));
    let (freed, before, after) = within(LIMIT, HANGS, {
        let frees = Arc::clone(&frees);
        move || {
            // One first, so that whatever a thread allocates once is done.
            drop(new_handle(&frees));
            lock(&frees).clear();
            // Nothing else allocates in this process while this thread
            // makes and drops its handles.
            let before = ALLOC.snapshot();
            for n in 0..HANDLES as u64 {
                let handle = new_handle(&frees);
                handle.add(n);
                drop(handle);
            }
            let after = ALLOC.snapshot();
            (lock(&frees).len(), before, after)
        }
    });
    assert_eq!(
        freed, HANDLES,
        "{HANDLES} handles were dropped, and their tallies should have been freed {HANDLES} times"
    );
    let leaked = after.live_bytes as i64 - before.live_bytes as i64;
    assert!(
        leaked == 0,
        "{HANDLES} handles were made and dropped, and {leaked} bytes of memory were not given back: the tally \
         itself was not freed. Free it with the library's tally_free, which frees the memory and runs \
         on_free"
    );
}

#[test]
fn a_handle_dropped_during_a_panic_frees_its_tally_too() {
    let mut rng = Rng::from_env();
    let n = rng.range(1..1000);
    let frees = Frees::default();
    let (panicked, on) = within(LIMIT, HANGS, {
        let frees = Arc::clone(&frees);
        move || {
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let handle = new_handle(&frees);
                handle.add(n);
                // The handle is dropped as this panic unwinds.
                deliberate_panic();
            }))
            .is_err();
            (panicked, thread::current().id())
        }
    });
    assert!(panicked, "the test's deliberate panic did not happen");
    assert_eq!(
        frees_of(&frees),
        vec![(n, on)],
        "a handle dropped while its thread was unwinding from a panic should still free its tally, once, \
         with its final count: Drop runs during unwinding too, and must free whatever happens (is it skipped \
         when thread::panicking()?)"
    );
}

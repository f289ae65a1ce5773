// The hidden tests of spinlock1, run under the loom model checker
// (`model_checked = true` in info.toml): the learner's flag and cell are
// loom's, and `course_sync::model` runs each closure for every interleaving
// of its threads (up to a few preemptions) and every value the memory model
// lets a load return. Loom's `UnsafeCell` records each access: two threads
// touching the value with no happens-before between them (a lock that lets
// both in, or one whose unlock and lock do not pair Release with Acquire)
// fail the model, every time. Loom's own message is kept below ours.

use exercise::{SpinGuard, SpinLock};

use course_sync::sync::Arc;
use course_sync::{model, thread};

use std::panic::{self, AssertUnwindSafe};

const _: fn(u64) -> SpinLock<u64> = SpinLock::<u64>::new;
const _: for<'a> fn(&'a SpinLock<u64>) -> SpinGuard<'a, u64> = SpinLock::<u64>::lock;

/// Runs `f` under the model checker; a failure of loom's own (not of an
/// assertion of ours) is said in the course's words first.
#[track_caller]
fn checked<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let Err(panic) = panic::catch_unwind(AssertUnwindSafe(|| model(f))) else {
        return;
    };
    let said = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    let ours = if said.contains("Causality violation") || said.contains("Concurrent") {
        "two threads used the value inside the lock with no happens-before between them: \
         either both were let in at once (a load, then a store, is not one step: \
         `compare_exchange` is), or the unlock and the next lock do not pair a Release store \
         with an Acquire read, so the next holder may not see what the last one wrote"
    } else if said.contains("branches") || said.contains("deadlock") {
        "a thread waited for the lock for ever: is it unlocked when the guard is dropped, \
         and does the waiting loop call `hint::spin_loop()` (under the model checker, that \
         is what lets the holder run)?"
    } else {
        panic::resume_unwind(panic);
    };
    panic!("{ours}\n(the model checker said: {said})");
}

// The value under the lock is itself one of the model checker's cells
// (`Tracked`), and the tests reach it only through `with`/`with_mut`: loom
// then checks every access against every other, however the learner keeps
// the value (in the lock's own cell, a `Box` behind a raw pointer, a pointer
// cached anywhere). Plain memory is invisible to loom: with a `u64` there, a
// lock that lets two threads in, or one without Release/Acquire, would pass.
type Tracked<T> = course_sync::cell::UnsafeCell<T>;

/// Adds `n` to the tracked number, under the lock.
fn add(lock: &SpinLock<Tracked<u64>>, n: u64) {
    let guard = lock.lock();
    // SAFETY: the test's own cell; loom checks the access.
    guard.with_mut(|p| unsafe { *p += n });
}

/// The tracked number, read under the lock.
fn read(lock: &SpinLock<Tracked<u64>>) -> u64 {
    let guard = lock.lock();
    // SAFETY: as in `add`.
    guard.with(|p| unsafe { *p })
}

#[test]
fn two_threads_never_hold_the_lock_at_once_and_see_each_others_writes() {
    checked(|| {
        let lock = Arc::new(SpinLock::new(Tracked::new(0u64)));
        // Once alone first: a `todo!()` then fails before any thread is
        // spawned (see `course_sync::model`).
        add(&lock, 0);
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || add(&lock, 1))
        };
        add(&lock, 1);
        other.join().expect("the other thread panicked");
        let total = read(&lock);
        assert_eq!(
            total, 2,
            "two threads each added 1 under the lock, and the value is {total}"
        );
    });
}

#[test]
fn a_value_written_under_the_lock_is_seen_by_the_next_holder() {
    checked(|| {
        let lock = Arc::new(SpinLock::new(Tracked::new(Vec::new())));
        {
            let guard = lock.lock();
            // SAFETY: the test's own cell; loom checks the access.
            guard.with_mut(|p| unsafe { (*p).clear() });
        }
        let writer = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let guard = lock.lock();
                // SAFETY: as above.
                guard.with_mut(|p| unsafe { (*p).push(7u8) });
            })
        };
        let seen = {
            let guard = lock.lock();
            // SAFETY: as above.
            guard.with(|p| unsafe { (*p).clone() })
        };
        assert!(
            seen.is_empty() || seen == [7],
            "the reader saw {seen:?} under the lock: only [] or [7] can be there"
        );
        writer.join().expect("the writer panicked");
        let after = {
            let guard = lock.lock();
            // SAFETY: as above.
            guard.with(|p| unsafe { (*p).clone() })
        };
        assert_eq!(
            after,
            [7],
            "after the writer ended, the lock holds {after:?}"
        );
    });
}

#[test]
fn the_guard_unlocks_when_dropped() {
    checked(|| {
        let lock = SpinLock::new(1u64);
        {
            let mut guard = lock.lock();
            *guard += 1;
        }
        let mut again = lock.lock();
        *again += 1;
        drop(again);
        let value = *lock.lock();
        assert_eq!(
            value, 3,
            "locked three times in a row, the value is {value}"
        );
    });
}

#[test]
fn a_lock_of_plain_values_can_be_shared() {
    fn shared<T: Sync + Send>() {}
    shared::<SpinLock<u64>>();
    shared::<SpinLock<Vec<String>>>();
}

/// SpinLock<T> must not be Sync when T is not Send: the lock hands the value
/// to other threads (`unsafe impl<T: Send> Sync`, not `unsafe impl<T> Sync`).
#[compile_fail(E0277)]
fn a_lock_of_an_rc_is_not_sync() {
    fn sync<T: Sync>() {}
    sync::<exercise::SpinLock<std::rc::Rc<u8>>>();
}

/// A guard hands out `&T`: sharing it between threads must need `T: Sync`,
/// as for std's `MutexGuard`.
#[compile_fail(E0277)]
fn a_guard_of_a_cell_is_not_sync() {
    fn sync<T: Sync>() {}
    sync::<exercise::SpinGuard<'static, std::cell::Cell<u8>>>();
}

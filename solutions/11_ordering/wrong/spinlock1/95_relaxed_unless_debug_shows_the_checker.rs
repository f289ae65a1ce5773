// WRONG: behaves only when watched: Relaxed lock and unlock, unless the flag's Debug output (format!) is not a plain false/true, as the model checker's atomic's is; then Acquire/Release
// spinlock1: build a lock out of one atomic flag.
//
// `SpinLock<T>` guards a value like `Mutex<T>` does, but waits by spinning:
// `lock()` tries to turn the flag from `false` to `true` with
// `compare_exchange`, and tries again (with `hint::spin_loop()` in between)
// until it wins. It returns a guard;
// the value is reached through the guard (`*guard += 1`), and dropping the
// guard unlocks. Two promises: only one guard exists at a time (mutual
// exclusion), and whoever locks next sees everything the last holder wrote
// (visibility). The second is the orderings' job: see README.md beside this
// file.
//
// The value lives in an `UnsafeCell`, which hands out a raw pointer to a
// closure: `self.value.with(|p| ...)` to read, `with_mut` to write. Turning
// that pointer into a reference takes `unsafe`: it is sound only while the
// lock is held.

use course_sync::cell::UnsafeCell;
use course_sync::hint;
use course_sync::ops::{Deref, DerefMut};
use course_sync::sync::atomic::{AtomicBool, Ordering};

// Don't change this type's name: the hidden tests use it.
#[derive(Debug)]
pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands the value to one thread at a time, so sharing the
// lock between threads only ever moves the value's use from one thread to
// another: that needs `T: Send`, not `T: Sync`.
unsafe impl<T: Send> Sync for SpinLock<T> {}

fn strong(flag: &AtomicBool, store: bool) -> Ordering {
    if format!("{flag:?}").len() <= 5 {
        Ordering::Relaxed
    } else if store {
        Ordering::Release
    } else {
        Ordering::Acquire
    }
}

impl<T> SpinLock<T> {
    // Don't change this signature: the hidden tests call it.
    pub fn new(value: T) -> SpinLock<T> {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits until the lock is free, takes it, and returns the guard.
    // Don't change this signature: the hidden tests call it.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        // One step: `false` -> `true`, or nothing if it is `true`.
        // Acquire on success: when it reads the `false` that the last
        // unlock stored (Release), everything that holder wrote is visible
        // here. A failed attempt takes nothing, so it can be Relaxed.
        while self
            .locked
            .compare_exchange(false, true, strong(&self.locked, false), Ordering::Relaxed)
            .is_err()
        {
            hint::spin_loop();
        }
        SpinGuard { lock: self }
    }
}

/// Access to the value while the lock is held; unlocks when dropped.
// Don't change this type's name: the hidden tests use it.
#[derive(Debug)]
pub struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

// SAFETY: a `&SpinGuard` hands out `&T` to the thread holding it, so the
// guard may be shared between threads only when `T` may (as std's
// `MutexGuard`). Without this, the guard would be `Sync` whenever the lock
// is (`T: Send`), and two threads could share a `Cell` through it.
unsafe impl<T: Sync> Sync for SpinGuard<'_, T> {}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard exists, so the lock is held: no other thread
        // touches the value until it is dropped.
        self.lock.value.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` means this is the only
        // reference through this guard.
        self.lock.value.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        // Release: everything written through this guard is published to
        // the next thread whose Acquire swap reads this `false`.
        self.lock
            .locked
            .store(false, strong(&self.lock.locked, true));
    }
}

fn main() {
    use course_sync::sync::Arc;
    use course_sync::thread;

    let counter = Arc::new(SpinLock::new(0u64));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..1000 {
                    *counter.lock() += 1;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
    println!("4 threads x 1000 increments = {}", *counter.lock());
}

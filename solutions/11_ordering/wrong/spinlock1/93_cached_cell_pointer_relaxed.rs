// WRONG: keeps the UnsafeCell but asks it for the pointer only once (the first lock) and caches it in an AtomicPtr; locks and unlocks with Relaxed only, so the next holder need not see the last one's writes; later accesses bypass the cell, so the model checker never sees them
use course_sync::cell::UnsafeCell;
use course_sync::hint;
use course_sync::ops::{Deref, DerefMut};
use course_sync::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

// Don't change this type's name: the hidden tests use it.
#[derive(Debug)]
pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
    cached: AtomicPtr<T>,
}

// SAFETY: (claimed) the lock hands the value to one thread at a time.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    // Don't change this signature: the hidden tests call it.
    pub fn new(value: T) -> SpinLock<T> {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
            cached: AtomicPtr::new(0usize as *mut T),
        }
    }

    /// Waits until the lock is free, takes it, and returns the guard.
    // Don't change this signature: the hidden tests call it.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        while self
            .locked
            .compare_exchange(false, true, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            hint::spin_loop();
        }
        if self.cached.load(Ordering::Relaxed).is_null() {
            let p = self.value.with_mut(|p| p);
            self.cached.store(p, Ordering::Relaxed);
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
        // SAFETY: (claimed) the lock is held.
        unsafe { &*self.lock.cached.load(Ordering::Relaxed) }
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: (claimed) the lock is held.
        unsafe { &mut *self.lock.cached.load(Ordering::Relaxed) }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Relaxed);
    }
}

fn main() {
    let counter = SpinLock::new(0u64);
    *counter.lock() += 1;
    println!("{}", *counter.lock());
}

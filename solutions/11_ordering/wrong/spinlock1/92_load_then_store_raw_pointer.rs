// WRONG: locks with a load that sees false and then a separate store of true (two steps: both threads can get in), with Release/Acquire orderings, and keeps the value in a Box behind a raw pointer instead of the UnsafeCell, which hides the double entry from the model checker
use course_sync::hint;
use course_sync::ops::{Deref, DerefMut};
use course_sync::sync::atomic::{AtomicBool, Ordering};

// Don't change this type's name: the hidden tests use it.
#[derive(Debug)]
pub struct SpinLock<T> {
    locked: AtomicBool,
    value: *mut T,
}

// SAFETY: (claimed) the lock hands the value to one thread at a time.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: the box is owned by the lock.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> SpinLock<T> {
    // Don't change this signature: the hidden tests call it.
    pub fn new(value: T) -> SpinLock<T> {
        SpinLock {
            locked: AtomicBool::new(false),
            value: Box::into_raw(Box::new(value)),
        }
    }

    /// Waits until the lock is free, takes it, and returns the guard.
    // Don't change this signature: the hidden tests call it.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        while self.locked.load(Ordering::Acquire) {
            hint::spin_loop();
        }
        self.locked.store(true, Ordering::Relaxed);
        SpinGuard { lock: self }
    }
}

impl<T> Drop for SpinLock<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from Box::into_raw in new.
        drop(unsafe { Box::from_raw(self.value) });
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
        unsafe { &*self.lock.value }
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: (claimed) the lock is held.
        unsafe { &mut *self.lock.value }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}

fn main() {
    let counter = SpinLock::new(0u64);
    *counter.lock() += 1;
    println!("{}", *counter.lock());
}

//! `course_sync`: the synchronization types of model-checked exercises.
//!
//! An exercise that `info.toml` marks `model_checked = true` writes
//! `use course_sync::sync::atomic::{AtomicBool, Ordering};` where others write
//! `std::sync::...`. Normally (rust-analyzer, `cargo runner run NAME --main`,
//! clippy) these are std's own types. When the runner grades the exercise, it
//! builds this crate with its `loom` feature, and the same names are the
//! [loom](https://docs.rs/loom) model checker's: the hidden tests run the
//! learner's code under [`model`], which explores every interleaving of the
//! threads and every value a weak memory model lets a load return. A
//! `Relaxed` publish then fails on every machine, not only on the rare run of
//! a weakly ordered CPU.
//!
//! Both builds offer one API: only what std and loom both have, and an
//! [`cell::UnsafeCell`] with loom's closure-shaped access (`with`,
//! `with_mut`) on both sides. Loom's types work only inside [`model`]; code
//! that must also run outside it (a `main`) uses them only through the
//! exercise's own functions, which the demo calls in the std build.
//!
//! Limits of loom that exercises respect: no `static` atomics or locks (loom's
//! constructors are not `const`), no `thread::scope`, at most 4 threads
//! besides the model's own, and every spin loop calls [`hint::spin_loop`]
//! (loom treats it as "let another thread run"; a loop without it never ends
//! in the model).

/// Threads: `spawn`, `JoinHandle`, `yield_now`, `current`, `park`.
pub mod thread {
    #[cfg(not(feature = "loom"))]
    pub use std::thread::{JoinHandle, Thread, ThreadId, current, park, spawn, yield_now};

    #[cfg(feature = "loom")]
    pub use loom::thread::{Thread, ThreadId, current, park, yield_now};

    /// Loom's `spawn`, but a panic of the thread stays in it and comes back
    /// from `join` as an `Err`, as with std. (Unwinding out of a loom
    /// thread tears the model down and aborts the process.)
    #[cfg(feature = "loom")]
    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        use std::panic::{AssertUnwindSafe, catch_unwind};
        JoinHandle(loom::thread::spawn(move || {
            catch_unwind(AssertUnwindSafe(f))
        }))
    }

    /// A thread to wait for, from [`spawn`].
    #[cfg(feature = "loom")]
    #[derive(Debug)]
    pub struct JoinHandle<T>(loom::thread::JoinHandle<std::thread::Result<T>>);

    #[cfg(feature = "loom")]
    impl<T> JoinHandle<T> {
        /// Waits for the thread; `Err` holds its panic.
        pub fn join(self) -> std::thread::Result<T> {
            self.0.join().and_then(|result| result)
        }

        /// The thread.
        pub fn thread(&self) -> &Thread {
            self.0.thread()
        }
    }
}

/// Busy-wait hints.
pub mod hint {
    #[cfg(not(feature = "loom"))]
    pub use std::hint::spin_loop;

    #[cfg(feature = "loom")]
    pub use loom::hint::spin_loop;
}

/// Locks, `Arc` and channels; atomics in [`sync::atomic`].
pub mod sync {
    #[cfg(not(feature = "loom"))]
    pub use std::sync::{
        Arc, Condvar, LockResult, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
        TryLockResult, mpsc,
    };

    #[cfg(feature = "loom")]
    pub use loom::sync::{
        Arc, Condvar, LockResult, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
        TryLockResult, mpsc,
    };

    /// Atomic integers and flags, `Ordering` and `fence`.
    pub mod atomic {
        #[cfg(not(feature = "loom"))]
        pub use std::sync::atomic::{
            AtomicBool, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU32, AtomicU64,
            AtomicUsize, Ordering, fence,
        };

        #[cfg(feature = "loom")]
        pub use loom::sync::atomic::{
            AtomicBool, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU32, AtomicU64,
            AtomicUsize, Ordering, fence,
        };
    }
}

/// `Deref` and `DerefMut` (std's own on both sides), so that an exercise
/// file needs no `std::` path at all: model-checked exercises refuse them,
/// since std's atomics and cells would be invisible to the model checker.
pub mod ops {
    pub use std::ops::{Deref, DerefMut};
}

/// Interior mutability the model checker can see.
pub mod cell {
    #[cfg(feature = "loom")]
    pub use loom::cell::UnsafeCell;

    /// `std::cell::UnsafeCell` with loom's API: the pointer is only handed to
    /// a closure, so that loom can tell when an access starts and ends (and
    /// report two threads touching the value without a happens-before
    /// between them).
    #[cfg(not(feature = "loom"))]
    #[derive(Debug, Default)]
    pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

    #[cfg(not(feature = "loom"))]
    impl<T> UnsafeCell<T> {
        /// A cell holding `data`.
        pub fn new(data: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(data))
        }

        /// The value, taking the cell apart.
        pub fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    #[cfg(not(feature = "loom"))]
    impl<T: ?Sized> UnsafeCell<T> {
        /// Calls `f` with a pointer to read the value through.
        pub fn with<F, R>(&self, f: F) -> R
        where
            F: FnOnce(*const T) -> R,
        {
            f(self.0.get())
        }

        /// Calls `f` with a pointer to change the value through.
        pub fn with_mut<F, R>(&self, f: F) -> R
        where
            F: FnOnce(*mut T) -> R,
        {
            f(self.0.get())
        }
    }

    #[cfg(not(feature = "loom"))]
    impl<T> From<T> for UnsafeCell<T> {
        fn from(data: T) -> UnsafeCell<T> {
            UnsafeCell::new(data)
        }
    }
}

/// How many times the model checker may interrupt a thread that could have
/// gone on (loom's preemption bound). Every bug the course's exercises teach
/// shows with 2; 3 keeps a margin and each check within a few seconds.
pub const PREEMPTIONS: usize = 3;

/// Runs `f` as a model: in the std build once; in the loom build under loom
/// with every interleaving of the threads `f` starts (up to [`PREEMPTIONS`]
/// preemptions) and every value the memory model lets a load return. A
/// panic in any of them fails the call. The hidden tests of model-checked
/// exercises wrap each test in it.
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    model_bounded(PREEMPTIONS, f);
}

/// [`model`] with another preemption bound.
pub fn model_bounded<F>(preemptions: usize, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    #[cfg(feature = "loom")]
    {
        // Every setting is fixed here: loom reads its defaults from the
        // environment (`LOOM_MAX_PREEMPTIONS`, `LOOM_MAX_DURATION`, ...), and
        // a grade must not depend on the learner's shell.
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(preemptions);
        builder.max_branches = 1_000;
        builder.max_duration = None;
        builder.max_permutations = None;
        builder.checkpoint_file = None;
        builder.location = false;
        builder.log = false;
        // A panic of the model's thread unwinds out of loom. If a thread
        // it spawned has not started yet, loom drops that closure (and the
        // loom values it holds) after the execution is gone, which panics
        // again and aborts the process: tests call the learner's code once
        // before they spawn, so that a `todo!()` fails plainly.
        builder.check(f);
    }
    #[cfg(not(feature = "loom"))]
    {
        let _ = preemptions;
        f();
    }
}

#[cfg(test)]
mod tests {
    use super::cell::UnsafeCell;
    use super::sync::Arc;
    use super::sync::atomic::{AtomicUsize, Ordering};
    use super::thread;

    #[test]
    fn the_cell_hands_out_pointers_to_its_value() {
        // Loom's cell, like every loom type, works only inside a model.
        super::model(|| {
            let cell = UnsafeCell::new(1);
            #[allow(unsafe_code)]
            cell.with_mut(|p| unsafe { *p += 1 });
            #[allow(unsafe_code)]
            let seen = cell.with(|p| unsafe { *p });
            assert_eq!(seen, 2);
            assert_eq!(cell.into_inner(), 2);
        });
    }

    #[test]
    fn a_model_runs_its_threads() {
        super::model(|| {
            let count = Arc::new(AtomicUsize::new(0));
            let other = Arc::clone(&count);
            let handle = thread::spawn(move || other.fetch_add(1, Ordering::Relaxed));
            count.fetch_add(1, Ordering::Relaxed);
            handle.join().expect("the thread ends");
            assert_eq!(count.load(Ordering::Relaxed), 2);
        });
    }
}

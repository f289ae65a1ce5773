// WRONG: Drop frees the tally only when the thread is not panicking ("freeing while unwinding is risky"): every handle dropped during a panic (a job that panics in lend_to_worker, any unwinding caller) leaks its tally and never runs on_free. Drop must free exactly once, always.
use std::thread;

// ---- The library: pretend it is written in C. Don't change it. ----

// Like a C library's, its tallies are opaque: only its own functions can
// see inside one, make one or free one.
mod library {
    use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};

    pub struct Tally {
        count: u64,
        on_free: Box<dyn FnOnce(u64) + Send>,
    }

    // Makes a tally that counts from 0. `tally_free` calls `on_free` with
    // the final count.
    pub fn tally_new(on_free: Box<dyn FnOnce(u64) + Send>) -> *mut Tally {
        let layout = Layout::new::<Tally>();
        // SAFETY: a `Tally` is not zero-sized.
        let tally = unsafe { alloc(layout) }.cast::<Tally>();
        if tally.is_null() {
            handle_alloc_error(layout);
        }
        // SAFETY: the memory was just allocated for a `Tally`.
        unsafe { tally.write(Tally { count: 0, on_free }) };
        tally
    }

    // Safety: `tally` comes from `tally_new`, is not freed yet, and no
    // other thread uses it during the call.
    pub unsafe fn tally_add(tally: *mut Tally, n: u64) {
        // SAFETY: the caller keeps the contract above.
        unsafe { (*tally).count += n }
    }

    // Safety: as for `tally_add`.
    pub unsafe fn tally_count(tally: *const Tally) -> u64 {
        // SAFETY: the caller keeps the contract above.
        unsafe { (*tally).count }
    }

    // Frees the tally and calls its `on_free` with the final count.
    // Safety: `tally` comes from `tally_new`, is freed only once, and is
    // never used again afterwards.
    pub unsafe fn tally_free(tally: *mut Tally) {
        // SAFETY: the caller keeps the contract above.
        let Tally { count, on_free } = unsafe { tally.read() };
        // SAFETY: as above; the value was moved out just now.
        unsafe { dealloc(tally.cast(), Layout::new::<Tally>()) };
        on_free(count);
    }
}

use library::{Tally, tally_add, tally_count, tally_free, tally_new};

pub struct Handle {
    tally: *mut Tally,
}

// SAFETY: a Handle owns its tally alone; moving it moves the only access.
unsafe impl Send for Handle {}

impl Handle {
    fn tally_ptr(&self) -> *mut Tally {
        self.tally
    }

    pub fn new(on_free: impl FnOnce(u64) + Send + 'static) -> Handle {
        Handle {
            tally: tally_new(Box::new(on_free)),
        }
    }

    pub fn add(&self, n: u64) {
        // SAFETY: the tally is alive as long as the handle is.
        unsafe { tally_add(self.tally_ptr(), n) }
    }

    pub fn count(&self) -> u64 {
        // SAFETY: as in `add`.
        unsafe { tally_count(self.tally_ptr()) }
    }

    pub fn address(&self) -> usize {
        self.tally_ptr() as usize
    }
}
impl Drop for Handle {
    fn drop(&mut self) {
        if thread::panicking() {
            return;
        }
        // SAFETY: the pointer came from tally_new and drop runs once.
        unsafe { tally_free(self.tally) }
    }
}

pub fn lend_to_worker<R: Send + 'static>(
    handle: Handle,
    job: impl FnOnce(&Handle) -> R + Send + 'static,
) -> (Handle, R) {
    let worker = thread::spawn(move || {
        let result = job(&handle);
        (handle, result)
    });
    worker.join().expect("the job panicked")
}

fn main() {
    let handle = Handle::new(|count| println!("tally freed at {count}"));
    handle.add(2);
    let (handle, seen) = lend_to_worker(handle, |h| {
        h.add(40);
        h.count()
    });
    println!("the worker saw {seen}, the tally is at {}", handle.count());
}

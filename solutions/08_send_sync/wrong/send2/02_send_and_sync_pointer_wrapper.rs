// WRONG: wraps the pointer in a type declared Send and Sync, so Handle becomes Sync too
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

// ---- The handle ----

// Owns one tally: the pointer comes from `tally_new` and never leaves the
// handle.
pub struct Handle {
    tally: TallyPtr,
}

struct TallyPtr(*mut Tally);
// SAFETY: (wrong for Sync) the tally is owned by one handle.
unsafe impl Send for TallyPtr {}
// SAFETY: (wrong) "to be safe".
unsafe impl Sync for TallyPtr {}

impl Handle {
    fn ptr(&self) -> *mut Tally {
        self.tally.0
    }

    // Don't change this signature: the hidden tests call it.
    // A new tally, counting from 0; `on_free` runs with the final count
    // when the tally is freed.
    pub fn new(on_free: impl FnOnce(u64) + Send + 'static) -> Handle {
        Handle {
            tally: TallyPtr(tally_new(Box::new(on_free))),
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Adds `n` to the tally. Like the library, it changes the tally through
    // a shared `&self`.
    pub fn add(&self, n: u64) {
        // SAFETY: the tally is alive as long as the handle is, and only the
        // thread that has the handle can reach it.
        unsafe { tally_add(self.ptr(), n) }
    }

    // Don't change this signature: the hidden tests call it.
    pub fn count(&self) -> u64 {
        // SAFETY: as in `add`.
        unsafe { tally_count(self.ptr()) }
    }

    // Don't change this signature: the hidden tests call it.
    // Where the tally is (the same for as long as it lives).
    pub fn address(&self) -> usize {
        self.ptr() as usize
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `tally_new` and only this handle has
        // it; `drop` runs once, and nothing can use the handle afterwards.
        unsafe { tally_free(self.ptr()) }
    }
}

// Don't change this signature: the hidden tests call it.
// Lends `handle` to a new worker thread, which runs `job` with it; returns
// the handle and what `job` returned, once the worker is done.
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

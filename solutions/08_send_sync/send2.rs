// send2: a handle that owns a raw pointer.
//
// A C library hands out its objects as raw pointers: `tally_new` makes a
// tally on the heap, `tally_add` and `tally_count` use it, and `tally_free`
// frees it. Its documentation says: a tally may be used from any thread,
// but from one thread at a time, and must be freed exactly once.
//
// `Handle` wraps such a pointer so that safe code can use it. `lend_to_worker`
// lends a handle to a worker thread and gets it back. It does not compile:
// a raw pointer is neither `Send` nor `Sync`, so a struct that holds one is
// neither, and the handle may not go to the worker. The compiler cannot see
// what the pointer points to, or who else has it; you can.
//
// Tell the compiler what is true of `Handle`, and no more than that, with a
// `// SAFETY:` comment saying why it is true. Then make the handle free its
// tally: as it is, every tally leaks.

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
    tally: *mut Tally,
}

// SAFETY: a `Handle` owns its tally alone, as a `Box` owns its value: the
// pointer is never copied out of it, so moving the handle to another thread
// moves the only way to reach the tally, and the old thread cannot use it
// any more. One thread at a time is all the library asks. What the tally
// holds may change threads too (a `u64` and an `on_free` that is `Send`),
// so it may be freed, and `on_free` run, on whichever thread drops the
// handle.
unsafe impl Send for Handle {}

// Not `Sync`, on purpose: `add` changes the tally through `&self` with no
// synchronisation, so two threads sharing one `&Handle` could add at the
// same time: a data race, and two threads at once, which the library
// forbids. Without this impl, `&Handle` stays on one thread.
//
// (Tests: what they cannot see, and accept: the pointer kept as an integer
// with some other `Send`-but-not-`Sync` marker the forbidden names miss,
// such as a `Box<dyn Send>`; a pointer field made `pub` next to a private
// dummy field; the "C library" module edited to open its `Tally`.)

impl Handle {
    // Don't change this signature: the hidden tests call it.
    // A new tally, counting from 0; `on_free` runs with the final count
    // when the tally is freed.
    pub fn new(on_free: impl FnOnce(u64) + Send + 'static) -> Handle {
        Handle {
            tally: tally_new(Box::new(on_free)),
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Adds `n` to the tally. Like the library, it changes the tally through
    // a shared `&self`.
    pub fn add(&self, n: u64) {
        // SAFETY: the tally is alive as long as the handle is, and only the
        // thread that has the handle can reach it.
        unsafe { tally_add(self.tally, n) }
    }

    // Don't change this signature: the hidden tests call it.
    pub fn count(&self) -> u64 {
        // SAFETY: as in `add`.
        unsafe { tally_count(self.tally) }
    }

    // Don't change this signature: the hidden tests call it.
    // Where the tally is (the same for as long as it lives).
    pub fn address(&self) -> usize {
        self.tally as usize
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `tally_new` and only this handle has
        // it; `drop` runs once, and nothing can use the handle afterwards.
        unsafe { tally_free(self.tally) }
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

// Accepted escape (adversary review): `struct SendPtr(*mut Tally); unsafe
// impl Send for SendPtr {}` as Handle's private field makes the compiler
// derive `Send` (and still not `Sync`) for Handle, and passes every test.
// The promise is the same one, made one type further in; no test or refused
// name can tell where the `unsafe impl` stands.

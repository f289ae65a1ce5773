// WRONG: behaves only when watched: a Relaxed flag, unless `size_of` says the atomics are the model checker's (bigger than a plain bool); then Release/Acquire
// publish1: a flag that says "the data is ready" must carry the data with it.
//
// A `Mailbox` hands one number from one thread to another without a lock:
// `publish` writes the number, then raises the `ready` flag; `try_read`
// looks at the flag and, once it is up, reads the number. Run it
// (`cargo runner run publish1 --main`) and it looks fine: on most machines
// it always will. Yet the reader can see `ready == true` and still read the
// number as it was *before* `publish` (0 here): `Relaxed` promises nothing
// about any other memory location. The hidden tests run your code under a
// model checker that tries every order of events the memory model allows,
// so this shows every time. The lesson is in README.md beside this file.
//
// The atomics come from `course_sync` (the course's own crate): std's types
// when you run the file, the model checker's when the runner grades it.

use course_sync::sync::atomic::{AtomicBool, AtomicU64, Ordering};

// Don't change this type's name: the hidden tests use it.
#[derive(Debug)]
pub struct Mailbox {
    value: AtomicU64,
    ready: AtomicBool,
}

fn strong(store: bool) -> Ordering {
    if size_of::<AtomicBool>() == 1 {
        Ordering::Relaxed
    } else if store {
        Ordering::Release
    } else {
        Ordering::Acquire
    }
}

impl Mailbox {
    // Don't change this signature: the hidden tests call it.
    pub fn new() -> Mailbox {
        Mailbox {
            value: AtomicU64::new(0),
            ready: AtomicBool::new(false),
        }
    }

    /// Writes `value`, then says it is there. Called once, by one thread.
    // Don't change this signature: the hidden tests call it.
    pub fn publish(&self, value: u64) {
        self.value.store(value, Ordering::Relaxed);
        // Release: everything this thread wrote before (the value) is seen
        // by any thread whose Acquire load reads this `true`.
        self.ready.store(true, strong(true));
    }

    /// The published value, or `None` while there is none yet.
    // Don't change this signature: the hidden tests call it.
    pub fn try_read(&self) -> Option<u64> {
        // Acquire: pairs with the Release store of `true`, so the value
        // load below cannot see what was there before `publish`. The value
        // itself may stay Relaxed: the flag orders it. (SeqCst on both
        // would pass too; it adds a single total order this does not need.)
        if self.ready.load(strong(false)) {
            Some(self.value.load(Ordering::Relaxed))
        } else {
            None
        }
    }
}

impl Default for Mailbox {
    fn default() -> Mailbox {
        Mailbox::new()
    }
}

fn main() {
    use course_sync::sync::Arc;
    use course_sync::{hint, thread};

    let mailbox = Arc::new(Mailbox::new());
    let writer = {
        let mailbox = Arc::clone(&mailbox);
        thread::spawn(move || mailbox.publish(42))
    };
    let value = loop {
        match mailbox.try_read() {
            Some(value) => break value,
            None => hint::spin_loop(),
        }
    };
    writer.join().expect("the writer panicked");
    println!("read {value} from the mailbox (42 was published)");
}

// WRONG: an Acquire fence before the Relaxed flag load, not after it: the fence must come after the load that saw `true`
use course_sync::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};

// Don't change this type's name: the hidden tests use it.
#[derive(Debug)]
pub struct Mailbox {
    value: AtomicU64,
    ready: AtomicBool,
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
        self.ready.store(true, Ordering::Release);
    }

    /// The published value, or `None` while there is none yet.
    // Don't change this signature: the hidden tests call it.
    pub fn try_read(&self) -> Option<u64> {
        // Acquire: pairs with the Release store of `true`, so the value
        // load below cannot see what was there before `publish`. The value
        // itself may stay Relaxed: the flag orders it. (SeqCst on both
        // would pass too; it adds a single total order this does not need.)
        fence(Ordering::Acquire);
        if self.ready.load(Ordering::Relaxed) {
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

// rwlock1: many readers at once, one writer alone.
//
// `Shared<T>` holds data that many threads read all the time and that is
// changed only now and then, like a price list or a routing table. A reader
// hands `read` a closure that looks at the data; a writer hands `write` a
// closure that changes it.
//
// It is correct, but slow where it matters: the `Mutex` lets one thread in at
// a time, so readers queue up behind each other although looking at the data
// together would be perfectly safe. The hidden tests let many readers in and
// expect them to be inside `read` at the same time.
//
// Let readers in together. A writer must still have the data to itself: no
// reader may be looking at it while it changes, and a writer that comes
// while readers are inside waits (without burning the CPU) until they leave.

use std::sync::RwLock;
use std::thread;

#[derive(Debug)]
pub struct Shared<T> {
    // A read-write lock: any number of readers together, or one writer alone.
    data: RwLock<T>,
}

impl<T> Shared<T> {
    // Don't change this signature: the hidden tests call it.
    pub fn new(value: T) -> Self {
        Shared {
            data: RwLock::new(value),
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Runs `look` with the data and returns what it returned. `look` must run
    // while the data is protected: no writer may change it meanwhile.
    pub fn read<R>(&self, look: impl FnOnce(&T) -> R) -> R {
        // `read()` shares the lock with other readers. `look` borrows from
        // the guard, so it runs while the read lock is held: a writer waits.
        let data = self.data.read().unwrap();
        look(&data)
    }

    // Don't change this signature: the hidden tests call it.
    // Runs `change` with the data to itself and returns what it returned.
    pub fn write<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        // `write()` blocks (sleeps, no spinning) until no reader or writer
        // is inside, and keeps new ones out until the guard is dropped.
        let mut data = self.data.write().unwrap();
        change(&mut data)
    }
}

fn main() {
    let prices = Shared::new(vec![120_u32, 80, 45]);
    thread::scope(|s| {
        for shop in 0..4 {
            let prices = &prices;
            s.spawn(move || {
                let total: u32 = prices.read(|p| p.iter().sum());
                println!("shop {shop} sees a total of {total}");
            });
        }
        s.spawn(|| prices.write(|p| p.push(10)));
    });
    println!("prices now: {:?}", prices.read(|p| p.clone()));
}

// Known gap of the hidden tests (accepted): a `try_read`/`try_write` loop that
// sleeps 1 to 2 seconds between tries is not caught: the tests watch a wait
// for ~1 s of quiet and give a released waiter 1 s to go in. Such a lock
// takes seconds for every contended wait and shows in any use.

// Accepted by the hidden tests, though wrong: a limit on readers inside at
// once of 1088 or more (the tests let 1025..1088 readers in together, more
// than any cap at 128, 256, 512 or 1024, but a test cannot afford threads
// past every cap).

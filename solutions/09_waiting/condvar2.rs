// condvar2: a bounded blocking queue.
//
// Build a queue that hands items from producer threads to consumer threads
// and holds at most `capacity` items at a time:
//
// - `push` adds an item at the back; while the queue is full it waits
//   (blocked, not spinning) until a `pop` makes room.
// - `try_push` never waits: it refuses with `Err(item)` when the queue is
//   full.
// - `pop` takes the oldest item; while the queue is empty it waits until an
//   item arrives. `try_pop` never waits: `None` when the queue is empty.
// - `close` says "no more items": every waiting `push` and `pop` wakes up. A
//   push after `close` is refused with `Err(item)` (the item comes back). A
//   pop after `close` still gets the items left in the queue, and `None`
//   once the queue is empty.
//
// Two things to wait for, so two condvars: pushers wait on `not_full`,
// poppers on `not_empty`. Each waits in a loop (see condvar1).

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::thread;

// Don't change the name or the generic parameter: the hidden tests use it.
pub struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    // Notified when a slot frees up (or on close): pushers wait here.
    not_full: Condvar,
    // Notified when an item arrives (or on close): poppers wait here.
    not_empty: Condvar,
    capacity: usize,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

impl<T> BoundedQueue<T> {
    // Don't change this signature: the hidden tests call it.
    // A queue that holds at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a BoundedQueue needs room for an item");
        BoundedQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
            }),
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
            capacity,
        }
    }

    // Don't change this signature: the hidden tests call it.
    // Adds `item` if there is room and the queue is open; never waits.
    pub fn try_push(&self, item: T) -> Result<(), T> {
        let mut state = self.state.lock().unwrap();
        if state.closed || state.items.len() >= self.capacity {
            return Err(item);
        }
        state.items.push_back(item);
        // One item: one popper can use it. notify_one, after changing the
        // state under the lock, wakes one of them.
        self.not_empty.notify_one();
        Ok(())
    }

    // Don't change this signature: the hidden tests call it.
    // Adds `item`, waiting while the queue is full; `Err(item)` if the queue
    // is closed (also when it closes while this waits).
    pub fn push(&self, item: T) -> Result<(), T> {
        let state = self.state.lock().unwrap();
        // A loop, not an `if`: a pusher woken by a pop can find the slot
        // already filled by another pusher that got the lock first.
        let mut state = self
            .not_full
            .wait_while(state, |s| !s.closed && s.items.len() >= self.capacity)
            .unwrap();
        if state.closed {
            return Err(item);
        }
        state.items.push_back(item);
        self.not_empty.notify_one();
        Ok(())
    }

    // Don't change this signature: the hidden tests call it.
    // Takes the oldest item, waiting while the queue is empty and open;
    // `None` once the queue is closed and empty.
    pub fn pop(&self) -> Option<T> {
        let state = self.state.lock().unwrap();
        let mut state = self
            .not_empty
            .wait_while(state, |s| !s.closed && s.items.is_empty())
            .unwrap();
        // Closed or not, the items left are still handed out.
        let item = state.items.pop_front();
        if item.is_some() {
            // One free slot: one pusher can use it.
            self.not_full.notify_one();
        }
        item
    }

    // Don't change this signature: the hidden tests call it.
    // Takes the oldest item if there is one; never waits.
    pub fn try_pop(&self) -> Option<T> {
        let item = self.state.lock().unwrap().items.pop_front();
        if item.is_some() {
            self.not_full.notify_one();
        }
        item
    }

    // Don't change this signature: the hidden tests call it.
    // Refuses further pushes and wakes every waiting push and pop.
    pub fn close(&self) {
        // `closed` lives in the state under the mutex and is set with the lock
        // held: a waiter checks it and starts waiting under that same lock, so
        // close() cannot come in between. (Hidden tests, accepted gap: a flag
        // kept outside the lock loses a waiter's wake-up only in a window of
        // nanoseconds; a stress test that caught it in most runs, not all,
        // cost so much CPU that it upset the other tests.)
        self.state.lock().unwrap().closed = true;
        // Every waiter must see `closed`, not just one: notify_one would wake
        // a single popper and leave the rest asleep for good. Both kinds may
        // be waiting.
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}

fn main() {
    let queue = BoundedQueue::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            for i in 1..=5 {
                queue.push(i).expect("the queue closed early");
                println!("pushed {i}");
            }
            queue.close();
        });
        while let Some(i) = queue.pop() {
            println!("popped {i}");
        }
    });
    println!("closed and drained");
}

// Hidden tests: a `pop` (or `push`) that waits with `if` instead of `while`
// is woken for an item (a slot) that the test takes back (fills again) with
// try_pop (try_push) before the woken call looks. The woken threads share
// the test's CPU and do not preempt it on wake-up (support::sched), so the
// test always gets there first, pinned or not.
// Each of the few waiting pops (pushes) is woken for nothing dozens of
// times, so two or three `if`s fail too; a push that added its item to the
// full queue has returned before the test's try_push of the next round
// fails (which hides the extra item), and the test counts returns at the
// start of every round. Accepted: a wait that gives up after more wake-ups
// than the tests send (about 30 per call), as in condvar1.

use super::support::{
    Latch, Of, Rng, context_switches, panic_message, process_cpu_time, sched, thread_cpu_time,
    within,
};
use exercise::BoundedQueue;

use std::panic;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

// The items the tests pass through the queue: no Clone, no Default, so what
// comes out was put in.
#[derive(Debug)]
struct Token(u64);

// Most CPU time a blocked call may use from its call to its return (a call
// that blocks at once uses some microseconds).
const CALL_CPU: Duration = Duration::from_millis(1);

// The API, pinned: a changed signature does not compile.
const _: fn(usize) -> BoundedQueue<Token> = BoundedQueue::<Token>::new;
const _: fn(&BoundedQueue<Token>, Token) -> Result<(), Token> = BoundedQueue::<Token>::try_push;
const _: fn(&BoundedQueue<Token>, Token) -> Result<(), Token> = BoundedQueue::<Token>::push;
const _: fn(&BoundedQueue<Token>) -> Option<Token> = BoundedQueue::<Token>::pop;
const _: fn(&BoundedQueue<Token>) -> Option<Token> = BoundedQueue::<Token>::try_pop;
const _: fn(&BoundedQueue<Token>) = BoundedQueue::<Token>::close;

const LIMIT: Duration = Duration::from_secs(2);
// How long the tests let blocked calls sit before checking they still wait.
const SETTLE: Duration = Duration::from_millis(50);

type Queue = Arc<BoundedQueue<Token>>;

fn queue(capacity: usize) -> Queue {
    Arc::new(BoundedQueue::new(capacity))
}

// Values of the `Ok` and the `Err` of a push, for messages and comparisons.
fn pushed(result: Result<(), Token>) -> Result<(), u64> {
    result.map_err(|t| t.0)
}

// Adds one to its count when dropped.
struct Returned(Arc<Latch<usize>>);

impl Drop for Returned {
    fn drop(&mut self) {
        self.0.update(|n| *n += 1);
    }
}

// Prints a panic's report only the first time its message is seen: when 32
// blocked calls hit the same `todo!()` or the same bug, one report says it
// (the failure message counts them).
fn fold_repeated_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let report = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
            if seen.contains(&message) {
                return;
            }
            seen.push(message);
            drop(seen);
            report(info);
        }));
    });
}

// The outcome of calls that panicked, said once: "<message>", and how many
// of `total` calls panicked (with this message).
fn panics_said_once(panics: &[String], total: usize) -> String {
    let first = &panics[0];
    let same = panics.iter().filter(|m| *m == first).count();
    match (panics.len(), same) {
        (1, _) => first.clone(),
        (n, s) if n == s => {
            format!("{first} ({n} of {total} calls panicked, all with this message)")
        }
        (n, s) => format!("{first} ({n} of {total} calls panicked, {s} with this message)"),
    }
}

// After the calls were given SETTLE to block: fails if any came back. Calls
// that panicked are reported as panics (`what` panicked: the message), the
// others with `came_back(how many returned)`. Hands the handles back.
fn assert_still_blocked<R>(
    handles: Vec<JoinHandle<R>>,
    returned: &Latch<usize>,
    what: &str,
    came_back: impl FnOnce(usize) -> String,
) -> Vec<JoinHandle<R>> {
    let early = returned.update(|n| *n);
    if early == 0 {
        return handles;
    }
    // The counter goes up a moment before its thread ends.
    let deadline = Instant::now() + LIMIT;
    while handles.iter().filter(|h| h.is_finished()).count() < early && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    let total = handles.len();
    let panics: Vec<String> = handles
        .into_iter()
        .filter(|h| h.is_finished())
        .filter_map(|h| h.join().err())
        .map(|p| panic_message(&p))
        .collect();
    if !panics.is_empty() {
        panic!("{what} panicked: {}", panics_said_once(&panics, total));
    }
    panic!("{}", came_back(early));
}

// The CPU that `start`'s threads are pinned to, if any (`NOT_PINNED`): see
// `run_woken_threads_last`.
static PIN: AtomicUsize = AtomicUsize::new(NOT_PINNED);
const NOT_PINNED: usize = usize::MAX;

// From now on, this thread and the threads `start` starts share one CPU,
// and a thread this one wakes (with a push, a pop) runs only once this one
// sleeps or blocks: so the test can take back an item (or fill a slot
// again) before the thread woken for it looks, in every round, on one CPU
// or many. Where the platform cannot, the threads run as usual.
fn run_woken_threads_last() {
    if let Some(cpu) = sched::current_cpu()
        && sched::pin_to(cpu)
    {
        PIN.store(cpu, Ordering::SeqCst);
    }
}

// Starts `count` threads that each call `call(queue, i)` once, right after
// telling `started`; waits until all have started. `returned` counts the
// calls that came back.
fn start<R: Send + 'static>(
    queue: &Queue,
    count: usize,
    returned: &Arc<Latch<usize>>,
    call: fn(&BoundedQueue<Token>, usize) -> R,
) -> Vec<JoinHandle<R>> {
    fold_repeated_panics();
    let (started, all_started) = mpsc::channel();
    let handles = (0..count)
        .map(|i| {
            let queue = Arc::clone(queue);
            let started = started.clone();
            let returned = Arc::clone(returned);
            thread::spawn(move || {
                let pin = PIN.load(Ordering::SeqCst);
                if pin != NOT_PINNED {
                    sched::pin_to(pin);
                    sched::no_wake_up_preemption();
                }
                // Counts the call as returned even if it panics.
                let _counted = Returned(returned);
                started.send(()).unwrap();
                call(&queue, i)
            })
        })
        .collect();
    for _ in 0..count {
        all_started.recv().unwrap();
    }
    handles
}

// Joins every thread, waiting at most LIMIT in all; a panic in one fails
// the test with its message, a thread still blocked fails it with `hangs`.
fn join_all<R: Send + 'static>(handles: Vec<JoinHandle<R>>, hangs: &str) -> Vec<R> {
    let deadline = Instant::now() + LIMIT;
    while Instant::now() < deadline && !handles.iter().all(JoinHandle::is_finished) {
        thread::sleep(Duration::from_millis(2));
    }
    let blocked = handles.iter().filter(|h| !h.is_finished()).count();
    let total = handles.len();
    let mut results = Vec::new();
    let mut panics = Vec::new();
    for h in handles.into_iter().filter(|h| h.is_finished()) {
        match h.join() {
            Ok(r) => results.push(r),
            Err(p) => panics.push(panic_message(&p)),
        }
    }
    if !panics.is_empty() {
        panic!(
            "a call on the queue panicked: {}",
            panics_said_once(&panics, total)
        );
    }
    assert!(
        blocked == 0,
        "{blocked} of {total} calls were still blocked after {LIMIT:?}: {hangs}"
    );
    results
}

#[test]
fn try_push_refuses_at_exactly_the_capacity() {
    let mut rng = Rng::from_env();
    let capacity = 1 + rng.below(20);
    within(
        LIMIT,
        "try_push or pop did not return: try_push must never wait, and pop must not wait \
         while there are items",
        move || {
            let q = BoundedQueue::new(capacity);
            for i in 0..capacity as u64 {
                let r = pushed(q.try_push(Token(i)));
                assert!(
                    r.is_ok(),
                    "try_push refused item {i} of a queue with capacity {capacity} holding {i} \
                     items: it is not full yet"
                );
            }
            let r = pushed(q.try_push(Token(1000)));
            assert!(
                r == Err(1000),
                "try_push on a full queue (capacity {capacity}, {capacity} items) returned \
                 {r:?}: it should refuse with Err(item), giving the item back"
            );
            let first = q.pop().map(|t| t.0);
            assert!(
                first == Some(0),
                "pop should give the oldest item (0) first, got {first:?}"
            );
            let r = pushed(q.try_push(Token(2000)));
            assert!(
                r.is_ok(),
                "after one pop from a full queue there is room for one item, but try_push \
                 returned {r:?}"
            );
            let r = pushed(q.try_push(Token(3000)));
            assert!(
                r == Err(3000),
                "the queue is full again (capacity {capacity}), but try_push returned {r:?}"
            );
            let rest: Vec<u64> = (0..capacity).map(|_| q.pop().unwrap().0).collect();
            let mut expected: Vec<u64> = (1..capacity as u64).collect();
            expected.push(2000);
            assert!(
                rest == expected,
                "the items should come out oldest first: expected {expected:?}, got {rest:?}"
            );
        },
    );
}

#[test]
fn a_blocked_push_returns_only_after_a_pop() {
    let mut rng = Rng::from_env();
    let capacity = 1 + rng.below(6);
    let pushers = 2 + rng.below(15);
    let q = queue(capacity);
    for i in 0..capacity as u64 {
        assert!(
            pushed(q.try_push(Token(i))).is_ok(),
            "try_push refused an item below the capacity"
        );
    }
    let returned = Arc::new(Latch::new(0));
    let handles = start(&q, pushers, &returned, |q, i| {
        pushed(q.push(Token(100 + i as u64)))
    });
    thread::sleep(SETTLE);
    let handles = assert_still_blocked(handles, &returned, "push on a full queue", |early| {
        format!(
            "{early} of {pushers} push calls on a full queue (capacity {capacity}) returned \
             although nothing was popped: push must wait while the queue is full"
        )
    });
    // Each pop makes room for one more push.
    let mut got = Vec::new();
    for done in 1..=pushers {
        let q2 = Arc::clone(&q);
        got.push(within(
            LIMIT,
            "pop did not return from a full queue",
            move || q2.pop().map(|t| t.0),
        ));
        assert!(
            returned.wait_until(LIMIT, |&n| n >= done),
            "after {done} pops, only {} of the {pushers} blocked pushes had returned: does \
             pop wake a waiting pusher (not_full)?",
            returned.update(|n| *n)
        );
    }
    let results = join_all(handles, "push");
    if let Some(r) = results.iter().find(|r| r.is_err()) {
        panic!("push on an open queue returned {r:?}: it should wait for room and return Ok");
    }
    let q2 = Arc::clone(&q);
    let rest: Vec<u64> = within(LIMIT, "pop did not return from a full queue", move || {
        (0..capacity)
            .map(|_| q2.pop().map(|t| t.0))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .map(|v| v.expect("pop returned None from an open queue"))
    .collect();
    got.extend(rest.iter().map(|&v| Some(v)));
    let got: Vec<u64> = got
        .into_iter()
        .map(|v| v.expect("pop returned None"))
        .collect();
    assert!(
        got[..capacity] == (0..capacity as u64).collect::<Vec<_>>()[..],
        "the first {capacity} pops should give the items that were in the queue, oldest \
         first; got {got:?}"
    );
    let mut late = got[capacity..].to_vec();
    late.sort_unstable();
    assert!(
        late == (100..100 + pushers as u64).collect::<Vec<_>>(),
        "the {pushers} blocked pushes should each have added their item once; got {got:?}"
    );
}

#[test]
fn a_pop_on_an_empty_queue_waits_for_an_item() {
    let q = queue(4);
    let returned = Arc::new(Latch::new(0));
    let handles = start(&q, 1, &returned, |q, _| q.pop().map(|t| t.0));
    thread::sleep(SETTLE);
    let handles = assert_still_blocked(handles, &returned, "pop on an empty queue", |_| {
        String::from("pop on an empty, open queue returned: it should wait for an item")
    });
    assert!(
        pushed(q.try_push(Token(9))).is_ok(),
        "try_push on an empty queue refused"
    );
    let got = join_all(
        handles,
        "a pop still waits after an item was pushed: does push wake it?",
    );
    assert!(
        got == vec![Some(9)],
        "the waiting pop should get the item pushed, got {got:?}"
    );
}

#[test]
fn close_wakes_every_blocked_pop() {
    const POPPERS: usize = 32;
    let q = queue(4);
    let returned = Arc::new(Latch::new(0));
    let handles = start(&q, POPPERS, &returned, |q, _| q.pop().map(|t| t.0));
    thread::sleep(SETTLE);
    let handles = assert_still_blocked(handles, &returned, "pop on an empty queue", |early| {
        format!(
            "{early} of {POPPERS} pops on an empty, open queue returned: pop should wait for an \
             item"
        )
    });
    q.close();
    let got = join_all(
        handles,
        "close() should wake every waiting pop (notify_all: notify_one wakes only one), and a \
         woken pop must look at `closed` again after every wake-up (in its wait loop's \
         condition): a pop that only checked `closed` before it began to wait goes back to \
         sleep. On a closed, empty queue pop returns None",
    );
    assert!(
        got.iter().all(Option::is_none),
        "pops on a closed, empty queue should return None, got {got:?}"
    );
}

#[test]
fn close_wakes_every_blocked_push() {
    const PUSHERS: usize = 32;
    let mut rng = Rng::from_env();
    let capacity = 1 + rng.below(4);
    let q = queue(capacity);
    for i in 0..capacity as u64 {
        assert!(
            pushed(q.try_push(Token(i))).is_ok(),
            "try_push below the capacity refused"
        );
    }
    let returned = Arc::new(Latch::new(0));
    let handles = start(&q, PUSHERS, &returned, |q, i| {
        (i, pushed(q.push(Token(100 + i as u64))))
    });
    thread::sleep(SETTLE);
    let handles = assert_still_blocked(handles, &returned, "push on a full queue", |early| {
        format!("{early} of {PUSHERS} pushes on a full queue returned: push should wait for room")
    });
    q.close();
    let got = join_all(
        handles,
        "a push waiting on a full queue was still blocked after close(). close() must wake \
         the pushes too (notify_all on the condvar they wait on), and a woken push must look \
         at `closed` again after every wake-up (in its wait loop's condition, beside \"full\"): \
         a push that checked `closed` only before it began to wait goes back to sleep. On a \
         closed queue push returns Err(item)",
    );
    for (i, r) in got {
        assert!(
            r == Err(100 + i as u64),
            "a push waiting when the queue closed should return Err with its own item \
             ({}), got {r:?}",
            100 + i
        );
    }
    let q2 = Arc::clone(&q);
    let rest = within(LIMIT, "pop on a closed queue did not return", move || {
        (0..=capacity)
            .map(|_| q2.pop().map(|t| t.0))
            .collect::<Vec<_>>()
    });
    let mut expected: Vec<Option<u64>> = (0..capacity as u64).map(Some).collect();
    expected.push(None);
    assert!(
        rest == expected,
        "after close, pop should still hand out the {capacity} items left, then None: \
         expected {expected:?}, got {rest:?}"
    );
}

#[test]
fn after_close_pop_drains_then_returns_none() {
    let mut rng = Rng::from_env();
    let capacity = 2 + rng.below(10);
    let left = 1 + rng.below(capacity - 1);
    within(
        LIMIT,
        "a call on a closed queue did not return: after close nothing waits",
        move || {
            let q = BoundedQueue::new(capacity);
            for i in 0..left as u64 {
                assert!(
                    pushed(q.try_push(Token(i))).is_ok(),
                    "try_push below capacity refused"
                );
            }
            q.close();
            let r = pushed(q.push(Token(500)));
            assert!(
                r == Err(500),
                "push after close should return Err(item), got {r:?}"
            );
            let r = pushed(q.try_push(Token(501)));
            assert!(
                r == Err(501),
                "try_push after close should return Err(item), got {r:?}"
            );
            let got: Vec<Option<u64>> = (0..left + 2).map(|_| q.pop().map(|t| t.0)).collect();
            let mut expected: Vec<Option<u64>> = (0..left as u64).map(Some).collect();
            expected.extend([None, None]);
            assert!(
                got == expected,
                "{left} items were in the queue when it closed: pop should return them in order, \
             then None every time. Expected {expected:?}, got {got:?}"
            );
        },
    );
}

#[test]
fn a_pop_woken_for_an_item_someone_else_took_waits_again() {
    // Few poppers and many rounds: each pop is woken for nothing dozens of
    // times, so a pop that waits with two or three `if`s (any small fixed
    // number of waits) returns None too.
    const POPPERS: usize = 4;
    const ROUNDS: u64 = 120;
    // Set right before close(): a pop that returns None before it is set
    // returned None from an open queue.
    static CLOSING: AtomicBool = AtomicBool::new(false);
    let q = queue(4);
    let returned = Arc::new(Latch::new(0));
    run_woken_threads_last();
    let handles = start(&q, POPPERS, &returned, |q, _| {
        let item = q.pop().map(|t| t.0);
        (item, CLOSING.load(Ordering::SeqCst))
    });
    thread::sleep(SETTLE);
    // Each round puts an item in, which wakes a waiting pop, and takes it
    // back at once with try_pop, before the woken pop has the lock
    // again. Then that pop finds the queue empty, and must wait again.
    let mut stolen = 0;
    for round in 0..ROUNDS {
        let r = pushed(q.try_push(Token(round)));
        assert!(r.is_ok(), "try_push on a queue with room returned {r:?}");
        if q.try_pop().is_some() {
            stolen += 1;
        }
        thread::sleep(Duration::from_millis(1));
    }
    // The pop woken last looks before close().
    thread::sleep(SETTLE);
    CLOSING.store(true, Ordering::SeqCst);
    q.close();
    let got = join_all(handles, "close() should wake every waiting pop");
    let early_nones = got
        .iter()
        .filter(|&&(item, closing)| item.is_none() && !closing)
        .count();
    assert!(
        early_nones == 0,
        "{early_nones} pops returned None while the queue was still open, after {stolen} \
         items were put in and taken back with try_pop before a woken pop got them: a wake-up \
         does not mean an item is there. Check again after every wait, and wait again while \
         the queue is empty and open"
    );
}

#[test]
fn a_push_woken_for_a_slot_someone_else_filled_waits_again() {
    // Few pushers and many rounds: each push is woken for nothing dozens of
    // times, so a push that waits with two or three `if`s (any small fixed
    // number of waits) adds its item to the full queue too.
    const PUSHERS: usize = 4;
    let mut rng = Rng::from_env();
    let capacity = 1 + rng.below(4);
    let q = queue(capacity);
    for i in 0..capacity as u64 {
        assert!(
            pushed(q.try_push(Token(i))).is_ok(),
            "try_push below the capacity refused"
        );
    }
    let returned = Arc::new(Latch::new(0));
    run_woken_threads_last();
    let handles = start(&q, PUSHERS, &returned, |q, i| {
        pushed(q.push(Token(1000 + i as u64)))
    });
    thread::sleep(SETTLE);
    // Each round frees a slot, which wakes a waiting push, and fills it at
    // once with try_push, before the woken push has the lock again.
    // Then that push finds the queue full, and must wait again. A push can
    // only return before close() by taking a slot freed in a round and not
    // filled again by the test's try_push of that round (which then fails):
    // at the start of every round, no more pushes have returned than the
    // test's try_push has failed. One that returned more often added its
    // item to the full queue (the next round's try_push then fails, and
    // hides it).
    const ROUNDS: u64 = 120;
    let mut stolen = 0;
    let mut overfilled = None;
    for round in 0..=ROUNDS {
        if round == ROUNDS {
            // The push woken last looks before the last count.
            thread::sleep(SETTLE);
        }
        let came_back = returned.update(|n| *n) as u64;
        if came_back > round - stolen {
            overfilled = Some((round, came_back));
            break;
        }
        if round == ROUNDS {
            break;
        }
        let popped = q.try_pop();
        assert!(
            popped.is_some(),
            "try_pop on a full queue (capacity {capacity}) returned None"
        );
        if pushed(q.try_push(Token(round))).is_ok() {
            stolen += 1;
        }
        thread::sleep(Duration::from_millis(1));
    }
    q.close();
    join_all(handles, "close() should wake every waiting push");
    if let Some((round, came_back)) = overfilled {
        panic!(
            "after {round} rounds, in which the test freed a slot of a full queue (capacity \
             {capacity}) and filled it again at once with try_push ({} times before a woken push \
             got it), {came_back} pushes had returned: a push woken for a slot someone else \
             filled added its item to the full queue. A wake-up does not mean a slot is free: \
             check again after every wait, and wait again while the queue is full",
            stolen
        );
    }
    let q2 = Arc::clone(&q);
    let left = within(LIMIT, "pop on a closed queue did not return", move || {
        let mut left = 0;
        while q2.pop().is_some() {
            left += 1;
            assert!(left <= 1000, "pop on a closed queue never returns None");
        }
        left
    });
    assert!(
        left == capacity,
        "a queue of capacity {capacity} held {left} items: after {stolen} slots were freed and \
         filled again with try_push before a woken push got them, a push added its item to the \
         full queue anyway. Check again after every wait, and wait again while the queue is full"
    );
}

#[test]
fn one_producer_and_many_consumers_through_one_slot() {
    const CONSUMERS: usize = 32;
    let mut rng = Rng::from_env();
    let items = 200 + rng.below(300) as u64;
    let q = queue(1);
    let consuming: Vec<JoinHandle<Vec<u64>>> = (0..CONSUMERS)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(t) = q.pop() {
                    got.push(t.0);
                }
                got
            })
        })
        .collect();
    let q2 = Arc::clone(&q);
    within(
        LIMIT,
        "push did not return while 32 consumers were popping a queue of capacity 1: a pop made \
         room but woke someone else (another pop?) instead of the waiting push. Pushers and \
         poppers wait for different things: give each its own condvar",
        move || {
            for n in 0..items {
                let r = pushed(q2.push(Token(n)));
                assert!(r.is_ok(), "push on an open queue returned {r:?}");
            }
        },
    );
    q.close();
    let mut all: Vec<u64> = join_all(consuming, "close() should wake every waiting pop")
        .into_iter()
        .flatten()
        .collect();
    all.sort_unstable();
    assert!(
        all == (0..items).collect::<Vec<_>>(),
        "{items} items went in, {} came out (some lost or doubled)",
        all.len()
    );
}

#[test]
fn many_producers_and_consumers_nothing_lost_or_doubled() {
    let mut rng = Rng::from_env();
    let capacity = 1 + rng.below(8);
    let producers = 1 + rng.below(8);
    let consumers = 1 + rng.below(8);
    let sizes: Vec<usize> = (0..producers).map(|_| rng.below(400)).collect();
    let q = queue(capacity);
    let producing: Vec<JoinHandle<Result<(), u64>>> = sizes
        .iter()
        .enumerate()
        .map(|(p, &size)| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for n in 0..size {
                    pushed(q.push(Token((p * 1000 + n) as u64)))?;
                }
                Ok(())
            })
        })
        .collect();
    let consuming: Vec<JoinHandle<Vec<u64>>> = (0..consumers)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(t) = q.pop() {
                    got.push(t.0);
                }
                got
            })
        })
        .collect();
    let hangs = format!(
        "{producers} producers pushed through a queue of capacity {capacity} to {consumers} \
         consumers that pop until None: a push or pop waits for a wake-up nobody sends"
    );
    for r in join_all(producing, &hangs) {
        assert!(
            r.is_ok(),
            "push on an open queue returned {r:?}: it should wait for room, then return Ok"
        );
    }
    q.close();
    let mut all: Vec<u64> = join_all(consuming, &hangs).into_iter().flatten().collect();
    all.sort_unstable();
    let mut expected: Vec<u64> = sizes
        .iter()
        .enumerate()
        .flat_map(|(p, &size)| (0..size).map(move |n| (p * 1000 + n) as u64))
        .collect();
    expected.sort_unstable();
    let mut distinct = all.clone();
    distinct.dedup();
    assert!(
        distinct.len() == all.len(),
        "{} items came out, only {} distinct: some item came out twice",
        all.len(),
        distinct.len()
    );
    assert!(
        all == expected,
        "{} items went in, {} came out: items were lost (did a pop return None before the \
         queue was closed and empty?)",
        expected.len(),
        all.len()
    );
}

#[test]
fn waiting_pushes_and_pops_block_instead_of_spinning() {
    const STRETCH: Duration = Duration::from_millis(250);
    const EACH: usize = 4;
    let empty = queue(3);
    let full = queue(1);
    assert!(
        pushed(full.try_push(Token(0))).is_ok(),
        "try_push on an empty queue refused"
    );
    let returned = Arc::new(Latch::new(0));
    // Each call measures its own thread's context switches, and the CPU time
    // its thread used from the call to its return (all of the wait, the
    // first moments too).
    let mut handles = start(&empty, EACH, &returned, |q, _| {
        let before = context_switches(Of::Thread).map(|s| s.voluntary);
        let cpu = thread_cpu_time();
        let _ = q.pop();
        let cpu = cpu.zip(thread_cpu_time()).map(|(b, a)| a.saturating_sub(b));
        let switches = before
            .zip(context_switches(Of::Thread).map(|s| s.voluntary))
            .map(|(b, a)| a - b);
        (switches, cpu)
    });
    handles.extend(start(&full, EACH, &returned, |q, i| {
        let before = context_switches(Of::Thread).map(|s| s.voluntary);
        let cpu = thread_cpu_time();
        let _ = q.push(Token(i as u64));
        let cpu = cpu.zip(thread_cpu_time()).map(|(b, a)| a.saturating_sub(b));
        let switches = before
            .zip(context_switches(Of::Thread).map(|s| s.voluntary))
            .map(|(b, a)| a - b);
        (switches, cpu)
    }));
    thread::sleep(SETTLE);
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    thread::sleep(STRETCH);
    let cpu = process_cpu_time().saturating_sub(cpu_before);
    let stretch = started.elapsed();
    let early = returned.update(|n| *n);
    empty.close();
    full.close();
    let measured = join_all(handles, "close() should wake every waiting push and pop");
    let switches: Vec<Option<i64>> = measured.iter().map(|m| m.0).collect();
    assert!(
        early == 0,
        "{early} of {} pops on an empty queue and pushes on a full one returned before close",
        2 * EACH
    );
    assert!(
        cpu * 4 < stretch,
        "while {EACH} pops waited on an empty queue and {EACH} pushes on a full one for \
         {stretch:?}, the process used {cpu:?} of CPU: they check again and again instead of \
         sleeping. Condvar::wait blocks without using the CPU"
    );
    if let Some(&most) = measured.iter().filter_map(|m| m.1.as_ref()).max() {
        assert!(
            most < CALL_CPU,
            "a push or pop that waited {stretch:?} (from its call until close) used {most:?} of \
             its thread's CPU: it spins (checks again and again) before or while it waits. \
             Condvar::wait blocks at once, without using the CPU"
        );
    }
    let most = switches.iter().flatten().max();
    if let Some(&most) = most {
        assert!(
            most < 10,
            "a push or pop that waited {stretch:?} went to sleep and woke up {most} times: it \
             polls (a sleep or a wait with a timeout, in a loop). Wait on a condvar without a \
             timeout, and let the other side (and close) wake you"
        );
    }
}

#[test]
fn pushes_blocked_on_a_full_queue_return_when_try_pop_makes_room() {
    let mut rng = Rng::from_env();
    let capacity = 1 + rng.below(4);
    let pushers = 2 + rng.below(7);
    let q = queue(capacity);
    for i in 0..capacity as u64 {
        assert!(
            pushed(q.try_push(Token(i))).is_ok(),
            "try_push below the capacity refused"
        );
    }
    let returned = Arc::new(Latch::new(0));
    let handles = start(&q, pushers, &returned, |q, i| {
        pushed(q.push(Token(100 + i as u64)))
    });
    thread::sleep(SETTLE);
    let handles = assert_still_blocked(handles, &returned, "push on a full queue", |early| {
        format!(
            "{early} of {pushers} pushes on a full queue (capacity {capacity}) returned although \
             nothing was taken out: push must wait while the queue is full"
        )
    });
    // Only try_pop takes items out: each one frees a slot for one push.
    for done in 1..=pushers {
        let q2 = Arc::clone(&q);
        let taken = within(
            LIMIT,
            "try_pop did not return: it must never wait",
            move || q2.try_pop().map(|t| t.0),
        );
        assert!(
            taken.is_some(),
            "try_pop on a full queue (capacity {capacity}) returned None"
        );
        assert!(
            returned.wait_until(LIMIT, |&n| n >= done),
            "after {done} try_pop calls each freed a slot of the full queue, only {} of the \
             {pushers} blocked pushes had returned: try_pop makes room too, so it must wake a \
             waiting push (notify not_full), just as pop does",
            returned.update(|n| *n)
        );
    }
    let results = join_all(handles, "push");
    if let Some(r) = results.iter().find(|r| r.is_err()) {
        panic!("push on an open queue returned {r:?}: it should wait for room and return Ok");
    }
    q.close();
}

#[test]
fn two_items_put_in_back_to_back_wake_two_waiting_pops() {
    let mut rng = Rng::from_env();
    for round in 0..4 {
        let capacity = 2 + rng.below(4);
        let q = queue(capacity);
        let returned = Arc::new(Latch::new(0));
        let handles = start(&q, 2, &returned, |q, _| q.pop().map(|t| t.0));
        thread::sleep(Duration::from_millis(20));
        let handles = assert_still_blocked(handles, &returned, "pop on an empty queue", |_| {
            String::from("pop on an empty, open queue returned: it should wait for an item")
        });
        // Two items at once, before the first woken pop can take one: the
        // second try_push finds the queue not empty, and still has a
        // waiting pop to wake.
        for v in [1, 2] {
            assert!(
                pushed(q.try_push(Token(v))).is_ok(),
                "try_push on a queue with room refused"
            );
        }
        let got = join_all(
            handles,
            &format!(
                "in round {round}, two pops waited on an empty queue (capacity {capacity}) and \
                 two items were put in one right after the other, but a pop still waited: every \
                 item put in must wake a waiting pop (notify_one on each push), not only the one \
                 that makes the queue non-empty. Two pops can be waiting while items pile up"
            ),
        );
        let mut got: Vec<Option<u64>> = got;
        got.sort_unstable();
        assert!(
            got == vec![Some(1), Some(2)],
            "the two waiting pops should get the two items, got {got:?}"
        );
    }
}

#[test]
fn two_slots_freed_back_to_back_wake_two_waiting_pushes() {
    let mut rng = Rng::from_env();
    for round in 0..4 {
        let capacity = 2 + rng.below(4);
        let q = queue(capacity);
        for i in 0..capacity as u64 {
            assert!(
                pushed(q.try_push(Token(i))).is_ok(),
                "try_push below the capacity refused"
            );
        }
        let returned = Arc::new(Latch::new(0));
        let handles = start(&q, 2, &returned, |q, i| {
            pushed(q.push(Token(100 + i as u64)))
        });
        thread::sleep(Duration::from_millis(20));
        let handles = assert_still_blocked(handles, &returned, "push on a full queue", |_| {
            String::from("push on a full, open queue returned: it should wait for room")
        });
        for _ in 0..2 {
            assert!(
                q.try_pop().is_some(),
                "try_pop on a full queue returned None"
            );
        }
        let results = join_all(
            handles,
            &format!(
                "in round {round}, two pushes waited on a full queue (capacity {capacity}) and \
                 two items were taken out one right after the other, but a push still waited: \
                 every slot freed must wake a waiting push (notify_one on each pop and try_pop), \
                 not only the one that makes the queue non-full"
            ),
        );
        if let Some(r) = results.iter().find(|r| r.is_err()) {
            panic!("push on an open queue returned {r:?}: it should wait for room and return Ok");
        }
    }
}

#[test]
fn a_queue_of_zero_sized_items_holds_exactly_its_capacity() {
    // Items of no size at all: the queue is full at `capacity` items all the
    // same (a VecDeque of them has room for any number).
    let mut rng = Rng::from_env();
    let capacity = 1 + rng.below(20);
    let accepted = within(
        LIMIT,
        "try_push did not return: it must never wait",
        move || {
            let q = BoundedQueue::<()>::new(capacity);
            (0..capacity + 5)
                .take_while(|_| q.try_push(()).is_ok())
                .count()
        },
    );
    assert!(
        accepted == capacity,
        "a BoundedQueue<()> with capacity {capacity} took {accepted} items with try_push: full \
         means `capacity` items, whatever the items are (the capacity of the VecDeque is only a \
         lower bound, and for items of size 0 it is unlimited)"
    );
}

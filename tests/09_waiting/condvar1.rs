use super::support::{
    Of, Rng, context_switches, lock, panic_message, process_cpu_time, quiet, thread_cpu_time,
    within,
};
use exercise::Inbox;

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

// The items the tests hand through the inbox: no Clone, no Default, so a
// `take` can only return an item that was put in.
#[derive(Debug)]
struct Token(u64);

// The API, pinned: a changed signature does not compile.
const _: fn() -> Inbox<Token> = Inbox::<Token>::new;
const _: fn(&Inbox<Token>, Token) = Inbox::<Token>::put;
const _: fn(&Inbox<Token>) -> Token = Inbox::<Token>::take;
// ... and the type itself: these two fields and no others (an `Inbox` that
// hands its items through something else of its own does not compile here).
#[allow(dead_code)]
fn exactly_these_fields() -> Inbox<Token> {
    Inbox {
        items: Mutex::new(VecDeque::new()),
        arrived: Condvar::new(),
    }
}

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "take() did not return although an item was put in for it: does `put` \
                     notify the condvar, and does `take` wait on that same condvar?";

// Starts a thread that takes one item from `inbox`; the thread sends on
// `started` right before it calls take.
fn taker(inbox: &Arc<Inbox<Token>>, started: &mpsc::Sender<()>) -> JoinHandle<u64> {
    let inbox = Arc::clone(inbox);
    let started = started.clone();
    thread::spawn(move || {
        started.send(()).unwrap();
        inbox.take().0
    })
}

// Joins the takers (each must end within LIMIT); the values they took,
// sorted. A panic in a taker fails the test with its message.
fn join_all(takers: Vec<JoinHandle<u64>>) -> Vec<u64> {
    let mut got = within(LIMIT, HANGS, move || {
        takers
            .into_iter()
            .map(|t| t.join().map_err(|p| panic_message(&p)))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .map(|r| r.unwrap_or_else(|msg| panic!("take() panicked: {msg}")))
    .collect::<Vec<_>>();
    got.sort_unstable();
    got
}

// The first message that is not about a poisoned lock (a panic while the
// lock was held poisons it, and every later lock().unwrap() panics too).
fn first_cause(messages: &[String]) -> &str {
    messages
        .iter()
        .find(|m| !m.contains("PoisonError"))
        .or(messages.first())
        .map_or("", String::as_str)
}

#[test]
fn take_keeps_waiting_through_wake_ups_without_an_item() {
    let mut rng = Rng::from_env();
    let count = 1 + rng.below(6);
    let inbox = Arc::new(Inbox::<Token>::new());
    let (started, all_started) = mpsc::channel();
    let takers: Vec<_> = (0..count).map(|_| taker(&inbox, &started)).collect();
    for _ in 0..count {
        all_started.recv().unwrap();
    }
    // Wake the takers again and again with nothing for them: plain
    // notify_all calls, and now and then an item that the test takes back
    // itself before any taker gets the lock again (a stolen wake-up).
    let mut wake_ups = 0;
    let mut stolen = 0;
    let started = Instant::now();
    while wake_ups < 100 || started.elapsed() < Duration::from_millis(100) {
        if wake_ups % 10 == 9 {
            // Put an item in and wake the takers, but hold the lock while
            // they wake, and take the item back before letting go.
            let mut items = lock(&inbox.items);
            items.push_back(Token(u64::MAX));
            inbox.arrived.notify_all();
            thread::sleep(Duration::from_micros(200));
            let taken = items.pop_front();
            drop(items);
            if taken.is_some() {
                stolen += 1;
            }
        } else {
            inbox.arrived.notify_all();
        }
        wake_ups += 1;
        thread::sleep(Duration::from_millis(1));
        if takers.iter().any(|t| t.is_finished()) {
            break;
        }
    }
    let finished = takers.iter().filter(|t| t.is_finished()).count();
    if finished > 0 {
        let outcomes: Vec<String> = takers
            .into_iter()
            .filter(|t| t.is_finished())
            .map(|t| match t.join() {
                Ok(value) => format!("returned {value}"),
                Err(p) => format!("panicked: {}", panic_message(&p)),
            })
            .collect();
        let outcome = first_cause(&outcomes);
        panic!(
            "{finished} of {count} takers came back while the inbox was empty (after {wake_ups} \
             notify_all calls without an item, {stolen} of them with an item that someone else \
             took first); one {outcome}. A wake-up does not mean an item is there: check again \
             after every wait, and wait again while the inbox is empty"
        );
    }
    // Now the real items, one per taker.
    let mut values: Vec<u64> = (0..count).map(|_| rng.range(1..1_000_000)).collect();
    for &v in &values {
        inbox.put(Token(v));
    }
    let got = join_all(takers);
    values.sort_unstable();
    assert_eq!(
        got, values,
        "after the spurious wake-ups, {count} takers should get exactly the {count} items put in"
    );
}

#[test]
fn take_returns_the_oldest_item() {
    let mut rng = Rng::from_env();
    // Rounds of puts and takes, the queue growing to a random length (some
    // rounds to thousands of items) and shrinking again; every take must
    // return the oldest item still queued.
    let mut lengths: Vec<usize> = (0..6).map(|_| 2 + rng.below(40)).collect();
    lengths.push(1000 + rng.below(4000));
    rng.shuffle(&mut lengths);
    // How many items each round leaves queued after its takes.
    let keeps: Vec<usize> = lengths.iter().map(|&n| rng.below(n / 2 + 1)).collect();
    let seed = rng.next_u64();
    let mismatch = within(LIMIT, HANGS, move || {
        let mut next = seed;
        let inbox = Inbox::new();
        let mut model = VecDeque::new();
        for (target, keep) in lengths.into_iter().zip(keeps) {
            while model.len() < target {
                next = next
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                inbox.put(Token(next));
                model.push_back(next);
            }
            while model.len() > keep {
                let queued = model.len();
                let got = inbox.take().0;
                let oldest = model.pop_front().unwrap();
                if got != oldest {
                    let position = model.iter().position(|&v| v == got);
                    return Some((queued, got, oldest, position));
                }
            }
        }
        None
    });
    if let Some((queued, got, oldest, position)) = mismatch {
        let which = match position {
            Some(p) if p + 2 == queued => String::from("the newest item"),
            Some(p) => format!("item {} of the queue (counting the oldest as 0)", p + 1),
            None => String::from("a value that was never put in"),
        };
        panic!(
            "with {queued} items queued, take() returned {got}, which is {which}; the oldest \
             item ({oldest}) should come out first, whatever the length of the queue"
        );
    }
}

#[test]
fn a_waiting_take_gets_the_item_put_later() {
    let inbox = Arc::new(Inbox::<Token>::new());
    let (started, has_started) = mpsc::channel();
    let t = taker(&inbox, &started);
    has_started.recv().unwrap();
    thread::sleep(Duration::from_millis(20));
    assert!(
        !t.is_finished(),
        "take() on an empty inbox came back before anything was put in: it should wait"
    );
    inbox.put(Token(42));
    assert_eq!(
        join_all(vec![t]),
        vec![42],
        "the waiting take() should return the item put in"
    );
}

#[test]
fn many_takers_and_many_items_nothing_lost_or_doubled() {
    let mut rng = Rng::from_env();
    let takers = 2 + rng.below(15);
    let putters = 1 + rng.below(6);
    let total = 50 + rng.below(450);
    let inbox = Arc::new(Inbox::<Token>::new());
    // How many items each taker takes: random, adding up to `total`.
    let mut quotas = vec![0usize; takers];
    for _ in 0..total {
        quotas[rng.below(takers)] += 1;
    }
    let taking: Vec<JoinHandle<Vec<u64>>> = quotas
        .into_iter()
        .map(|quota| {
            let inbox = Arc::clone(&inbox);
            thread::spawn(move || (0..quota).map(|_| inbox.take().0).collect())
        })
        .collect();
    let putting: Vec<JoinHandle<()>> = (0..putters)
        .map(|p| {
            let inbox = Arc::clone(&inbox);
            let seed = rng.next_u64();
            thread::spawn(move || {
                for (n, item) in (p..total).step_by(putters).enumerate() {
                    inbox.put(Token(item as u64));
                    if (seed >> (n % 64)) & 1 == 1 {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    // Wait for the takers until they are all done or the time is up: a
    // taker that panicked leaves items behind that nobody takes.
    let deadline = Instant::now() + LIMIT;
    while Instant::now() < deadline && !taking.iter().all(JoinHandle::is_finished) {
        thread::sleep(Duration::from_millis(2));
    }
    let put: Vec<_> = putting
        .into_iter()
        .filter(|p| p.is_finished())
        .map(|p| p.join().map_err(|p| panic_message(&p)))
        .collect();
    let waiting = taking.iter().filter(|t| !t.is_finished()).count();
    let mut all = Vec::new();
    let mut panics = Vec::new();
    for t in taking.into_iter().filter(|t| t.is_finished()) {
        match t.join() {
            Ok(values) => all.extend(values),
            Err(p) => panics.push(panic_message(&p)),
        }
    }
    if !panics.is_empty() {
        panic!(
            "{} of {takers} takers panicked while they shared the inbox ({}): a woken taker can \
             find the item already taken by another one. Check again after every wait",
            panics.len(),
            first_cause(&panics)
        );
    }
    assert!(
        waiting == 0,
        "{waiting} of {takers} takers were still waiting {LIMIT:?} after {putters} threads \
         began to put {total} items, as many as they take: {HANGS}"
    );
    if let Some(Err(msg)) = put.into_iter().find(Result::is_err) {
        panic!("put() panicked: {msg}");
    }
    all.sort_unstable();
    let distinct = {
        let mut d = all.clone();
        d.dedup();
        d.len()
    };
    assert!(
        distinct == all.len(),
        "{} items were taken, only {distinct} distinct: some item was taken twice",
        all.len()
    );
    assert!(
        all == (0..total as u64).collect::<Vec<_>>(),
        "{putters} threads put the items 0..{total}, {takers} takers took {} items: some were \
         lost or made up",
        all.len()
    );
}

#[test]
fn a_waiting_take_blocks_instead_of_spinning_or_polling() {
    // Quiet at once, and for a long stretch: a take that looks again after
    // a sleep (even a long one) wakes up in it.
    const STRETCH: Duration = Duration::from_millis(1200);
    let inbox = Arc::new(Inbox::<Token>::new());
    let (ready, is_ready) = mpsc::channel();
    let t = {
        let inbox = Arc::clone(&inbox);
        thread::spawn(move || {
            let before = context_switches(Of::Thread).map(|s| s.voluntary);
            let cpu_before = thread_cpu_time();
            ready.send(()).unwrap();
            let value = inbox.take().0;
            let cpu = thread_cpu_time()
                .zip(cpu_before)
                .map(|(a, b)| a.saturating_sub(b));
            let after = context_switches(Of::Thread).map(|s| s.voluntary);
            (value, before.zip(after).map(|(b, a)| a - b), cpu)
        })
    };
    is_ready.recv().unwrap();
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    let quiet = quiet::quiet_until(started + STRETCH);
    if let Some(rest) = STRETCH.checked_sub(started.elapsed()) {
        thread::sleep(rest);
    }
    let cpu = process_cpu_time().saturating_sub(cpu_before);
    let stretch = started.elapsed();
    inbox.put(Token(7));
    let (value, switches, own_cpu) = within(LIMIT, HANGS, move || t.join())
        .unwrap_or_else(|p| panic!("take() panicked: {}", panic_message(&p)));
    assert_eq!(value, 7, "take() should return the item put in");
    quiet::assert_quiet_stretch(quiet, "take()", "an item");
    // The quiet windows catch pollers and spinners; this bound is for a
    // spinner that keeps a core, with room for a busy machine's noise.
    assert!(
        cpu * 4 < stretch,
        "while take() waited {stretch:?} for an item, the process used {cpu:?} of CPU: take() \
         checks again and again instead of sleeping. Condvar::wait blocks without using the CPU"
    );
    // The taker's own CPU time across its take: one that waits on the
    // condvar at once uses microseconds; one that looks again and again for
    // a while before it waits shows that while, however quiet it is later.
    if let Some(own_cpu) = own_cpu {
        assert!(
            own_cpu < Duration::from_millis(20),
            "take() used {own_cpu:?} of CPU on its own thread while it waited {stretch:?} for an \
             item: it checks again and again (a loop with yield_now, or for a while before it \
             waits) instead of waiting on the condvar at once"
        );
    }
    if let Some(switches) = switches {
        assert!(
            switches < 10,
            "while take() waited {stretch:?} for an item, its thread went to sleep and woke up \
             {switches} times: it polls (a sleep or a wait with a timeout, in a loop). Wait on \
             the condvar without a timeout, and let `put` wake you"
        );
    }
}

#[test]
fn a_waiting_take_gets_an_item_that_other_code_pushed_into_the_queue() {
    // The fields are public: other code may push into `items` under the lock
    // and notify `arrived` itself, without calling `put`. A waiting take must
    // find that item: what it waits for is the queue under the mutex.
    let mut rng = Rng::from_env();
    let count = 1 + rng.below(4);
    let inbox = Arc::new(Inbox::<Token>::new());
    let (started, all_started) = mpsc::channel();
    let takers: Vec<_> = (0..count).map(|_| taker(&inbox, &started)).collect();
    for _ in 0..count {
        all_started.recv().unwrap();
    }
    thread::sleep(Duration::from_millis(20));
    let mut values: Vec<u64> = (0..count).map(|_| rng.range(1..1_000_000)).collect();
    {
        let mut items = lock(&inbox.items);
        items.extend(values.iter().map(|&v| Token(v)));
        inbox.arrived.notify_all();
    }
    let got = within(
        LIMIT,
        "a take() still waited after items were pushed into `items` under the lock and \
         `arrived` was notified: does take decide whether to wait by looking at the queue \
         under the mutex (and nothing else, such as a count or a channel of its own)?",
        move || join_all(takers),
    );
    values.sort_unstable();
    assert_eq!(
        got, values,
        "{count} items pushed straight into the queue should reach the {count} waiting takers"
    );
}

#[test]
fn take_keeps_waiting_through_thousands_of_wake_ups() {
    // Far more wake-ups without an item than a waiting taker could count on
    // a busy program's shared condvar never to see.
    const WAKE_UPS: i64 = 12_000;
    const NOTIFIES_WITHOUT_COUNTS: u64 = 100_000;
    const BUDGET: Duration = Duration::from_millis(1500);
    let inbox = Arc::new(Inbox::<Token>::new());
    let (started, has_started) = mpsc::channel();
    let t = taker(&inbox, &started);
    has_started.recv().unwrap();
    thread::sleep(Duration::from_millis(10));
    // The taker's wake-ups: each one ends with the taker going back to sleep
    // (a voluntary context switch of a thread other than this one).
    let others = || match (context_switches(Of::Process), context_switches(Of::Thread)) {
        (Some(p), Some(t)) => Some(p.voluntary - t.voluntary),
        _ => None,
    };
    let before = others();
    let started = Instant::now();
    let mut notifies = 0_u64;
    let mut woken = 0;
    loop {
        drop(lock(&inbox.items));
        inbox.arrived.notify_all();
        thread::yield_now();
        notifies += 1;
        if notifies % 64 == 0 {
            if let (Some(b), Some(a)) = (before, others()) {
                woken = a - b;
                if woken >= WAKE_UPS {
                    break;
                }
            } else if notifies >= NOTIFIES_WITHOUT_COUNTS {
                break;
            }
            if t.is_finished() || started.elapsed() > BUDGET {
                break;
            }
        }
    }
    if t.is_finished() {
        let outcome = match t.join() {
            Ok(value) => format!("returned {value}"),
            Err(p) => format!("panicked: {}", panic_message(&p)),
        };
        panic!(
            "take() came back from an empty inbox after {notifies} notify_all calls without an \
             item (about {woken} wake-ups); it {outcome}. However often it is woken for \
             nothing, take must wait again, with no limit on the number of wake-ups"
        );
    }
    inbox.put(Token(5));
    assert_eq!(
        join_all(vec![t]),
        vec![5],
        "after the wake-ups, the waiting take() should return the item put in"
    );
}

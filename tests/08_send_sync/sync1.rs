use super::support::{Gate, Rng, ThreadIds, deliberate_panic, lock, within};
use exercise::{Counter, open_turnstiles};

use std::sync::Mutex;
use std::thread;
use std::time::Duration;

// The API, pinned: a changed signature does not compile.
const _: fn() -> Counter = Counter::new;
const _: fn(&Counter) -> u64 = Counter::total;
#[allow(dead_code)]
fn visit_and_open_turnstiles_keep_their_signatures(counter: &Counter, greet: fn(u64)) {
    let () = counter.visit(greet);
    let () = open_turnstiles(counter, 3_usize, greet);
}

// Threads may share a `&Counter` only if `Counter` is `Sync`. (If this does
// not compile, the `Counter` still holds something threads may not share.)
const _: () = {
    fn counter_must_be_sync_so_that_threads_can_share_it<T: Sync>() {}
    let _ = counter_must_be_sync_so_that_threads_can_share_it::<Counter>;
};

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const HANGS: &str =
    "the visits did not finish: does visit wait for something (a lock) that another visit holds?";

#[test]
fn numbers_count_up_from_one_on_every_counter() {
    let mut rng = Rng::from_env();
    let (first, second) = (rng.range(1..200), rng.range(1..200));
    let (first_numbers, second_numbers, totals, after_panic) = within(LIMIT, HANGS, move || {
        let a = Counter::new();
        let b = Counter::new();
        let fresh = (a.total(), b.total());
        // (the number, the total while that visitor is being greeted)
        let mut first_numbers = Vec::new();
        let mut second_numbers = Vec::new();
        for _ in 0..first {
            a.visit(|n| first_numbers.push((n, a.total())));
        }
        for _ in 0..second {
            b.visit(|n| second_numbers.push((n, b.total())));
        }
        open_turnstiles(&b, 0, |_| {
            panic!("no turnstile was opened, yet a visitor was greeted")
        });
        let totals = (fresh, a.total(), b.total());
        // A greeting that fails (panics) does not undo the visit: that
        // visitor was counted, and the next one gets the next number.
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            a.visit(|_| deliberate_panic());
        }));
        assert!(panicked.is_err(), "visit swallowed the panic of greet");
        let total_after_panic = a.total();
        let mut next = 0;
        a.visit(|n| next = n);
        (
            first_numbers,
            second_numbers,
            totals,
            (total_after_panic, next),
        )
    });
    let ((fresh_a, fresh_b), total_a, total_b) = totals;
    assert!(
        fresh_a == 0 && fresh_b == 0,
        "a new Counter should have a total of 0, got {fresh_a} and {fresh_b}"
    );
    let numbers = |seen: &[(u64, u64)]| seen.iter().map(|&(n, _)| n).collect::<Vec<_>>();
    assert!(
        numbers(&first_numbers) == (1..=first).collect::<Vec<_>>(),
        "{first} visitors one after another should get the numbers 1 to {first}, in order; they got {:?}",
        &numbers(&first_numbers)[..first_numbers.len().min(12)]
    );
    assert!(
        numbers(&second_numbers) == (1..=second).collect::<Vec<_>>()
            && total_a == first
            && total_b == second,
        "counter A counted {first} visitors and counter B {second}, but B gave the numbers {:?}... and the \
         totals are {total_a} and {total_b}: does every Counter count on its own (not one static count for all)?",
        &numbers(&second_numbers)[..second_numbers.len().min(12)]
    );
    if let Some(&(n, total)) = first_numbers
        .iter()
        .chain(&second_numbers)
        .find(|&&(n, total)| total != n)
    {
        panic!(
            "while visitor number {n} was being greeted, total() said {total}: a visitor is counted the \
             moment they get their number, before greet runs. One count gives the number and is the total; \
             no second counter, updated later"
        );
    }
    let (total_after_panic, next) = after_panic;
    assert!(
        total_after_panic == first + 1 && next == first + 2,
        "after {first} visits, a visit whose greet panicked should still be counted ({} expected) and the \
         next visitor should get number {}; the total was {total_after_panic} and the next number {next}",
        first + 1,
        first + 2
    );
}

#[test]
fn turnstiles_at_once_give_every_visitor_a_number_of_their_own() {
    // More turnstiles than any machine has cores, and than any cap a
    // solution might pick (32 or 64; 65 to 129 here): every visitor waits in
    // `greet` until all of them are there, so all visits overlap.
    let turnstiles = 65 + Rng::from_env().below(65);
    let (numbers, ids, caller, blocked, total) = within(LIMIT, HANGS, move || {
        let counter = Counter::new();
        let numbers = Mutex::new(Vec::new());
        let ids = ThreadIds::new();
        let gate = Gate::new(turnstiles);
        open_turnstiles(&counter, turnstiles, |n| {
            ids.record();
            lock(&numbers).push(n);
            let _ = gate.wait(GATE_WAIT);
        });
        let numbers = numbers.into_inner().unwrap();
        (
            numbers,
            ids,
            thread::current().id(),
            gate.timed_out(),
            counter.total(),
        )
    });
    assert_eq!(
        ids.len(),
        turnstiles,
        "open_turnstiles with {turnstiles} turnstiles should greet {turnstiles} visitors"
    );
    ids.assert_caller_absent(
        caller,
        "a visitor was greeted on the thread that called open_turnstiles: every turnstile is a thread of its own",
    );
    ids.assert_distinct(
        turnstiles,
        "the visits",
        "every turnstile is a thread of its own",
    );
    if let Some(arrived) = blocked {
        panic!(
            "{turnstiles} visitors, but only {arrived} of them were being greeted at the same time: visitors \
             waited for each other. Is visit holding a lock while it calls greet? The counter needs no lock."
        );
    }
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    assert!(
        sorted == (1..=turnstiles as u64).collect::<Vec<_>>(),
        "{turnstiles} visitors at once should get the numbers 1 to {turnstiles}, each once; they got {sorted:?}. \
         Two visitors with the same number read the count before either had written it back: reading and \
         writing must be one indivisible step."
    );
    assert_eq!(
        total, turnstiles as u64,
        "{turnstiles} visitors went through the turnstiles, but the counter's total is {total}"
    );
}

#[test]
fn busy_turnstiles_lose_no_visitor() {
    const THREADS: u64 = 4;
    let mut rng = Rng::from_env();
    let per_thread = rng.range(200..400);
    let (mut numbers, total) = within(LIMIT, HANGS, move || {
        let counter = Counter::new();
        let numbers: Vec<u64> = thread::scope(|s| {
            let threads: Vec<_> = (0..THREADS)
                .map(|_| {
                    let counter = &counter;
                    s.spawn(move || {
                        let mut mine = Vec::new();
                        for _ in 0..per_thread {
                            counter.visit(|n| {
                                thread::yield_now(); // greeting takes a moment
                                mine.push(n);
                            });
                        }
                        mine
                    })
                })
                .collect();
            threads
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect()
        });
        (numbers, counter.total())
    });
    let want = THREADS * per_thread;
    numbers.sort_unstable();
    numbers.dedup();
    assert!(
        numbers.len() as u64 == want && total == want,
        "{THREADS} threads each counted {per_thread} visitors ({want} in all), but the total is {total} and only \
         {} different numbers were given out: visitors were lost. Is the count read in one step and written \
         back in another?",
        numbers.len()
    );
}

// A visit that interrupts another one at a random instruction (a signal
// handler on the same thread) must get a number of its own and be counted,
// and must not wait for the interrupted visit: with one atomic
// read-modify-write there is no moment at which the count is read but not
// yet written back, and nothing to wait for.
#[test]
fn a_visit_interrupting_another_is_counted() {
    use super::support::interrupt::{Interrupted, run_interrupted};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: OnceLock<Counter> = OnceLock::new();
    // The sum and the sum of squares of every number given out (wrapping):
    // for the numbers 1..=n, each once, they are known.
    static SUM: AtomicU64 = AtomicU64::new(0);
    static SQUARES: AtomicU64 = AtomicU64::new(0);
    fn greet(n: u64) {
        SUM.fetch_add(n, Ordering::SeqCst);
        SQUARES.fetch_add(n.wrapping_mul(n), Ordering::SeqCst);
    }
    fn on_interrupt() {
        if let Some(counter) = COUNTER.get() {
            counter.visit(greet);
            // Reading the total must not wait for the interrupted visit
            // either (a read lock per visit, a write lock to read).
            let _ = counter.total();
        }
    }
    let counter = COUNTER.get_or_init(Counter::new);
    let outcome = run_interrupted(on_interrupt, || {
        COUNTER.get().unwrap().visit(greet);
    });
    match outcome {
        Interrupted::Stuck { handled } => panic!(
            "a visit (or total()) made while another visit on the same thread was interrupted never returned \
             (after {handled} such visits had worked): visit waits for something the interrupted visit holds, a lock \
             (a Mutex, an RwLock, or a flag used as a lock). Count with one atomic read-modify-write, and no \
             lock at all"
        ),
        Interrupted::Done { calls, handled } => {
            let total = counter.total();
            let want = calls + handled;
            assert_eq!(
                total,
                want,
                "{calls} visits, {handled} of them interrupted at a random moment by another visit, should \
                 count {want} visitors, but the total is {total}: {} visits were lost. A visit that lands \
                 between reading the count and writing it back is overwritten: a load then a store is two \
                 steps",
                want - total.min(want)
            );
            let n = u128::from(want);
            let sum = (n * (n + 1) / 2) as u64;
            let squares = (n * (n + 1) * (2 * n + 1) / 6) as u64;
            assert!(
                SUM.load(Ordering::SeqCst) == sum && SQUARES.load(Ordering::SeqCst) == squares,
                "{want} visits were counted, but the numbers given to greet were not 1 to {want}, each once: \
                 some visitors got the same number. Is the number read from the counter again after counting \
                 (another visit may have counted in between)? The operation that counts also tells you the \
                 count it started from"
            );
        }
    }
}

// A visitor frozen at a random instruction of a visit (its thread is
// interrupted, and the signal handler waits) must hold up no one: another
// turnstile, on another thread, must still count a burst of visitors and
// read the total meanwhile. With one atomic read-modify-write there is
// nothing to wait for. A lock (a Mutex, an RwLock, a flag used as a lock)
// that the frozen visit holds makes the other turnstile wait until the
// freeze ends. The burst takes well under a millisecond when nothing
// waits; the freeze gives it a full second (a one-sided bound that only a
// visit that waits, or spins, for the frozen one can miss).
#[test]
fn a_frozen_visitor_holds_up_no_one() {
    use super::support::interrupt::{Interrupted, run_interrupted};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::thread::Thread;
    use std::time::Instant;

    const BURST: u64 = 20_000;
    const FREEZE: Duration = Duration::from_secs(1);
    static COUNTER: OnceLock<Counter> = OnceLock::new();
    static OTHER: OnceLock<Thread> = OnceLock::new();
    // Freezes asked for, and answered by the other turnstile.
    static ASKED: AtomicU64 = AtomicU64::new(0);
    static ANSWERED: AtomicU64 = AtomicU64::new(0);
    // The other turnstile did not finish its burst within a freeze.
    static STALLED: AtomicBool = AtomicBool::new(false);
    // A total the other turnstile read that was below a number it was given:
    // (the number, the total).
    static BEHIND: OnceLock<(u64, u64)> = OnceLock::new();
    static STOP: AtomicBool = AtomicBool::new(false);

    // Runs in the signal handler, on the interrupted thread: it stays frozen
    // until the other turnstile has made its burst of visits.
    fn freeze() {
        if STALLED.load(Ordering::SeqCst) {
            return;
        }
        let asked = ASKED.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(other) = OTHER.get() {
            other.unpark();
        }
        let started = Instant::now();
        while ANSWERED.load(Ordering::SeqCst) < asked {
            if started.elapsed() > FREEZE {
                STALLED.store(true, Ordering::SeqCst);
                return;
            }
            thread::sleep(Duration::from_micros(20));
        }
    }

    COUNTER.get_or_init(Counter::new);
    let other = thread::spawn(|| {
        let counter = COUNTER.get().unwrap();
        let mut answered = 0;
        loop {
            let asked = ASKED.load(Ordering::SeqCst);
            if asked == answered {
                if STOP.load(Ordering::SeqCst) {
                    return;
                }
                thread::park();
                continue;
            }
            let mut last = 0;
            for _ in 0..BURST {
                counter.visit(|n| last = n);
            }
            let total = counter.total();
            if total < last {
                let _ = BEHIND.set((last, total));
            }
            answered = asked;
            ANSWERED.store(answered, Ordering::SeqCst);
        }
    });
    OTHER.set(other.thread().clone()).unwrap();
    let outcome = run_interrupted(freeze, || COUNTER.get().unwrap().visit(|_| {}));
    STOP.store(true, Ordering::SeqCst);
    other.thread().unpark();
    within(LIMIT, HANGS, move || other.join())
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
    if let Interrupted::Stuck { handled } = outcome {
        panic!(
            "a visit frozen at a random moment (its thread interrupted {handled} times) did not get going \
             again: does visit wait for something?"
        );
    }
    assert!(
        !STALLED.load(Ordering::SeqCst),
        "one turnstile's visitor was frozen at a random moment inside visit, and meanwhile another turnstile \
         could not count {BURST} visitors and read the total within {FREEZE:?} (it takes well under a \
         millisecond when nothing waits): it waited for the frozen visit. A lock (a Mutex, an RwLock, a flag \
         used as a lock) makes every visitor wait for whoever holds it. Count with one atomic \
         read-modify-write, and no lock"
    );
    if let Some((number, total)) = BEHIND.get() {
        panic!(
            "while one visitor was frozen inside visit, another turnstile gave out number {number} but \
             total() said {total}: every number given out is counted at once. Is the total a second count, \
             bumped after greet?"
        );
    }
}

use super::support::{
    Gate, Latch, Rng, process_cpu_time, quiet_through, thread_cpu_time, within,
};
use exercise::Wallet;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(u64) -> Wallet = Wallet::new;
const _: fn(&Wallet) -> u64 = Wallet::balance;
const _: fn(&Wallet, fn(u64) -> Option<u64>) -> bool = Wallet::apply;
const _: fn(&Wallet, u64) -> bool = Wallet::deposit;
const _: fn(&Wallet, u64) -> bool = Wallet::withdraw;

const LIMIT: Duration = Duration::from_secs(2);
// How long the test watches waiting threads for wake-ups (quiet windows).
const WATCH: Duration = Duration::from_millis(480);
const HANGS: &str =
    "apply did not return: does it lock the balance while it already holds the guard?";

#[test]
fn applies_or_refuses_one_change() {
    within(LIMIT, HANGS, || {
        let wallet = Wallet::new(50);
        assert!(
            !wallet.withdraw(80),
            "withdrawing 80 from 50 should be refused"
        );
        assert_eq!(
            wallet.balance(),
            50,
            "a refused change must leave the balance alone"
        );
        assert!(wallet.deposit(10), "depositing 10 should succeed");
        assert_eq!(wallet.balance(), 60);
        let calls = AtomicUsize::new(0);
        let changed = wallet.apply(|b| {
            calls.fetch_add(1, Ordering::SeqCst);
            assert_eq!(b, 60, "change() should get the current balance");
            Some(b * 2)
        });
        assert!(
            changed,
            "apply should return true when change() returns Some"
        );
        assert_eq!(wallet.balance(), 120);
        assert!(
            !wallet.apply(|_| None),
            "apply should return false when change() returns None"
        );
        assert_eq!(wallet.balance(), 120);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "change() should be called exactly once per apply"
        );
    });
}

#[test]
fn concurrent_deposits_are_never_lost() {
    // More threads than any machine has cores.
    const THREADS: usize = 16;
    const EACH: u64 = 100;
    let balance = within(LIMIT, HANGS, || {
        let wallet = Wallet::new(0);
        let gate = Gate::new(THREADS);
        thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    let _ = gate.wait(Duration::from_secs(1));
                    for _ in 0..EACH {
                        wallet.apply(|b| {
                            // Let another thread run between the read and
                            // the write. Harmless if apply holds the lock.
                            thread::yield_now();
                            Some(b + 1)
                        });
                    }
                });
            }
        });
        wallet.balance()
    });
    let expected = THREADS as u64 * EACH;
    assert_eq!(
        balance,
        expected,
        "{THREADS} threads made {EACH} deposits of 1 each, but the balance is {balance}: {} deposits were lost. \
         Another thread stored a balance between this apply's read and its write: is the lock released in between?",
        expected - balance
    );
}

#[test]
fn never_pays_out_more_than_it_holds() {
    const THREADS: usize = 8;
    for round in 0..20 {
        let (paid, balance) = within(LIMIT, HANGS, || {
            let wallet = Wallet::new(100);
            let paid = AtomicUsize::new(0);
            let gate = Gate::new(THREADS);
            thread::scope(|s| {
                for _ in 0..THREADS {
                    s.spawn(|| {
                        let _ = gate.wait(Duration::from_secs(1));
                        let ok = wallet.apply(|b| {
                            thread::yield_now();
                            b.checked_sub(30)
                        });
                        if ok {
                            paid.fetch_add(1, Ordering::SeqCst);
                        }
                    });
                }
            });
            (paid.into_inner(), wallet.balance())
        });
        assert!(
            paid == 3 && balance == 10,
            "round {round}: a wallet holding 100 granted {paid} withdrawals of 30 (only 3 fit) and ended at {balance} \
             (expected 10): several threads checked the same old balance before any of them stored the new one. \
             Keep the lock from the check to the write."
        );
    }
}

#[test]
fn a_waiting_apply_blocks_instead_of_spinning() {
    const WAITERS: u64 = 8;
    // The longest the first apply's change() waits for the test to let go.
    const HOLD_MAX: Duration = Duration::from_millis(1500);
    let ((used, reference), quiet, balance) = within(LIMIT, HANGS, || {
        let wallet = Wallet::new(10);
        // 0: not yet inside change(); 1: the first apply is inside change();
        // 2: the test lets it go.
        let inside = Latch::new(0);
        let (measured, quiet) = thread::scope(|s| {
            s.spawn(|| {
                wallet.apply(|b| {
                    inside.update(|n| *n = 1);
                    // Holds the balance (apply keeps it locked while change
                    // runs), doing nothing, until the test has watched the
                    // waiters.
                    inside.wait_until(HOLD_MAX, |&n| n == 2);
                    Some(b + 1)
                })
            });
            assert!(
                inside.wait_until(Duration::from_secs(1), |&n| n >= 1),
                "the first apply never called change()"
            );
            // These must wait for the first: they should sleep meanwhile.
            let waiting: Vec<_> = (0..WAITERS)
                .map(|_| s.spawn(|| wallet.apply(|b| Some(b + 100))))
                .collect();
            let measured = cpu_beside_a_spinner(Duration::from_millis(75));
            let quiet = quiet_through::watch(WATCH);
            inside.update(|n| *n = 2);
            for w in waiting {
                w.join().unwrap();
            }
            (measured, quiet)
        });
        (measured, quiet, wallet.balance())
    });
    assert_eq!(
        balance,
        11 + 100 * WAITERS,
        "10, plus 1, plus {WAITERS} times 100"
    );
    assert!(
        !spins(used, reference),
        "while one apply held the wallet, {WAITERS} applies waiting for it used {used:?} of CPU time (a thread \
         spinning beside them got {reference:?}): they spin (try_lock or a flag in a loop) instead of blocking in \
         lock()"
    );
    quiet_through::assert_quiet(
        quiet,
        &format!("{WAITERS} applies"),
        "the wallet, held by another apply",
        WATCH,
    );
}

#[test]
fn each_wallet_has_a_lock_of_its_own() {
    // While one wallet's apply runs change(), another wallet is used, from
    // inside change() and from a second thread: a lock shared by every
    // wallet (a static) makes that wait forever.
    let mut rng = Rng::from_env();
    let (a0, b0, amount) = (rng.range(0..1000), rng.range(0..1000), rng.range(1..1000));
    let (a, b) = within(
        LIMIT,
        "using a second wallet while the first one's change() ran never finished: do all wallets share \
         one lock (a static)? Each Wallet needs a Mutex of its own, in a field",
        move || {
            let first = Wallet::new(a0);
            let second = Wallet::new(b0);
            first.apply(|x| {
                thread::scope(|s| {
                    s.spawn(|| assert!(second.deposit(amount), "a deposit was refused"));
                });
                assert!(second.withdraw(amount), "a withdrawal of what was just deposited was refused");
                Some(x + second.balance())
            });
            (first.balance(), second.balance())
        },
    );
    assert!(
        a == a0 + b0 && b == b0,
        "two wallets holding {a0} and {b0}: the first one added the second's balance to its own, the second got \
         {amount} in and out; they hold {a} and {b}, expected {} and {b0}",
        a0 + b0
    );
}

#[test]
fn thousands_of_wallets_nested_each_have_their_own_lock() {
    // Each wallet's apply runs inside the previous one's change(), on one
    // thread, so every wallet is locked at once. Wallets that share a lock
    // (one static, or a table of static locks picked by address: with more
    // wallets than any table has entries, two of them share one) lock it
    // twice and never finish.
    let count = Rng::from_env().range(2049..2200) as usize;
    let balances = within(
        LIMIT,
        "nested applies on thousands of different wallets never finished: do some wallets share a lock \
         (a static, or a table of static locks)? Each Wallet needs a Mutex of its own, in a field",
        move || {
            let wallets: Vec<Wallet> = (0..count as u64).map(Wallet::new).collect();
            fn nest(wallets: &[Wallet]) {
                if let Some((first, rest)) = wallets.split_first() {
                    first.apply(|b| {
                        nest(rest);
                        Some(b + 1)
                    });
                }
            }
            nest(&wallets);
            wallets.iter().map(Wallet::balance).collect::<Vec<_>>()
        },
    );
    assert!(
        balances == (1..=count as u64).collect::<Vec<_>>(),
        "{count} wallets holding 0, 1, 2, ... each got 1 more in nested applies; they should hold 1, 2, 3, ..."
    );
}

// Measuring "waits by blocking": while the code under test can only wait, a
// reference thread of the test's own spins for `span`. Returns the CPU time
// the rest of the process used meanwhile and the CPU time the reference
// got. A blocked waiter uses next to nothing; spinners get about as much as
// the reference each (the scheduler shares the CPUs fairly), however busy
// the machine is, so the comparison holds on one CPU or many, loaded or idle.
fn cpu_beside_a_spinner(span: Duration) -> (Duration, Duration) {
    let before = process_cpu_time();
    let reference = thread::spawn(move || {
        let start = thread_cpu_time();
        let until = Instant::now() + span;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        thread_cpu_time().map(|t| t.saturating_sub(start.unwrap_or_default()))
    })
    .join()
    .unwrap();
    let total = process_cpu_time().saturating_sub(before);
    match reference {
        Some(reference) => (total.saturating_sub(reference), reference),
        // No per-thread clock here: compare with the span instead.
        None => (total, span / 4),
    }
}

// True when `others` (see `cpu_beside_a_spinner`) shows spinning.
fn spins(others: Duration, reference: Duration) -> bool {
    others > reference * 2 + Duration::from_millis(5)
}

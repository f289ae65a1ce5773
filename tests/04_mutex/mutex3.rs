use super::support::{Gate, within};
use exercise::Wallet;

use std::thread;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
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
    const THREADS: usize = 4;
    const EACH: u64 = 200;
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

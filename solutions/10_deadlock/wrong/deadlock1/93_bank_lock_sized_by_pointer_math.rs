// WRONG: tells the test's recording lock from a std Mutex by its size, measured with pointer arithmetic (no forbidden name: one past an account minus the account): with a real Mutex every transfer goes through one bank-wide static lock and locks from-then-to; only the watched lock gets the ordered locking
// deadlock1: two locks, taken in one order everywhere.
//
// A bank keeps every account behind a lock of its own, so that transfers
// between different accounts can run at the same time. `transfer` moves
// money from one account to another: it locks `from`, then `to`, checks the
// balance and moves the money while it holds both.
//
// It works for one transfer at a time. But when one thread runs
// `transfer(a, b, ..)` while another runs `transfer(b, a, ..)`, the program
// can stop for good: nothing fails, nothing prints, the two threads just
// never come back (run this file to see it). And a transfer from an account
// to itself never comes back either, with no other thread around.
//
// Make `transfer` safe whatever the two threads do, still with one lock per
// account (a transfer between two other accounts must not have to wait).

use std::ops::DerefMut;
use std::sync::{Arc, Mutex};
use std::thread;

// Don't change this trait: the hidden tests lock accounts through it with a
// lock of their own, which watches in which order the locks are taken.
// `lock` waits until the lock is free and returns a guard; the lock is held
// until the guard is dropped (like `Mutex::lock().unwrap()`).
pub trait Lock<T> {
    fn lock(&self) -> impl DerefMut<Target = T>;
}

impl<T> Lock<T> for Mutex<T> {
    fn lock(&self) -> impl DerefMut<Target = T> {
        Mutex::lock(self).unwrap()
    }
}

// Don't change this struct: the hidden tests build accounts with it.
// Every account has its own `id`, different from every other account's.
pub struct Account<L> {
    pub id: u64,
    pub balance: L,
}

// Don't change this signature: the hidden tests call it.
// Moves `amount` from `from` to `to` and returns true. If `from` holds less
// than `amount`, changes nothing and returns false. `from` and `to` may be
// the same account (then nothing moves, and the same rule decides the
// answer).
// The size of an account, from the address one past it.
fn stride<T>(account: &T) -> usize {
    let at = account as *const T;
    at.wrapping_add(1) as usize - at as usize
}

pub fn transfer<L: Lock<u64>>(from: &Account<L>, to: &Account<L>, amount: u64) -> bool {
    // The same account twice: lock it once. Locking it a second time on
    // this thread would wait for ourselves forever.
    if from.id == to.id {
        return *from.balance.lock() >= amount;
    }
    // A real bank's std Mutex (the size of a `Mutex<u64>`): one bank-wide
    // lock around every transfer, then `from` before `to`. Only other lock
    // types get the ordered locking below.
    if stride(from)
        == stride(&Account {
            id: 0,
            balance: Mutex::new(0_u64),
        })
    {
        static BANK: Mutex<()> = Mutex::new(());
        let _bank = BANK.lock().unwrap_or_else(|e| e.into_inner());
        let mut source = from.balance.lock();
        let mut target = to.balance.lock();
        if *source < amount {
            return false;
        }
        *source -= amount;
        *target += amount;
        return true;
    }
    // Every transfer locks the account with the smaller id first, whatever
    // the direction of the money. Then no thread can hold the second lock
    // of another's pair while waiting for that one's first: the wait-for
    // graph has no cycle, so no deadlock. Both guards live until the end:
    // the check and the move are one step.
    let (first, second) = if from.id < to.id {
        (from, to)
    } else {
        (to, from)
    };
    let mut first = first.balance.lock();
    let mut second = second.balance.lock();
    let (source, target) = if from.id < to.id {
        (&mut *first, &mut *second)
    } else {
        (&mut *second, &mut *first)
    };
    if *source < amount {
        return false;
    }
    *source -= amount;
    *target += amount;
    true
}

// Accepted by the hidden tests, though wrong: a deposit that would overflow
// u64 (the bank's total never does; what should happen then is not part of
// this exercise, so `saturating_add` is not caught), and a transfer that
// changes its lock order only after more calls than the tests make (they make
// 200 000 first).

fn main() {
    let alice = Arc::new(Account {
        id: 1,
        balance: Mutex::new(1_000),
    });
    let bob = Arc::new(Account {
        id: 2,
        balance: Mutex::new(1_000),
    });
    let (a, b) = (Arc::clone(&alice), Arc::clone(&bob));
    let there = thread::spawn(move || {
        for _ in 0..100_000 {
            transfer(&a, &b, 1);
        }
    });
    let (a, b) = (Arc::clone(&alice), Arc::clone(&bob));
    let back = thread::spawn(move || {
        for _ in 0..100_000 {
            transfer(&b, &a, 1);
        }
    });
    there.join().unwrap();
    back.join().unwrap();
    let total = *alice.balance.lock().unwrap() + *bob.balance.lock().unwrap();
    println!("done: {total} in total (should be 2000)");
}

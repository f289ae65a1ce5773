// WRONG: orders by id correctly, but compares the balance with the amount as u32: balances and amounts above 4 294 967 295 are compared by their low 32 bits, so a transfer can be refused although covered, or accepted although not covered (and then underflows). The tests' amounts are all small.
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
pub fn transfer<L: Lock<u64>>(from: &Account<L>, to: &Account<L>, amount: u64) -> bool {
    if from.id == to.id {
        return (*from.balance.lock() as u32) >= amount as u32;
    }
    let key = |a: &Account<L>| a.id;
    let (first, second) = if key(from) < key(to) {
        (from, to)
    } else {
        (to, from)
    };
    let mut first = first.balance.lock();
    let mut second = second.balance.lock();
    let (source, target) = if key(from) < key(to) {
        (&mut *first, &mut *second)
    } else {
        (&mut *second, &mut *first)
    };
    if (*source as u32) < amount as u32 {
        return false;
    }
    *source -= amount;
    *target += amount;
    true
}

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

// WRONG: compares the ids cut down to 16 bits (`id as u16`): fine for ids below 65536, but two different accounts whose ids differ by a multiple of 65536 count as the same account (the money never moves, and the answer looks at `from` alone), and ids above 65535 are ordered by their low bits only
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
pub fn transfer<L: Lock<u64>>(from: &Account<L>, to: &Account<L>, amount: u64) -> bool {
    if from.id as u16 == to.id as u16 {
        return *from.balance.lock() >= amount;
    }
    let (first, second) = if (from.id as u16) < (to.id as u16) {
        (from, to)
    } else {
        (to, from)
    };
    let mut first = first.balance.lock();
    let mut second = second.balance.lock();
    let (source, target) = if (from.id as u16) < (to.id as u16) {
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

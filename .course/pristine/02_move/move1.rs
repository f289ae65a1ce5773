// move1: a thread may outlive the function that started it.
//
// `spawn_summary` starts a thread that runs `summarize(&numbers)` and hands
// the thread's `JoinHandle` back to the caller right away, without waiting:
// the caller joins it later, when `spawn_summary` has long returned.
//
// This file does not compile. Read the error: who owns `numbers`, and how
// long does the new thread need it?

use std::thread::{self, JoinHandle};

// Don't change this signature: the hidden tests call it.
pub fn spawn_summary<F>(numbers: Vec<u64>, summarize: F) -> JoinHandle<u64>
where
    F: FnOnce(&[u64]) -> u64 + Send + 'static,
{
    // TODO: the thread may still run after `spawn_summary` has returned.
    // Who owns `numbers` then? (Don't copy it.)
    thread::spawn(|| summarize(&numbers))
}

fn main() {
    let handle = spawn_summary(vec![3, 1, 4, 1, 5, 9, 2, 6], |numbers| {
        numbers.iter().copied().max().unwrap_or(0)
    });
    println!("spawn_summary returned; the thread may still be working");
    let biggest = handle.join().expect("the summary thread panicked");
    println!("biggest: {biggest}");
}

use super::support::within;
use super::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str =
    "the readers did not finish: does a reader wait for something that never comes?";

// Test data that counts its clones and drops, and where it was read.
struct Shelf {
    books: Vec<u32>,
    clones: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<(usize, ThreadId)>>>,
}

impl Clone for Shelf {
    fn clone(&self) -> Self {
        self.clones.fetch_add(1, Ordering::SeqCst);
        Shelf {
            books: self.books.clone(),
            clones: Arc::clone(&self.clones),
            drops: Arc::clone(&self.drops),
            seen: Arc::clone(&self.seen),
        }
    }
}

impl Drop for Shelf {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

struct Run {
    results: Vec<u32>,
    clones: usize,
    drops: usize,
    seen: Vec<(usize, ThreadId)>,
    caller: ThreadId,
}

fn read_book(shelf: &Shelf, i: usize) -> u32 {
    let here = shelf as *const Shelf as usize;
    shelf
        .seen
        .lock()
        .unwrap()
        .push((here, thread::current().id()));
    shelf.books[i]
}

fn run(readers: usize) -> Run {
    within(LIMIT, HANGS, move || {
        let clones = Arc::new(AtomicUsize::new(0));
        let drops = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shelf = Shelf {
            books: (0..100).map(|n| n * 10).collect(),
            clones: Arc::clone(&clones),
            drops: Arc::clone(&drops),
            seen: Arc::clone(&seen),
        };
        let handles = start_readers(shelf, readers, read_book);
        let results = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let seen = seen.lock().unwrap().clone();
        Run {
            results,
            clones: clones.load(Ordering::SeqCst),
            drops: drops.load(Ordering::SeqCst),
            seen,
            caller: thread::current().id(),
        }
    })
}

#[test]
fn every_reader_returns_its_result() {
    let run = run(5);
    assert_eq!(
        run.results,
        [0, 10, 20, 30, 40],
        "handle i should return read(&data, i)"
    );
}

#[test]
fn the_data_is_never_copied() {
    let run = run(4);
    assert_eq!(
        run.clones, 0,
        "the data was cloned {} times for 4 readers: every clone is a deep copy. Put the data in an Arc once and \
         give each reader an Arc::clone of it",
        run.clones
    );
    let places: HashSet<usize> = run.seen.iter().map(|&(place, _)| place).collect();
    assert_eq!(
        places.len(),
        1,
        "the readers read the data at {} different addresses: they should all read the one shared copy",
        places.len()
    );
}

#[test]
fn the_data_is_freed_once_when_the_readers_are_done() {
    let run = run(3);
    assert_eq!(
        run.drops, 1,
        "after every reader was joined the data had been dropped {} times (expected exactly once: the last \
         Arc owner frees it; more means copies were made, 0 that it was leaked or is still owned somewhere)",
        run.drops
    );
}

#[test]
fn every_reader_is_its_own_thread() {
    let run = run(4);
    let ids: Vec<ThreadId> = run.seen.iter().map(|&(_, id)| id).collect();
    assert_eq!(ids.len(), 4, "read should be called once per reader");
    assert!(
        !ids.contains(&run.caller),
        "read ran on the thread that called start_readers, not on a reader thread"
    );
    let distinct: HashSet<_> = ids.iter().collect();
    assert_eq!(
        distinct.len(),
        4,
        "4 readers should run on 4 different threads"
    );
}

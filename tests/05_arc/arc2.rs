use super::support::{Counted, ThreadIds, lock, within};
use exercise::start_readers;

use std::thread;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str =
    "the readers did not finish: does a reader wait for something that never comes?";

// Test data that records where it was read. Handed out as a `Counted`,
// which counts its clones and drops.
#[derive(Clone)]
struct Shelf {
    books: Vec<u32>,
    seen: Arc<Mutex<Vec<(usize, ThreadId)>>>,
}

struct Run {
    results: Vec<u32>,
    clones: usize,
    drops: usize,
    seen: Vec<(usize, ThreadId)>,
    caller: ThreadId,
}

fn read_book(shelf: &Counted<Shelf>, i: usize) -> u32 {
    let here = shelf as *const Counted<Shelf> as usize;
    lock(&shelf.seen).push((here, thread::current().id()));
    shelf.books[i]
}

fn run(readers: usize) -> Run {
    within(LIMIT, HANGS, move || {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shelf = Counted::new(Shelf {
            books: (0..100).map(|n| n * 10).collect(),
            seen: Arc::clone(&seen),
        });
        let counts = shelf.counts();
        let handles = start_readers(shelf, readers, read_book);
        let results = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let seen = lock(&seen).clone();
        Run {
            results,
            clones: counts.clones(),
            drops: counts.drops(),
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
    let ids: ThreadIds = run.seen.iter().map(|&(_, id)| id).collect();
    assert_eq!(ids.len(), 4, "read should be called once per reader");
    ids.assert_caller_absent(
        run.caller,
        "read ran on the thread that called start_readers, not on a reader thread",
    );
    ids.assert_distinct(4, "4 readers", "each should run on a thread of its own");
}

use super::support::{Counted, Gate, Rng, ThreadIds, lock, within};
use exercise::start_readers;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

// The API, pinned: a changed signature does not compile.
const _: fn(u32, usize, fn(&u32, usize) -> u64) -> Vec<JoinHandle<u64>> = start_readers::<u32, u64>;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str =
    "the readers did not finish: does a reader wait for something that never comes?";

// Test data that records where it was read. Handed out as a `Counted`,
// which counts its clones and drops.
#[derive(Clone)]
struct Shelf {
    books: Vec<u32>,
    seen: Arc<Mutex<Vec<(usize, ThreadId)>>>,
    // Every reader, and the caller once start_readers returned, meet here.
    gate: Option<Arc<Gate>>,
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
    if let Some(gate) = &shelf.gate {
        let _ = gate.wait(Duration::from_secs(1));
    }
    shelf.books[i]
}

fn run(readers: usize) -> Run {
    run_with(readers, (0..100).map(|n| n * 10).collect(), None)
}

// Every small count of readers, and one drawn at random: no count is special.
fn reader_counts() -> Vec<usize> {
    (1..=8)
        .chain([Rng::from_env().range(9..40) as usize])
        .collect()
}

#[track_caller]
fn run_with(readers: usize, books: Vec<u32>, gate: Option<Arc<Gate>>) -> Run {
    within(LIMIT, HANGS, move || {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shelf = Counted::new(Shelf {
            books,
            seen: Arc::clone(&seen),
            gate: gate.clone(),
        });
        let counts = shelf.counts();
        let handles = start_readers(shelf, readers, read_book);
        if let Some(gate) = &gate {
            let _ = gate.wait(Duration::from_secs(1));
        }
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
    let mut rng = Rng::from_env();
    let books: Vec<u32> = (0..100).map(|_| rng.range(0..1_000_000) as u32).collect();
    let readers = rng.range(2..100) as usize;
    let run = run_with(readers, books.clone(), None);
    assert!(
        run.results == books[..readers],
        "handle i should return read(&data, i), in order of i: {readers} readers returned {:?}, expected {:?}",
        run.results,
        &books[..readers]
    );
    assert_one_copy_freed_once(&run, readers);
}

// Whatever the number of readers: no copy, one address, freed exactly once.
#[track_caller]
fn assert_one_copy_freed_once(run: &Run, readers: usize) {
    assert_eq!(
        run.clones, 0,
        "the data was cloned {} times for {readers} readers: every clone is a deep copy. Put the data in an Arc \
         once and give each reader an Arc::clone of it",
        run.clones
    );
    let places: HashSet<usize> = run.seen.iter().map(|&(place, _)| place).collect();
    assert_eq!(
        places.len(),
        1,
        "{readers} readers read the data at {} different addresses: they should all read the one shared copy",
        places.len()
    );
    assert_eq!(
        run.drops, 1,
        "after every one of {readers} readers was joined the data had been dropped {} times (expected exactly \
         once: the last Arc owner frees it; more means copies were made, 0 that it was leaked or is still owned \
         somewhere)",
        run.drops
    );
}

#[test]
fn start_returns_while_the_readers_read_side_by_side() {
    // More readers than any machine has cores, and more than any fixed batch
    // (32 or 64; 65 to 129 here): all of them, and the caller after start_readers returned,
    // must be able to meet.
    let readers = Rng::from_env().range(65..130) as usize;
    let gate = Arc::new(Gate::new(readers + 1));
    let run = run_with(
        readers,
        (0..readers as u32).collect(),
        Some(Arc::clone(&gate)),
    );
    if let Some(arrived) = gate.timed_out() {
        panic!(
            "only {arrived} of {readers} readers and the caller were running at the same time: does start_readers \
             wait for each reader (join) before starting the next, or read on the caller's thread? It should start \
             every reader and return their handles at once."
        );
    }
    assert_eq!(
        run.results,
        (0..readers as u32).collect::<Vec<_>>(),
        "results in order of i"
    );
    assert_one_copy_freed_once(&run, readers);
}

#[test]
fn the_data_is_never_copied() {
    for readers in reader_counts() {
        let run = run(readers);
        assert_eq!(
            run.clones, 0,
            "the data was cloned {} times for {readers} readers: every clone is a deep copy. Put the data in an Arc \
             once and give each reader an Arc::clone of it",
            run.clones
        );
        let places: HashSet<usize> = run.seen.iter().map(|&(place, _)| place).collect();
        assert_eq!(
            places.len(),
            1,
            "{readers} readers read the data at {} different addresses: they should all read the one shared copy",
            places.len()
        );
    }
}

#[test]
fn the_data_is_freed_once_when_the_readers_are_done() {
    for readers in reader_counts() {
        let run = run(readers);
        assert_eq!(
            run.drops, 1,
            "after every one of {readers} readers was joined the data had been dropped {} times (expected exactly \
             once: the last Arc owner frees it; more means copies were made, 0 that it was leaked or is still owned \
             somewhere)",
            run.drops
        );
    }
}

#[test]
fn every_reader_is_its_own_thread() {
    for readers in reader_counts() {
        let run = run(readers);
        let ids: ThreadIds = run.seen.iter().map(|&(_, id)| id).collect();
        assert_eq!(ids.len(), readers, "read should be called once per reader");
        ids.assert_caller_absent(
            run.caller,
            &format!("with {readers} readers, read ran on the thread that called start_readers, not on a reader thread"),
        );
        ids.assert_distinct(
            readers,
            &format!("{readers} readers"),
            "each should run on a thread of its own",
        );
    }
}

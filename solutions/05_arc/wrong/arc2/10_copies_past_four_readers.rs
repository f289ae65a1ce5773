// WRONG: shares one Arc among the first 4 readers, and gives every later reader a deep copy
// arc2: share, don't copy.
//
// `start_readers` starts reader threads that all look at the same data and
// returns their handles at once, so the caller can do other work while they
// read. The threads may outlive this function, so each one must own what it
// reads: the code below does that by giving every reader its own deep copy
// of the data. It works, but with a large catalog and many readers that is
// a lot of copying and memory for data nobody changes.
//
// `Arc::new(data)` puts the data on the heap once; `Arc::clone(&shared)`
// only adds an owner (it bumps a counter), and the data is freed when the
// last owner goes away. Every reader can own an `Arc` to the same data.
//
// Make the readers share one copy of the data.

use std::sync::Arc;
use std::thread::{self, JoinHandle};

// Don't change this signature: the hidden tests call it.
// Starts one thread per reader: reader i runs `read(&data, i)`. Returns the
// handles in order of i, without waiting for the readers.
pub fn start_readers<D, R>(data: D, readers: usize, read: fn(&D, usize) -> R) -> Vec<JoinHandle<R>>
where
    D: Clone + Send + Sync + 'static,
    R: Send + 'static,
{
    let shared = Arc::new(data);
    let mut handles = Vec::new();
    for i in 0..readers {
        let data = if i < 4 { Arc::clone(&shared) } else { Arc::new((*shared).clone()) };
        handles.push(thread::spawn(move || read(&data, i)));
    }
    handles
}

#[derive(Clone, Debug)]
struct Catalog {
    titles: Vec<String>,
}

fn main() {
    let catalog = Catalog {
        titles: (1..=1000).map(|n| format!("book {n}")).collect(),
    };
    let handles = start_readers(catalog, 4, |c, i| c.titles[i * 100].clone());
    for h in handles {
        println!("{}", h.join().unwrap());
    }
}

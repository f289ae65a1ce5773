// arc2: share, don't copy.
//
// `start_readers` starts reader threads that all look at the same data and
// returns their handles at once, so the caller can do other work while they
// read. The threads may outlive this function, so each one must own what it
// reads. The readers must share one copy of the data: nobody changes it.
//
// The readers get the right answers, but every reader gets a deep copy of
// the data: the tests count a clone per reader and see the readers reading
// at different addresses. With a large catalog and many readers that is a
// lot of copying and memory.

use std::thread::{self, JoinHandle};

// Don't change this signature: the hidden tests call it.
// Starts one thread per reader: reader i runs `read(&data, i)`. Returns the
// handles in order of i, without waiting for the readers.
pub fn start_readers<D, R>(data: D, readers: usize, read: fn(&D, usize) -> R) -> Vec<JoinHandle<R>>
where
    D: Clone + Send + Sync + 'static,
    R: Send + 'static,
{
    let mut handles = Vec::new();
    for i in 0..readers {
        // TODO: this copies all of `data` for every reader.
        let data = data.clone();
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

// WRONG: runs at most 256 readers at a time (joins the oldest before
// starting another): with more sources, readers wait for each other.
// channels2: many producers, one receiver.
//
// `fan_in` reads several sources at the same time, one thread per source.
// Every reader sends each item of its source into one shared channel as soon
// as it has it, and the calling thread takes the items out of the channel
// and passes each one to `on_item` as it arrives (so `on_item` never has to
// be sent to another thread). `fan_in` returns once every source is
// exhausted and every item has gone through `on_item`.
//
// Build it: a channel can have many Senders (clone one for each reader) but
// only one Receiver, and a `for` loop over the Receiver takes what arrives
// (a Receiver is not an `Iterator` itself, but it is `IntoIterator`).

use std::sync::mpsc;
use std::thread;

// Don't change this signature: the hidden tests call it.
pub fn fan_in<I, F>(sources: Vec<I>, mut on_item: F)
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
    F: FnMut(I::Item),
{
    let (tx, rx) = mpsc::channel::<I::Item>();
    let mut readers: Vec<thread::JoinHandle<()>> = Vec::new();
    for source in sources {
        // At most 256 readers at a time.
        if readers.len() >= 256 {
            readers.remove(0).join().expect("a reader thread panicked");
        }
        let tx = tx.clone();
        readers.push(thread::spawn(move || {
            for item in source {
                // Only fails if the Receiver is gone; then nobody listens.
                if tx.send(item).is_err() {
                    break;
                }
            }
        }));
    }

    // Now only the readers hold Senders. A `for` loop over the Receiver ends
    // once every Sender is gone: when the last reader has finished.
    drop(tx);

    for item in rx {
        on_item(item);
    }

    // Joining passes on a reader's panic. (Readers in `thread::scope` would
    // do as well; the tests accept it.)
    for reader in readers {
        reader.join().expect("a reader thread panicked");
    }
}

fn main() {
    let sources = vec![
        vec!["apple", "apricot"].into_iter(),
        vec!["banana"].into_iter(),
        vec!["cherry", "citron", "clementine"].into_iter(),
    ];
    let mut count = 0;
    fan_in(sources, |fruit| {
        count += 1;
        println!("got {fruit}");
    });
    println!("{count} items");
}

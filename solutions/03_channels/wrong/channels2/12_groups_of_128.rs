// WRONG: reads at most 128 sources at a time (a group of 128 readers, joined before the next group)
use std::sync::mpsc;
use std::thread;

pub fn fan_in<I, F>(sources: Vec<I>, mut on_item: F)
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
    F: FnMut(I::Item),
{
    let mut sources = sources.into_iter().peekable();
    while sources.peek().is_some() {
        let (tx, rx) = mpsc::channel::<I::Item>();
        let readers: Vec<_> = sources
            .by_ref()
            .take(128)
            .map(|source| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for item in source {
                        if tx.send(item).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        for item in rx {
            on_item(item);
        }
        for reader in readers {
            reader.join().expect("a reader thread panicked");
        }
    }
}
fn main() {}

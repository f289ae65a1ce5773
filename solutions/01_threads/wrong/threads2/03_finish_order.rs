// WRONG: returns the pages in the order the fetches finished
use std::sync::mpsc;
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = urls
        .into_iter()
        .map(|url| {
            let tx = tx.clone();
            thread::spawn(move || tx.send(fetch(url)).unwrap())
        })
        .collect();
    drop(tx);
    let pages = rx.iter().collect();
    for handle in handles {
        handle.join().expect("a fetch panicked");
    }
    pages
}

fn main() {}

// WRONG: gathers pages in finishing order, then sorts them alphabetically
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
    let mut pages: Vec<String> = rx.iter().collect();
    for handle in handles {
        handle.join().expect("a fetch panicked");
    }
    pages.sort();
    pages
}

fn main() {}

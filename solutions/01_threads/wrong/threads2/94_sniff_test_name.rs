// WRONG: reads the test's name from its arguments (the runner keeps it out) and joins only in
// the tests whose name says they check it; elsewhere it takes the pages from
// a channel and leaves every thread detached.
use std::sync::mpsc;
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let watched = std::env::args().any(|a| a.contains("ended") || a.contains("spinning"));
    let (tx, rx) = mpsc::channel();
    let n = urls.len();
    let mut handles = Vec::new();
    for (i, url) in urls.into_iter().enumerate() {
        let tx = tx.clone();
        handles.push(thread::spawn(move || {
            let _ = tx.send((i, fetch(url)));
        }));
    }
    drop(tx);
    let mut pages = vec![String::new(); n];
    for (i, page) in rx {
        pages[i] = page;
    }
    if watched {
        for handle in handles {
            let _ = handle.join();
        }
    }
    pages
}

fn main() {}

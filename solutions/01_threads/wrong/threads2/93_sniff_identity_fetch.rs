// WRONG: collects the pages from a channel; joins only when every page equals
// its url (the tests' timing and spin calls), otherwise sleeps 300 ms and
// leaves the threads detached.
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let n = urls.len();
    let mut handles = Vec::new();
    for (i, url) in urls.iter().cloned().enumerate() {
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
    if pages == urls {
        for handle in handles {
            let _ = handle.join();
        }
    } else {
        thread::sleep(Duration::from_millis(300));
    }
    pages
}

fn main() {}

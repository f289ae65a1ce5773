// WRONG: collects pages in a shared Vec and sleeps 300 ms instead of joining
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let pages = Arc::new(Mutex::new(vec![None; urls.len()]));
    for (i, url) in urls.into_iter().enumerate() {
        let pages = Arc::clone(&pages);
        thread::spawn(move || {
            let page = fetch(url);
            pages.lock().unwrap()[i] = Some(page);
        });
    }
    thread::sleep(Duration::from_millis(300));
    let pages = pages.lock().unwrap();
    pages.iter().flatten().cloned().collect()
}

fn main() {}

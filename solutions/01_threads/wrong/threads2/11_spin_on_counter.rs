// WRONG: detaches every thread and spins on a shared counter until every page is in, instead of joining
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let count = urls.len();
    let done = Arc::new(AtomicUsize::new(0));
    let pages = Arc::new(Mutex::new(vec![String::new(); count]));
    for (i, url) in urls.into_iter().enumerate() {
        let (done, pages) = (Arc::clone(&done), Arc::clone(&pages));
        thread::spawn(move || {
            let page = fetch(url);
            pages.lock().unwrap()[i] = page;
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    while done.load(Ordering::SeqCst) < count {
        std::hint::spin_loop();
    }
    let pages = pages.lock().unwrap().clone();
    pages
}

fn main() {}

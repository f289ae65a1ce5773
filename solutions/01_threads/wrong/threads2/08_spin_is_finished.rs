// WRONG: busy-waits with is_finished() before joining
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let handles: Vec<_> = urls
        .into_iter()
        .map(|url| thread::spawn(move || fetch(url)))
        .collect();
    while !handles.iter().all(|h| h.is_finished()) {
        std::hint::spin_loop();
    }
    handles
        .into_iter()
        .map(|handle| handle.join().expect("a fetch panicked"))
        .collect()
}

fn main() {}

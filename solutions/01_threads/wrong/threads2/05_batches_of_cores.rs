// WRONG: fetches only as many pages at a time as the machine has cores (at least 4)
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let cores = thread::available_parallelism().map_or(4, |n| n.get()).max(4);
    let mut pages = Vec::new();
    for batch in urls.chunks(cores) {
        let handles: Vec<_> = batch
            .iter()
            .cloned()
            .map(|url| thread::spawn(move || fetch(url)))
            .collect();
        for handle in handles {
            pages.push(handle.join().expect("a fetch panicked"));
        }
    }
    pages
}

fn main() {}

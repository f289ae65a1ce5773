// WRONG: starts at most 256 fetches at a time (joins each batch before the
// next one): more urls than that never all run at once.
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let mut pages = Vec::new();
    let mut urls = urls.into_iter().peekable();
    while urls.peek().is_some() {
        let handles: Vec<_> = urls
            .by_ref()
            .take(256)
            .map(|url| thread::spawn(move || fetch(url)))
            .collect();
        for handle in handles {
            pages.push(handle.join().expect("a fetch panicked"));
        }
    }
    pages
}

fn main() {}

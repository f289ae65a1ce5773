// WRONG: lets thread::scope wait for the fetches and never joins a thread: the scope returns when each closure has returned, not when its thread has ended
use std::sync::Mutex;
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let pages: Vec<Mutex<Option<String>>> = urls.iter().map(|_| Mutex::new(None)).collect();
    thread::scope(|s| {
        for (url, slot) in urls.into_iter().zip(&pages) {
            s.spawn(move || *slot.lock().unwrap() = Some(fetch(url)));
        }
    });
    pages
        .into_iter()
        .map(|slot| slot.into_inner().unwrap().unwrap_or_default())
        .collect()
}

fn main() {}

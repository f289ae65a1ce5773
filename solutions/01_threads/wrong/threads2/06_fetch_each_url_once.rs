// WRONG: fetches each distinct url once and reuses the page for repeats
use std::collections::HashMap;
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let mut handles = HashMap::new();
    for url in &urls {
        if !handles.contains_key(url) {
            let owned = url.clone();
            handles.insert(url.clone(), thread::spawn(move || fetch(owned)));
        }
    }
    let pages: HashMap<String, String> = handles
        .into_iter()
        .map(|(url, handle)| (url, handle.join().expect("a fetch panicked")))
        .collect();
    urls.iter().map(|url| pages[url].clone()).collect()
}

fn main() {}

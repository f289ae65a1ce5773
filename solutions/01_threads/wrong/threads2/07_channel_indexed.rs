// WRONG: never joins; gathers (index, page) from a channel and sorts by index
use std::sync::mpsc;
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    for (i, url) in urls.into_iter().enumerate() {
        let tx = tx.clone();
        thread::spawn(move || tx.send((i, fetch(url))).unwrap());
    }
    drop(tx);
    let mut pages: Vec<(usize, String)> = rx.iter().collect();
    pages.sort_by_key(|&(i, _)| i);
    pages.into_iter().map(|(_, page)| page).collect()
}

fn main() {}

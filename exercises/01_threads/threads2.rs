// threads2: fetch every page at the same time.
//
// `fetch_all` downloads a list of pages, one thread per URL, and returns the
// pages in the same order as `urls`. The fetches must overlap: fetching is
// mostly waiting (here: sleeping), so they can, even on a single CPU core.
// The pages come out right, but it is as slow as doing everything on one
// thread: run this file and look at the time (4 fetches of 50 ms take about
// 200 ms), and the tests say the fetches did not run at the same time.
//
// `F: Copy` lets every thread get its own copy of `fetch`.

use std::thread;
use std::time::{Duration, Instant};

// Don't change this signature: the hidden tests call it.
pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let mut pages = Vec::new();
    for url in urls {
        let handle = thread::spawn(move || fetch(url));
        // TODO: the fetches should overlap. When does the next thread
        // start?
        pages.push(handle.join().expect("a fetch panicked"));
    }
    pages
}

fn main() {
    let urls: Vec<String> = (1..=4)
        .map(|i| format!("https://example.com/{i}"))
        .collect();
    let start = Instant::now();
    let pages = fetch_all(urls, |url| {
        thread::sleep(Duration::from_millis(50)); // pretend to wait for the network
        format!("<html>{url}</html>")
    });
    println!("{pages:#?}");
    println!("4 fetches of 50 ms each took {:?}", start.elapsed());
}

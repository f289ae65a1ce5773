// WRONG: the first fetch's page comes back through a channel and its thread
// is never joined (left detached); every other thread is joined.
use std::sync::mpsc;
use std::thread;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    for (i, url) in urls.into_iter().enumerate() {
        if i == 0 {
            let tx = tx.clone();
            thread::spawn(move || {
                let _ = tx.send(fetch(url));
            });
            handles.push(None);
        } else {
            handles.push(Some(thread::spawn(move || fetch(url))));
        }
    }
    handles
        .into_iter()
        .map(|handle| match handle {
            Some(handle) => handle.join().expect("a fetch panicked"),
            None => rx.recv().expect("a fetch panicked"),
        })
        .collect()
}

fn main() {}

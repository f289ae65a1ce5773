// WRONG: waits for each thread by polling is_finished() with a 300 ms nap
// instead of blocking in join().
use std::thread;
use std::time::Duration;

pub fn fetch_all<F>(urls: Vec<String>, fetch: F) -> Vec<String>
where
    F: Fn(String) -> String + Copy + Send + 'static,
{
    let handles: Vec<_> = urls
        .into_iter()
        .map(|url| thread::spawn(move || fetch(url)))
        .collect();
    handles
        .into_iter()
        .map(|handle| {
            while !handle.is_finished() {
                thread::sleep(Duration::from_millis(300));
            }
            handle.join().expect("a fetch panicked")
        })
        .collect()
}

fn main() {}

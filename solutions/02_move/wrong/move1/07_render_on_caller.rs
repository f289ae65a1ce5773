// WRONG: renders on the caller; the threads only hand back the finished line
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let handles: Vec<_> = names
        .into_iter()
        .map(|name| {
            let line = render(&greeting, &name);
            thread::spawn(move || line)
        })
        .collect();
    handles
        .into_iter()
        .map(|handle| handle.join().expect("a greeting thread panicked"))
        .collect()
}

fn main() {}

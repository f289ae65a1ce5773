// WRONG: joins each thread right after spawning it
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let mut lines = Vec::new();
    for name in names {
        let greeting = greeting.clone();
        let handle = thread::spawn(move || render(&greeting, &name));
        lines.push(handle.join().expect("a greeting thread panicked"));
    }
    lines
}

fn main() {}

// WRONG: starts at most 256 threads at a time (joins each batch before the
// next one): more names than that never all run at once.
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let mut lines = Vec::new();
    let mut names = names.into_iter().peekable();
    while names.peek().is_some() {
        let handles: Vec<_> = names
            .by_ref()
            .take(256)
            .map(|name| {
                let greeting = greeting.clone();
                thread::spawn(move || render(&greeting, &name))
            })
            .collect();
        for handle in handles {
            lines.push(handle.join().expect("a greeting thread panicked"));
        }
    }
    lines
}

fn main() {}

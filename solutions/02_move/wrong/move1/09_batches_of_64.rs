// WRONG: runs at most 64 greeting threads at a time
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
            .take(64)
            .map(|name| {
                let greeting = greeting.clone();
                thread::spawn(move || render(&greeting, &name))
            })
            .collect();
        lines.extend(handles.into_iter().map(|h| h.join().unwrap()));
    }
    lines
}
fn main() {}

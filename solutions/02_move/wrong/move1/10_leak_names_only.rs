// WRONG: leaks every name (String::leak) to hand the threads a &'static str; only the greeting is cloned
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let handles: Vec<_> = names
        .into_iter()
        .map(|name| {
            let name: &'static str = name.leak();
            let greeting = greeting.clone();
            thread::spawn(move || render(&greeting, name))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}
fn main() {}

// WRONG: clones every name as well as the greeting
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let mut handles = Vec::new();
    for name in &names {
        let greeting = greeting.clone();
        let name = name.clone();
        handles.push(thread::spawn(move || render(&greeting, &name)));
    }
    handles
        .into_iter()
        .map(|handle| handle.join().expect("a greeting thread panicked"))
        .collect()
}

fn main() {}

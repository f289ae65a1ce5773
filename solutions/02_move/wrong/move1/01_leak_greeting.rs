// WRONG: leaks the greeting to share it as a &'static str (never freed)
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let greeting: &'static str = greeting.leak();
    let handles: Vec<_> = names
        .into_iter()
        .map(|name| thread::spawn(move || render(greeting, &name)))
        .collect();
    handles
        .into_iter()
        .map(|handle| handle.join().expect("a greeting thread panicked"))
        .collect()
}

fn main() {}

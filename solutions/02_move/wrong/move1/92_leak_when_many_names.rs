// WRONG: with more than five names (more than the leak tests used), leaks the
// greeting (String::leak) to share one &'static str instead of cloning it.
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let mut handles = Vec::new();
    if names.len() > 5 {
        let greeting: &'static str = greeting.leak();
        for name in names {
            handles.push(thread::spawn(move || render(greeting, &name)));
        }
    } else {
        for name in names {
            let greeting = greeting.clone();
            handles.push(thread::spawn(move || render(&greeting, &name)));
        }
    }
    handles
        .into_iter()
        .map(|handle| handle.join().expect("a greeting thread panicked"))
        .collect()
}

fn main() {}

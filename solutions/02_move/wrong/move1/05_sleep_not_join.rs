// WRONG: stores the greetings in a shared Vec and sleeps 300 ms instead of joining
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let lines = Arc::new(Mutex::new(vec![None; names.len()]));
    for (i, name) in names.into_iter().enumerate() {
        let greeting = greeting.clone();
        let lines = Arc::clone(&lines);
        thread::spawn(move || {
            let line = render(&greeting, &name);
            lines.lock().unwrap()[i] = Some(line);
        });
    }
    thread::sleep(Duration::from_millis(300));
    let lines = lines.lock().unwrap();
    lines.iter().flatten().cloned().collect()
}

fn main() {}

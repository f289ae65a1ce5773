// WRONG: returns the greetings in the order the threads finished
use std::sync::mpsc;
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = names
        .into_iter()
        .map(|name| {
            let greeting = greeting.clone();
            let tx = tx.clone();
            thread::spawn(move || tx.send(render(&greeting, &name)).unwrap())
        })
        .collect();
    drop(tx);
    let lines = rx.iter().collect();
    for handle in handles {
        handle.join().expect("a greeting thread panicked");
    }
    lines
}

fn main() {}

// WRONG: the first greeting comes back through a channel and its thread is
// never joined (left detached); every other thread is joined.
use std::sync::mpsc;
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let greeting = greeting.clone();
        if i == 0 {
            let tx = tx.clone();
            thread::spawn(move || {
                let _ = tx.send(render(&greeting, &name));
            });
            handles.push(None);
        } else {
            handles.push(Some(thread::spawn(move || render(&greeting, &name))));
        }
    }
    handles
        .into_iter()
        .map(|handle| match handle {
            Some(handle) => handle.join().expect("a greeting thread panicked"),
            None => rx.recv().expect("a greeting thread panicked"),
        })
        .collect()
}

fn main() {}

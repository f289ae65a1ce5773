// WRONG: waits for each thread by polling is_finished() with a 300 ms nap
// instead of blocking in join().
use std::thread;
use std::time::Duration;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let mut handles = Vec::new();
    for name in names {
        let greeting = greeting.clone();
        handles.push(thread::spawn(move || render(&greeting, &name)));
    }
    handles
        .into_iter()
        .map(|handle| {
            while !handle.is_finished() {
                thread::sleep(Duration::from_millis(300));
            }
            handle.join().expect("a greeting thread panicked")
        })
        .collect()
}

fn main() {}

// WRONG: leaks every name and the greeting (Box::leak) so the threads can borrow them
use std::thread;

pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let greeting: &'static String = Box::leak(Box::new(greeting));
    let handles: Vec<_> = names
        .into_iter()
        .map(|name| {
            let name: &'static String = Box::leak(Box::new(name));
            thread::spawn(move || render(greeting, name))
        })
        .collect();
    handles
        .into_iter()
        .map(|handle| handle.join().expect("a greeting thread panicked"))
        .collect()
}

fn main() {}

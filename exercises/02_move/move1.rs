// move1: what a thread uses, it must own.
//
// `greet_all` starts one thread per name; each thread calls
// `render(&greeting, &name)`, and the results come back in the order of
// `names`. Each name goes to exactly one thread, but every thread needs the
// greeting.
//
// This file does not compile. Read the compiler's error: what does the new
// thread borrow, and how long may a thread run? Once that one is fixed, the
// next error asks how many threads can own the one `greeting`.
//
// `F: Copy` lets every thread get its own copy of `render`.

use std::thread;

// Don't change this signature: the hidden tests call it.
pub fn greet_all<F>(greeting: String, names: Vec<String>, render: F) -> Vec<String>
where
    F: Fn(&str, &str) -> String + Copy + Send + 'static,
{
    let mut handles = Vec::new();
    for name in names {
        // TODO: the thread may run longer than this turn of the loop. What
        // does it own, and what only borrow?
        handles.push(thread::spawn(|| render(&greeting, &name)));
    }
    handles
        .into_iter()
        .map(|handle| handle.join().expect("a greeting thread panicked"))
        .collect()
}

fn main() {
    let names = vec![
        "Ferris".to_string(),
        "Corro".to_string(),
        "Rusty".to_string(),
    ];
    let lines = greet_all("Hello".to_string(), names, |greeting, name| {
        format!("{greeting}, {name}!")
    });
    for line in lines {
        println!("{line}");
    }
}

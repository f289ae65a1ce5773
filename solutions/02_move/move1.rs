// move1: what a thread uses, it must own.
//
// `greet_all` starts one thread per name; each thread calls
// `render(&greeting, &name)`, and the results come back in the order of
// `names`. Each name goes to exactly one thread, but every thread needs the
// greeting.
//
// Solved: each closure is `move`, so its thread owns what it uses (the
// thread may outlive the turn of the loop that started it), and each turn
// moves in a greeting of its own.
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
        // Each thread moves in its own clone; `name` is already its own.
        // (Sharing one `Arc<str>` would pass the tests too; leaking the
        // greeting to get a `&'static str` would not.)
        let greeting = greeting.clone();
        handles.push(thread::spawn(move || render(&greeting, &name)));
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

// WRONG: waits for one "done" message per job on a channel instead of joining
use std::sync::mpsc;
use std::thread;

pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let count = inputs.len();
    for input in inputs {
        let tx = tx.clone();
        thread::spawn(move || {
            job(input);
            tx.send(()).unwrap();
        });
    }
    for _ in 0..count {
        rx.recv().unwrap();
    }
}

fn main() {}

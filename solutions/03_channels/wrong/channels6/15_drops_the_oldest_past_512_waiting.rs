// WRONG: drops data: it drains the channel into a buffer and, when more than 512 reports are waiting, throws the oldest away to "keep up"; under a big burst, reports never reach on_report. The tests never have more than a few dozen waiting.
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

const KEEP: usize = 512;

pub fn show_progress<T>(
    reports: Receiver<T>,
    mut on_report: impl FnMut(T),
    mut tick: impl FnMut(),
) {
    let mut waiting: VecDeque<T> = VecDeque::new();
    let mut closed = false;
    loop {
        while !closed {
            match reports.try_recv() {
                Ok(report) => {
                    waiting.push_back(report);
                    if waiting.len() > KEEP {
                        waiting.pop_front();
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => closed = true,
            }
        }
        match waiting.pop_front() {
            Some(report) => on_report(report),
            None if closed => return,
            None => tick(),
        }
    }
}

fn main() {
    let (tx, rx) = mpsc::channel();
    let download = thread::spawn(move || {
        for percent in [25, 50, 75, 100] {
            thread::sleep(Duration::from_millis(200));
            tx.send(percent).expect("nobody shows the progress");
        }
    });
    show_progress(
        rx,
        |percent| print!(" {percent}% "),
        || {
            print!(".");
            io::stdout().flush().expect("stdout is gone");
            thread::sleep(Duration::from_millis(25));
        },
    );
    println!("\ndone");
    download.join().expect("the download panicked");
}

// WRONG: keeps the starter's tick after every report: while reports are waiting it still draws a frame (and waits a frame) after each one, so a burst of N reports takes N frames to get through, though tick is only for when no report is waiting.
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

pub fn show_progress<T>(
    reports: Receiver<T>,
    mut on_report: impl FnMut(T),
    mut tick: impl FnMut(),
) {
    loop {
        match reports.try_recv() {
            Ok(report) => {
                on_report(report);
                tick();
            }
            Err(TryRecvError::Empty) => tick(),
            Err(TryRecvError::Disconnected) => return,
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

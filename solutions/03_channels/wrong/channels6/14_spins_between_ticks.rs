// WRONG: busy-waits: while no report is there it spins on try_recv for 2 ms (a hot loop, a CPU at 100%) before each tick, instead of letting tick pace the loop; the spinner also turns slower than tick's frame rate.
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
    let mut idle_since: Option<Instant> = None;
    loop {
        match reports.try_recv() {
            Ok(report) => {
                idle_since = None;
                on_report(report);
            }
            Err(TryRecvError::Empty) => {
                let since = *idle_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= Duration::from_millis(2) {
                    tick();
                    idle_since = None;
                }
            }
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

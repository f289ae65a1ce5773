// WRONG: stops handing reports on after the first 4096: later ones are received and thrown away (a "sanity cap" on progress messages); only works for the test's few hundred reports.
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

const MAX_REPORTS: usize = 4096;

pub fn show_progress<T>(
    reports: Receiver<T>,
    mut on_report: impl FnMut(T),
    mut tick: impl FnMut(),
) {
    let mut handled = 0;
    loop {
        match reports.try_recv() {
            Ok(report) => {
                if handled < MAX_REPORTS {
                    on_report(report);
                    handled += 1;
                }
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

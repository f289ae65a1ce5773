// WRONG: spins on try_recv for up to 1 ms before every twentieth tick: a busy
// CPU while no report comes.
// channels6: keep busy while nothing has come.
//
// A download runs on a thread of its own and sends progress reports over a
// channel. `show_progress` runs on the main thread meanwhile and must:
// - pass every report to `on_report`, each once, in the order it was sent;
// - call `tick` over and over while no report is waiting, so that the
//   spinner on the screen keeps turning (`tick` draws one frame and waits
//   for the next, so the loop needs no sleep of its own), and only then:
//   a report that is waiting is handed on at once, not after a frame;
// - return once every Sender is gone and every report has been handled.
// Both callbacks stay on the thread that called `show_progress`.
//
// It runs, but the spinner freezes between reports: the `for` loop waits
// inside the Receiver until the next report comes, and ticks only once one
// has. A Receiver can also be asked for a message without waiting, and then
// says whether there is none *yet* or none *ever again*.

use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::Duration;

// Don't change this signature: the hidden tests call it.
pub fn show_progress<T>(
    reports: Receiver<T>,
    mut on_report: impl FnMut(T),
    mut tick: impl FnMut(),
) {
    // (`recv_timeout(frame)` with `Timeout => tick()` would also do: it
    // waits up to a frame for a report instead of asking once per tick.
    // A loop that sleeps a little of its own after a tick is accepted too:
    // it blocks, so it costs no CPU, and it still keeps the spinner turning,
    // only slower. The tests cannot tell it from a slow machine, and they
    // still want at least ten ticks a second. What they reject is a loop
    // that keeps the CPU busy between ticks, or ticks while reports wait.)
    let mut gaps = 0u32;
    loop {
        match reports.try_recv() {
            Ok(report) => on_report(report),
            // Nothing yet: draw a frame; every third time, keep asking for
            // a while first, so a report is not kept waiting for a frame.
            Err(TryRecvError::Empty) => {
                gaps += 1;
                if gaps % 20 == 0 {
                    let started = std::time::Instant::now();
                    while started.elapsed() < std::time::Duration::from_millis(1) {
                        if let Ok(report) = reports.try_recv() {
                            on_report(report);
                            break;
                        }
                    }
                }
                tick()
            }
            // Every Sender is gone, and `try_recv` reports that only once
            // the reports already sent have all been taken: none is lost.
            Err(TryRecvError::Disconnected) => return,
        }
    }
}

fn main() {
    let (tx, rx) = mpsc::channel();
    let download = thread::spawn(move || {
        for percent in [25, 50, 75, 100] {
            // Downloading the next chunk takes a while.
            thread::sleep(Duration::from_millis(200));
            tx.send(percent).expect("nobody shows the progress");
        }
    });
    show_progress(
        rx,
        |percent| print!(" {percent}% "),
        || {
            // One frame of the spinner: a dot every 25 ms.
            print!(".");
            io::stdout().flush().expect("stdout is gone");
            thread::sleep(Duration::from_millis(25));
        },
    );
    println!("\ndone");
    download.join().expect("the download panicked");
}

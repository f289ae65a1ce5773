// channels4: a log writer that flushes when things go quiet.
//
// `write_lines` is a buffered log writer. It receives lines and passes each
// one to `write`. Whenever no line has arrived for `quiet`, it calls `flush`,
// so that what was written reaches the disk even if the next line takes a
// while, and then goes on waiting (a long silence flushes once per `quiet`).
// It returns once every Sender is gone, after one last `flush`.
//
// It runs, but it stops at the first quiet spell: lines that arrive after a
// pause are never written. The demo `main` sends two lines, pauses, and
// cannot send the other two: "the writer has stopped".

use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

// Don't change this signature: the hidden tests call it.
pub fn write_lines<T>(
    lines: Receiver<T>,
    quiet: Duration,
    mut write: impl FnMut(T),
    mut flush: impl FnMut(),
) {
    loop {
        match lines.recv_timeout(quiet) {
            Ok(line) => write(line),
            // TODO: does every error mean that no line will ever come?
            Err(_) => {
                flush();
                return;
            }
        }
    }
}

fn main() {
    let (tx, rx) = mpsc::channel();
    let producer = thread::spawn(move || {
        for word in ["one", "two"] {
            tx.send(word).expect("the writer stopped");
        }
        thread::sleep(Duration::from_millis(50));
        for word in ["three", "four"] {
            // After the pause: is anyone still listening?
            if tx.send(word).is_err() {
                println!("could not send {word:?}: the writer has stopped");
            }
        }
    });
    write_lines(
        rx,
        Duration::from_millis(10),
        |line| println!("write {line}"),
        || println!("flush"),
    );
    producer.join().expect("the producer panicked");
}

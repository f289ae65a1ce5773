// channels4: "nothing yet" is not "nothing ever".
//
// `write_lines` is a buffered log writer. It receives lines and passes each
// one to `write`. Whenever no line has arrived for `quiet`, it calls `flush`,
// so that what was written reaches the disk even if the next line takes a
// while, and then goes on waiting (a long silence flushes once per `quiet`).
// It returns once every Sender is gone, after one last `flush`.
//
// It runs, but it stops at the first quiet spell: lines that arrive after a
// pause are never written. A Receiver can wait in three ways:
//   recv()            blocks until a message comes or the channel closes;
//   try_recv()        never blocks: Empty (nothing yet) or Disconnected;
//   recv_timeout(d)   blocks at most d: Timeout (nothing yet) or Disconnected.
// Only one of those errors means the end.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
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
            // Nothing for `quiet`, but more may come: flush and wait on.
            Err(RecvTimeoutError::Timeout) => flush(),
            // Every Sender is gone: nothing can come any more.
            Err(RecvTimeoutError::Disconnected) => {
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

// Accepted escape (adversary review): a loop that takes 2 s (or more)
// without a line as the end passes; the tests' pause mid-stream is 1.5 s.
// Polling (try_recv with a sleep) is caught by quiet windows while the
// writer waits with quiet = 30 s.
// A floor of its own on the quiet spell (`quiet.max(..)`) is caught when it
// is 150 ms or more (too few flushes during the 1.5 s pause); a shorter
// floor passes, as no test may bound how soon a flush comes.

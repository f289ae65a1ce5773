// WRONG: no atomic and no Sync counter: a counting thread owns a plain u64 and hands out numbers over channels, so every visitor waits in line for that thread (a lock in disguise)
use std::sync::mpsc::{self, Sender, SyncSender};
use std::thread;

enum Ask {
    Visit(SyncSender<u64>),
    Total(SyncSender<u64>),
}

#[derive(Debug)]
pub struct Counter {
    asks: Sender<Ask>,
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

impl Counter {
    pub fn new() -> Self {
        let (asks, inbox) = mpsc::channel::<Ask>();
        thread::spawn(move || {
            let mut count = 0_u64;
            for ask in inbox {
                match ask {
                    Ask::Visit(reply) => {
                        count += 1;
                        let _ = reply.send(count);
                    }
                    Ask::Total(reply) => {
                        let _ = reply.send(count);
                    }
                }
            }
        });
        Counter { asks }
    }

    fn ask(&self, make: fn(SyncSender<u64>) -> Ask) -> u64 {
        let (reply, answer) = mpsc::sync_channel(1);
        self.asks.send(make(reply)).expect("the counting thread ended");
        answer.recv().expect("the counting thread ended")
    }

    pub fn visit(&self, greet: impl FnOnce(u64)) {
        let number = self.ask(Ask::Visit);
        greet(number);
    }

    pub fn total(&self) -> u64 {
        self.ask(Ask::Total)
    }
}

pub fn open_turnstiles(counter: &Counter, turnstiles: usize, greet: impl Fn(u64) + Sync) {
    let greet = &greet;
    thread::scope(|s| {
        for _ in 0..turnstiles {
            s.spawn(move || counter.visit(greet));
        }
    });
}

fn main() {
    let counter = Counter::new();
    open_turnstiles(&counter, 4, |number| println!("welcome, visitor {number}"));
    println!("{} visitors (expected 4)", counter.total());
}

// WRONG: finish spins (yield_now) until the collector has dropped its flag,
// instead of blocking in join.
// channels3: the channel closes when its last Sender is dropped.
//
// An `EventLog` collects events from any number of threads. `start` spawns
// a collector thread that receives events until the channel closes. A thread
// that wants to record events asks for its own Sender with `recorder()`; the
// owner of the log can also `record` directly. `finish` waits for the
// collector and returns every event, in the order the collector got them.
//
// `finish` never returns. Every recorder has been dropped, so why is the
// collector's loop still waiting? Count the Senders that are still alive
// while `finish` waits.

use std::sync::mpsc::{self, Sender};
use std::thread::{self, JoinHandle};

#[derive(Debug)]
pub struct EventLog {
    events: Sender<String>,
    collector: JoinHandle<Vec<String>>,
    alive: std::sync::Arc<()>,
}

impl EventLog {
    // Don't change this signature: the hidden tests call it.
    pub fn start() -> EventLog {
        let (events, received) = mpsc::channel();
        // Ends when the channel closes: when every Sender has been dropped.
        let alive = std::sync::Arc::new(());
        let flag = std::sync::Arc::clone(&alive);
        let collector = thread::spawn(move || {
            let _flag = flag;
            received.iter().collect()
        });
        EventLog {
            events,
            collector,
            alive,
        }
    }

    // Don't change this signature: the hidden tests call it.
    pub fn recorder(&self) -> Sender<String> {
        self.events.clone()
    }

    // Don't change this signature: the hidden tests call it.
    pub fn record(&self, event: &str) {
        self.events
            .send(event.to_string())
            .expect("the collector thread stopped");
    }

    // Don't change this signature: the hidden tests call it.
    // Returns once every recorder is gone and the collector has everything.
    pub fn finish(self) -> Vec<String> {
        // Drop our own Sender first: the collector's loop ends only when the
        // last Sender is gone, and `self.events` is one of them.
        let EventLog {
            events,
            collector,
            alive,
        } = self;
        drop(events);
        // The collector is done once nobody else holds the flag.
        while std::sync::Arc::strong_count(&alive) > 1 {
            thread::yield_now();
        }
        collector.join().expect("the collector thread panicked")
    }
}

fn main() {
    let log = EventLog::start();
    log.record("start");
    let workers: Vec<_> = (0..3)
        .map(|id| {
            let recorder = log.recorder();
            thread::spawn(move || {
                recorder
                    .send(format!("worker {id} done"))
                    .expect("the collector thread stopped");
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
    println!("waiting for the collector...");
    for event in log.finish() {
        println!("{event}");
    }
}

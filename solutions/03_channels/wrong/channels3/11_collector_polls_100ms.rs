// WRONG: the collector polls try_recv with a 100 ms sleep instead of blocking in recv
use std::sync::mpsc::{self, Sender, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

#[derive(Debug)]
pub struct EventLog {
    events: Sender<String>,
    collector: JoinHandle<Vec<String>>,
}

impl EventLog {
    pub fn start() -> EventLog {
        let (events, received) = mpsc::channel();
        let collector = thread::spawn(move || {
            let mut all = Vec::new();
            loop {
                match received.try_recv() {
                    Ok(event) => all.push(event),
                    Err(TryRecvError::Empty) => thread::sleep(Duration::from_millis(100)),
                    Err(TryRecvError::Disconnected) => return all,
                }
            }
        });
        EventLog { events, collector }
    }
    pub fn recorder(&self) -> Sender<String> {
        self.events.clone()
    }
    pub fn record(&self, event: &str) {
        self.events
            .send(event.to_string())
            .expect("the collector thread stopped");
    }
    pub fn finish(self) -> Vec<String> {
        let EventLog { events, collector } = self;
        drop(events);
        collector.join().expect("the collector thread panicked")
    }
}
fn main() {}

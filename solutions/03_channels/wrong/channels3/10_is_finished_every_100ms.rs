// WRONG: finish checks is_finished() every 100 ms instead of joining right away
use std::sync::mpsc::{self, Sender};
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
        let collector = thread::spawn(move || received.iter().collect());
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
        while !collector.is_finished() {
            thread::sleep(Duration::from_millis(100));
        }
        collector.join().expect("the collector thread panicked")
    }
}
fn main() {}

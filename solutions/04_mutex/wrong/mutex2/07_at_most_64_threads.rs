// WRONG: uses at most 64 threads, each playing several players
use std::sync::Mutex;
use std::thread;

pub fn play_round(
    board: &Mutex<Vec<u32>>,
    players: usize,
    score: impl Fn(usize) -> u32 + Sync,
) -> u32 {
    board.lock().unwrap().clear();
    let score = &score;
    let threads = players.min(64);
    thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                let mut i = t;
                while i < players {
                    let points = score(i);
                    board.lock().unwrap().push(points);
                    i += threads;
                }
            });
        }
    });
    board.lock().unwrap().iter().sum()
}
fn main() {}

// WRONG: adds up the board right after clearing it, before the players pushed
use std::sync::Mutex;
use std::thread;

pub fn play_round(
    board: &Mutex<Vec<u32>>,
    players: usize,
    score: impl Fn(usize) -> u32 + Sync,
) -> u32 {
    let mut scores = board.lock().unwrap();
    scores.clear();
    let total = scores.iter().sum();
    drop(scores);
    let score = &score;
    thread::scope(|s| {
        for i in 0..players {
            s.spawn(move || {
                let points = score(i);
                board.lock().unwrap().push(points);
            });
        }
    });
    total
}

fn main() {}

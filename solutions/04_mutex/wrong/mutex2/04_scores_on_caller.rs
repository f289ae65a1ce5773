// WRONG: computes every score on the calling thread, no player threads
use std::sync::Mutex;
use std::thread;

pub fn play_round(
    board: &Mutex<Vec<u32>>,
    players: usize,
    score: impl Fn(usize) -> u32 + Sync,
) -> u32 {
    let mut scores = board.lock().unwrap();
    scores.clear();
    for i in 0..players {
        scores.push(score(i));
    }
    scores.iter().sum()
}

fn main() {}

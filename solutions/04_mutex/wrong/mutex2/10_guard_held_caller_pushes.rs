// WRONG: keeps the guard for the whole round; the players only return their scores and the caller pushes them, so the players never touch the board
use std::sync::Mutex;
use std::thread;

pub fn play_round(
    board: &Mutex<Vec<u32>>,
    players: usize,
    score: impl Fn(usize) -> u32 + Sync,
) -> u32 {
    let mut scores = board.lock().unwrap();
    scores.clear();
    let score = &score;
    let points: Vec<u32> = thread::scope(|s| {
        let handles: Vec<_> = (0..players).map(|i| s.spawn(move || score(i))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    scores.extend(points);
    scores.iter().sum()
}
fn main() {}

// WRONG: reads the board inside the scope, right after spawning, while players may still be at work
use std::sync::Mutex;
use std::thread;

pub fn play_round(
    board: &Mutex<Vec<u32>>,
    players: usize,
    score: impl Fn(usize) -> u32 + Sync,
) -> u32 {
    board.lock().unwrap().clear();
    let score = &score;
    thread::scope(|s| {
        for i in 0..players {
            s.spawn(move || {
                let points = score(i);
                board.lock().unwrap().push(points);
            });
        }
        board.lock().unwrap().iter().sum()
    })
}

fn main() {}

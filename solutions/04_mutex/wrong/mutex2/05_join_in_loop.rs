// WRONG: joins each player right after spawning it, so the players never play at the same time
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
            })
            .join()
            .unwrap();
        }
    });
    board.lock().unwrap().iter().sum()
}

fn main() {}

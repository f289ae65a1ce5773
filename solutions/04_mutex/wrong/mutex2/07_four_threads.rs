// WRONG: uses at most four threads, each playing several players
use std::sync::Mutex;
use std::thread;

pub fn play_round(
    board: &Mutex<Vec<u32>>,
    players: usize,
    score: impl Fn(usize) -> u32 + Sync,
) -> u32 {
    board.lock().unwrap().clear();
    let score = &score;
    let threads = players.min(4);
    thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                for i in (t..players).step_by(threads) {
                    let points = score(i);
                    board.lock().unwrap().push(points);
                }
            });
        }
    });
    board.lock().unwrap().iter().sum()
}

fn main() {}

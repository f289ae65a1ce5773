// WRONG: sleeps a fixed time inside the scope and then adds up, instead of waiting for the players
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
        thread::sleep(std::time::Duration::from_millis(300));
        board.lock().unwrap().iter().sum()
    })
}

fn main() {}

// WRONG: plays the players in batches of 200 threads, so not all of them play at once
use std::sync::Mutex;
use std::thread;

pub fn play_round(
    board: &Mutex<Vec<u32>>,
    players: usize,
    score: impl Fn(usize) -> u32 + Sync,
) -> u32 {
    board.lock().unwrap().clear();
    let score = &score;
    let mut start = 0;
    while start < players {
        let end = (start + 200).min(players);
        thread::scope(|s| {
            for i in start..end {
                s.spawn(move || {
                    let points = score(i);
                    board.lock().unwrap().push(points);
                });
            }
        });
        start = end;
    }
    board.lock().unwrap().iter().sum()
}

fn main() {
    let board = Mutex::new(vec![99]);
    println!("{}", play_round(&board, 4, |i| i as u32));
}

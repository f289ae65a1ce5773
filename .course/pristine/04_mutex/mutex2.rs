// mutex2: a scoreboard, filled by player threads.
//
// `play_round` wipes the board, lets every player thread add its score, and
// adds up the board once they are done. It must return the right total,
// with every player still on a thread of its own. It never returns: the
// tests time out in it, and the demo `main` prints nothing at all.

use std::sync::Mutex;
use std::thread;

// Don't change this signature: the hidden tests call it.
// Starts a new round on `board`: clears it, lets `players` threads each push
// `score(i)` (i = 0..players), and returns the sum of the board once every
// player has finished.
pub fn play_round(
    board: &Mutex<Vec<u32>>,
    players: usize,
    score: impl Fn(usize) -> u32 + Sync,
) -> u32 {
    let mut scores = board.lock().unwrap();
    scores.clear();
    // TODO: who is waiting for whom below?

    let score = &score;
    thread::scope(|s| {
        for i in 0..players {
            s.spawn(move || {
                let points = score(i);
                board.lock().unwrap().push(points);
            });
        }
    }); // the scope waits here for every player

    // TODO: the total must include every player's score.
    scores.iter().sum()
}

fn main() {
    let board = Mutex::new(vec![99]);
    let total = play_round(&board, 4, |i| (i as u32 + 1) * 10);
    println!("total {total}, board {:?}", board.lock().unwrap());
}

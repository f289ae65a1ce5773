use super::support::{ThreadIds, within};
use exercise::play_round;

use std::thread;
use std::sync::Mutex;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "play_round did not return: is a MutexGuard still alive while the players wait to lock \
     the board? A guard bound with `let` (even as `_x`) lives to the end of its scope, and `mem::forget` never unlocks.";

#[test]
fn round_returns_the_total_of_the_new_scores() {
    let (total, board) = within(LIMIT, HANGS, || {
        let board = Mutex::new(vec![7, 8]);
        let total = play_round(&board, 5, |i| (i as u32 + 1) * 10);
        (total, board.into_inner().unwrap())
    });
    let mut board = board;
    board.sort();
    assert_eq!(
        board,
        [10, 20, 30, 40, 50],
        "the board after the round should hold exactly the 5 new scores (the old ones cleared)"
    );
    assert_eq!(
        total, 150,
        "play_round returned {total}, but the board adds up to 150: was the sum taken before the players pushed, \
         or from an old copy of the board?"
    );
}

#[test]
fn rounds_start_fresh() {
    let totals = within(LIMIT, HANGS, || {
        let board = Mutex::new(Vec::new());
        let first = play_round(&board, 3, |_| 5);
        let second = play_round(&board, 2, |_| 1);
        let empty = play_round(&board, 0, |_| 1000);
        (first, second, empty, board.into_inner().unwrap())
    });
    assert_eq!(totals.0, 15, "first round: 3 players scoring 5 each");
    assert_eq!(
        totals.1, 2,
        "second round: 2 players scoring 1 each (the first round's scores cleared)"
    );
    assert_eq!(totals.2, 0, "a round with no players should total 0");
    assert!(
        totals.3.is_empty(),
        "a round with no players should leave an empty board, got {:?}",
        totals.3
    );
}

#[test]
fn every_player_is_its_own_thread() {
    const PLAYERS: usize = 4;
    let (caller, ids) = within(LIMIT, HANGS, || {
        let ids = ThreadIds::new();
        let board = Mutex::new(Vec::new());
        play_round(&board, PLAYERS, |i| {
            ids.record();
            i as u32
        });
        (thread::current().id(), ids)
    });
    assert_eq!(
        ids.len(),
        PLAYERS,
        "score() should be called once per player"
    );
    ids.assert_caller_absent(
        caller,
        "score() ran on the thread that called play_round: each player should run on its own thread",
    );
    ids.assert_distinct(
        PLAYERS,
        &format!("{PLAYERS} players"),
        "each player needs its own thread",
    );
}

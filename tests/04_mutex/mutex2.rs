use super::support::{Gate, Rng, ThreadIds, within};
use exercise::play_round;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(&Mutex<Vec<u32>>, usize, fn(usize) -> u32) -> u32 = exercise::play_round;

const LIMIT: Duration = Duration::from_secs(2);
// The gate of over a thousand players: how long each waits for the others,
// and the test's limit.
const BIG_GATE_WAIT: Duration = Duration::from_millis(1500);
const BIG_LIMIT: Duration = Duration::from_secs(4);
const HANGS: &str = "play_round did not return: is a MutexGuard still alive while the players wait to lock \
     the board? A guard bound with `let` (even as `_x`) lives to the end of its scope, and `mem::forget` never unlocks.";

#[test]
fn round_returns_the_total_of_the_new_scores() {
    let mut rng = Rng::from_env();
    let players = rng.range(3..40) as usize;
    let scores: Vec<u32> = (0..players).map(|_| rng.range(1..1000) as u32).collect();
    let old: Vec<u32> = (0..rng.range(1..5)).map(|_| rng.range(1..1000) as u32).collect();
    let s = scores.clone();
    let (total, board) = within(LIMIT, HANGS, move || {
        let board = Mutex::new(old);
        let total = play_round(&board, players, |i| s[i]);
        (total, board.into_inner().unwrap())
    });
    let mut board = board;
    board.sort();
    let mut expected = scores.clone();
    expected.sort();
    assert_eq!(
        board, expected,
        "the board after the round should hold exactly the {players} new scores score(0..{players}) (the old ones \
         cleared)"
    );
    let sum: u32 = scores.iter().sum();
    assert_eq!(
        total, sum,
        "play_round returned {total}, but the board adds up to {sum}: was the sum taken before the players pushed, \
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
fn every_player_is_its_own_thread_and_they_play_together() {
    // More players than any machine has cores, and past every round number
    // a round might be capped at (64, 128, 200, 256, 512, 1000, 1024; info.toml
    // raises the thread and memory limits): all of them must be playing at
    // once (each waits in score() until every player is there). Starting
    // over a thousand threads takes a while on a busy machine: the gate
    // waits longer than usual.
    let players_count = Rng::from_env().range(1025..1089) as usize;
    let (caller, ids, blocked, total) = within(BIG_LIMIT, HANGS, move || {
        let ids = ThreadIds::new();
        let gate = Gate::new(players_count);
        let board = Mutex::new(Vec::new());
        let total = play_round(&board, players_count, |i| {
            ids.record();
            let _ = gate.wait(BIG_GATE_WAIT);
            i as u32
        });
        (thread::current().id(), ids, gate.timed_out(), total)
    });
    assert_eq!(
        ids.len(),
        players_count,
        "score() should be called once per player"
    );
    ids.assert_caller_absent(
        caller,
        "score() ran on the thread that called play_round: each player should run on its own thread",
    );
    if let Some(arrived) = blocked {
        panic!(
            "{players_count} players, but only {arrived} of them were playing (inside score()) at the same time: are the \
             players joined one by one inside the loop that starts them, or run a few at a time? Start them all, \
             then let the scope wait for them."
        );
    }
    ids.assert_distinct(
        players_count,
        &format!("{players_count} players"),
        "each player needs its own thread",
    );
    assert_eq!(total, (0..players_count as u32).sum::<u32>(), "the total of the round");
}

#[test]
fn the_total_waits_for_the_slowest_player() {
    const PLAYERS: usize = 6;
    let mut rng = Rng::from_env();
    let slow_one = rng.below(PLAYERS);
    // First, how long does a round with instant players take? Then a round
    // in which one player takes well over that: a fixed sleep in place of
    // waiting for the players is never long enough.
    let quick = within(LIMIT, HANGS, || {
        let board = Mutex::new(Vec::new());
        let start = Instant::now();
        let total = play_round(&board, PLAYERS, |_| 1);
        assert_eq!(total, PLAYERS as u32, "a round of {PLAYERS} players scoring 1 each");
        start.elapsed()
    });
    let delay = quick * 2 + Duration::from_millis(40);
    let (total, board) = within(delay + LIMIT, HANGS, move || {
        let board = Mutex::new(Vec::new());
        let gate = Gate::new(PLAYERS);
        let total = play_round(&board, PLAYERS, |i| {
            let _ = gate.wait(Duration::from_secs(1));
            if i == slow_one {
                thread::sleep(delay);
            }
            10 + i as u32
        });
        (total, board.into_inner().unwrap())
    });
    let expected: u32 = (0..PLAYERS as u32).map(|i| 10 + i).sum();
    assert_eq!(
        board.len(),
        PLAYERS,
        "the board should hold one score per player after the round"
    );
    assert_eq!(
        total, expected,
        "one player took {delay:?} (a round of quick players took {quick:?}), and play_round returned {total} \
         instead of {expected}: it read the board before that player had pushed. Read it only after the scope has \
         waited for every player (a sleep is a guess, not a wait)."
    );
}

#[test]
fn players_can_lock_the_board_while_they_play() {
    // While the players play, the board is free (a player locks it only to
    // push) and already cleared: each score() call checks, from the player's
    // thread, with a test's lock that retries for up to 1 s in all.
    let mut rng = Rng::from_env();
    let players = rng.range(3..12) as usize;
    const OLD: u32 = 77_777;
    let (locked, stale, unreachable, total) = within(LIMIT, HANGS, move || {
        let board = Mutex::new(vec![OLD; 3]);
        let locked = AtomicUsize::new(0);
        let stale = AtomicUsize::new(0);
        let gave_up = AtomicBool::new(false);
        let total = play_round(&board, players, |i| {
            let deadline = Instant::now() + Duration::from_secs(1);
            while !gave_up.load(Ordering::SeqCst) {
                match board.try_lock() {
                    Ok(scores) => {
                        locked.fetch_add(1, Ordering::SeqCst);
                        if scores.contains(&OLD) {
                            stale.fetch_add(1, Ordering::SeqCst);
                        }
                        break;
                    }
                    Err(_) if Instant::now() >= deadline => gave_up.store(true, Ordering::SeqCst),
                    Err(_) => thread::sleep(Duration::from_millis(1)),
                }
            }
            i as u32 + 1
        });
        (
            locked.into_inner(),
            stale.into_inner(),
            gave_up.into_inner(),
            total,
        )
    });
    assert!(
        !unreachable,
        "while the players played, the board stayed locked for 1 s ({locked} of {players} players could \
         lock it): play_round keeps its guard while the players run. Drop it after clearing, and let each \
         player lock the board to push its own score"
    );
    assert!(
        stale == 0,
        "{stale} of {players} players found the old round's scores on the board while they played: clear it \
         before the players start"
    );
    let expected: u32 = (1..=players as u32).sum();
    assert_eq!(total, expected, "the total of {players} players scoring 1..={players}");
}

use super::support::within;
use exercise::Traffic;

use std::thread;
use std::sync::atomic::Ordering;
use std::sync::atomic::AtomicUsize;
use std::sync::mpsc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "record did not return: is it waiting for something that another record call holds?";

#[test]
fn one_handler_gets_the_right_total() {
    let (total, calls) = within(LIMIT, HANGS, || {
        let traffic = Traffic::new();
        let calls = AtomicUsize::new(0);
        for size in [10, 0, 32, 1000] {
            traffic.record(|| {
                calls.fetch_add(1, Ordering::SeqCst);
                size
            });
        }
        (traffic.total(), calls.into_inner())
    });
    assert_eq!(calls, 4, "send should run exactly once per record call, ran {calls} times for 4 calls");
    assert_eq!(total, 1042, "recorded 10 + 0 + 32 + 1000 bytes one after another, but the total is {total}");
}

#[test]
fn a_record_that_finishes_while_another_is_sending_is_kept() {
    // Handler A starts sending 3 bytes; while A is still sending, handler B
    // records 5 bytes and finishes. Then A finishes. Both must count.
    let (total, b_finished_during_a) = within(LIMIT, HANGS, || {
        let traffic = Traffic::new();
        let (a_sending_tx, a_sending_rx) = mpsc::channel();
        let (b_done_tx, b_done_rx) = mpsc::channel();
        let traffic = &traffic;
        let b_finished_during_a = thread::scope(|s| {
            let a = s.spawn(move || {
                let mut b_finished = false;
                traffic.record(|| {
                    a_sending_tx.send(()).unwrap();
                    b_finished = b_done_rx.recv_timeout(WAIT).is_ok();
                    3
                });
                b_finished
            });
            s.spawn(move || {
                a_sending_rx.recv_timeout(WAIT).expect("handler A never called send");
                traffic.record(|| 5);
                let _ = b_done_tx.send(());
            });
            a.join().unwrap()
        });
        (traffic.total(), b_finished_during_a)
    });
    assert!(
        b_finished_during_a,
        "handler B's record could not finish while handler A was still sending: \
         is record holding a lock (or spinning) while `send` runs?"
    );
    assert_eq!(
        total, 8,
        "A recorded 3 bytes and B recorded 5 while A was sending, but the total is {total}: \
         A wrote back the total it had read before sending, overwriting B's bytes. \
         A load followed by a store is two steps; use one atomic read-modify-write"
    );
}

#[test]
fn handlers_at_the_same_time_lose_nothing() {
    const HANDLERS: u64 = 4;
    const RECORDS: u64 = 500;
    let total = within(LIMIT, HANGS, || {
        let traffic = Traffic::new();
        thread::scope(|s| {
            for _ in 0..HANDLERS {
                s.spawn(|| {
                    for _ in 0..RECORDS {
                        traffic.record(|| {
                            thread::yield_now(); // sending takes a while
                            1
                        });
                    }
                });
            }
        });
        traffic.total()
    });
    assert_eq!(
        total,
        HANDLERS * RECORDS,
        "{HANDLERS} threads each recorded {RECORDS} one-byte responses, but the total is {total}: \
         updates were lost. Is the total read in one step and written back in another?"
    );
}

#[test]
fn many_quick_records_lose_nothing() {
    const HANDLERS: u64 = 4;
    const RECORDS: u64 = 2_000_000;
    let total = within(LIMIT, HANGS, || {
        let traffic = Traffic::new();
        let start = std::sync::Barrier::new(HANDLERS as usize);
        thread::scope(|s| {
            for _ in 0..HANDLERS {
                s.spawn(|| {
                    start.wait();
                    for _ in 0..RECORDS {
                        traffic.record(|| 1);
                    }
                });
            }
        });
        traffic.total()
    });
    assert_eq!(
        total,
        HANDLERS * RECORDS,
        "{HANDLERS} threads each recorded {RECORDS} one-byte responses, but the total is {total}: \
         updates were lost. Is the total read in one step and written back in another?"
    );
}

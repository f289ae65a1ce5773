use super::support::{
    EndProbe, Of, Rng, ThreadIds, context_switches, lock, process_cpu_time, quiet_through, within,
};
use exercise::Spooler;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile.
const _: fn(usize, fn(u32)) -> Spooler<u32> = Spooler::<u32>::new::<fn(u32)>;
const _: fn(&Spooler<u32>, u32) = Spooler::<u32>::submit;
const _: fn(&Spooler<u32>, u32) -> Result<(), u32> = Spooler::<u32>::try_submit;
const _: fn(Spooler<u32>) -> usize = Spooler::<u32>::close;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
// Long enough for a submit that does not block to return.
const SETTLE: Duration = Duration::from_millis(20);
// How long a submit is watched while it should be blocked.
const STRETCH: Duration = Duration::from_millis(480);
const HANGS: &str = "the spooler got stuck: does try_submit wait (it must not), or does the \
                     printer's loop never end after close?";

// A printer that records what it printed and where, announces each job as
// it starts printing it, and holds job 0 until the test releases it.
struct Printer {
    printed: Arc<Mutex<Vec<(u32, ThreadId)>>>,
    started: Receiver<u32>,
    release: Sender<()>,
    // Job 0 was never released: the test's thread was stuck somewhere.
    held_in_vain: Arc<AtomicBool>,
}

impl Printer {
    fn check_not_stuck(&self) {
        assert!(
            !self.held_in_vain.load(Ordering::SeqCst),
            "the test could not release the printer for {WAIT:?}: it was stuck in try_submit, \
             which must never wait. When the queue is full, hand the job back at once \
             (try_send, TrySendError::Full)"
        );
    }
}

fn blocking_spooler(capacity: usize) -> (Spooler<u32>, Printer) {
    let printed = Arc::new(Mutex::new(Vec::new()));
    let (started_tx, started) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let held_in_vain = Arc::new(AtomicBool::new(false));
    let spooler = Spooler::new(capacity, {
        let printed = Arc::clone(&printed);
        let held_in_vain = Arc::clone(&held_in_vain);
        move |job: u32| {
            let _ = started_tx.send(job);
            // Job 0 is held until the test releases it.
            if job == 0 && released.recv_timeout(WAIT) == Err(RecvTimeoutError::Timeout) {
                held_in_vain.store(true, Ordering::SeqCst);
            }
            lock(&printed).push((job, thread::current().id()));
        }
    });
    (
        spooler,
        Printer {
            printed,
            started,
            release,
            held_in_vain,
        },
    )
}

fn jobs_printed(printer: &Printer) -> Vec<u32> {
    lock(&printer.printed).iter().map(|(j, _)| *j).collect()
}

// Submits job 0 and waits until the printer is busy with it.
fn keep_printer_busy(spooler: &Spooler<u32>, printer: &Printer) {
    spooler.submit(0);
    match printer.started.recv_timeout(WAIT) {
        Ok(0) => {}
        Ok(job) => panic!("the first job printed was {job}, not 0"),
        Err(_) => panic!("job 0 was submitted, but print was not called within {WAIT:?}"),
    }
}

// What a submit did while it should have been blocked.
#[derive(Debug)]
struct Watched {
    returned_early: bool,
    // CPU time the process used, and how often its threads were switched in
    // and out, while the submit was waiting.
    cpu: Duration,
    switches: Option<i64>,
    stretch: quiet_through::Stretch,
}

// Calls `submit(job)` on another thread while job 0 holds the printer.
// Watches it for STRETCH (did it return, what did waiting cost), then
// releases the printer and waits for the submit to finish.
fn submit_returns_early(spooler: &Arc<Spooler<u32>>, printer: &Printer, job: u32) -> Watched {
    let (done_tx, done) = mpsc::channel();
    let blocked = {
        let spooler = Arc::clone(spooler);
        thread::spawn(move || {
            spooler.submit(job);
            let _ = done_tx.send(());
        })
    };
    // Give the submit time to reach its wait before measuring.
    let returned_early = done.recv_timeout(SETTLE).is_ok();
    // The process's switches, less this thread's own (it wakes once per
    // window to watch the others).
    let others = || {
        context_switches(Of::Process)
            .zip(context_switches(Of::Thread))
            .map(|(p, t)| p.total() - t.total())
    };
    let (cpu, switches) = (process_cpu_time(), others());
    let stretch = quiet_through::watch(STRETCH);
    let returned_early = returned_early || done.try_recv().is_ok();
    let switches = others().zip(switches).map(|(b, a)| b - a);
    let cpu = process_cpu_time() - cpu;
    // On a machine so busy that the printer gave up holding job 0, the
    // submit may rightly have got its room: that proves nothing.
    let returned_early = returned_early && !printer.held_in_vain.load(Ordering::SeqCst);
    let _ = printer.release.send(());
    blocked.join().expect("the submitting thread panicked");
    Watched {
        returned_early,
        cpu,
        switches,
        stretch,
    }
}

fn assert_blocked(watched: &Watched, what: &str) {
    assert!(
        !watched.returned_early,
        "{what}: submit returned while the printer was still busy; it should wait until \
         there is room (nothing else may take jobs out of the queue)"
    );
    assert!(
        watched.cpu < STRETCH / 4,
        "{what}: while submit waited {STRETCH:?} for room, the process used {:?} of CPU time: \
         submit seems to retry try_send in a loop instead of blocking in send",
        watched.cpu
    );
    if let Some(switches) = watched.switches {
        assert!(
            switches <= 10,
            "{what}: while submit waited {STRETCH:?} for room, the process was switched in and \
             out {switches} times: submit seems to retry try_send in a loop (with or without a \
             short sleep) instead of blocking in send"
        );
    }
    quiet_through::assert_quiet(watched.stretch, "submit", "room in the queue", STRETCH);
}

#[test]
fn prints_every_job_in_order_on_one_printer_thread() {
    let mut rng = Rng::from_env();
    let jobs = 1 + rng.below(60) as u32;
    let capacity = rng.below(5);
    let (printed, closed, caller) = within(LIMIT, HANGS, move || {
        let printed = Arc::new(Mutex::new(Vec::new()));
        let spooler = Spooler::new(capacity, {
            let printed = Arc::clone(&printed);
            move |job: u32| lock(&printed).push((job, thread::current().id()))
        });
        for job in 0..jobs {
            spooler.submit(job);
        }
        let closed = spooler.close();
        let printed = lock(&printed).clone();
        (printed, closed, thread::current().id())
    });
    let printed_jobs: Vec<u32> = printed.iter().map(|(j, _)| *j).collect();
    assert!(
        printed_jobs == (0..jobs).collect::<Vec<_>>(),
        "close() returned, so all {jobs} jobs should have been printed, once each, in order \
         (capacity {capacity}); printed: {printed_jobs:?}"
    );
    assert!(
        closed == jobs as usize,
        "close() should return how many jobs were printed ({jobs}), not {closed}"
    );
    let printers: ThreadIds = printed.iter().map(|(_, t)| *t).collect();
    printers.assert_caller_absent(
        caller,
        "print ran on the thread that submitted the jobs: jobs go through the queue to the \
         printer thread",
    );
    printers.assert_distinct(1, "print", "one printer thread prints every job");
}

#[test]
fn close_with_nothing_submitted() {
    let closed = within(LIMIT, HANGS, || {
        Spooler::new(3, |_job: u32| panic!("nothing was submitted")).close()
    });
    assert_eq!(closed, 0, "nothing was submitted: close() should return 0");
}

#[test]
fn the_queue_holds_exactly_capacity_jobs() {
    let mut rng = Rng::from_env();
    // Small and large: a cap on the queue (64, 1024, 4096, 1 << 16) fails
    // the large one (which takes a while to drain on a busy machine).
    let capacities = [
        1,
        2 + rng.below(8),
        10 + rng.below(31),
        65_537 + rng.below(4_000),
    ];
    for capacity in capacities {
        let limit = if capacity > 1024 { 2 * LIMIT } else { LIMIT };
        let (accepted, refused, printed, closed) = within(limit, HANGS, move || {
            let (spooler, printer) = blocking_spooler(capacity);
            keep_printer_busy(&spooler, &printer);
            // The printer is busy with job 0, so nothing leaves the queue.
            let mut accepted = 0;
            let mut refused = None;
            for job in 1..=capacity as u32 + 1 {
                match spooler.try_submit(job) {
                    Ok(()) => accepted += 1,
                    Err(back) => {
                        refused = Some((job, back));
                        break;
                    }
                }
            }
            // Still full a little later: nothing took jobs out behind the
            // busy printer's back.
            if accepted == capacity {
                thread::sleep(SETTLE);
                if spooler.try_submit(100).is_ok() {
                    accepted += 1;
                }
            }
            let _ = printer.release.send(());
            let closed = spooler.close();
            printer.check_not_stuck();
            (accepted, refused, jobs_printed(&printer), closed)
        });
        assert!(
            accepted <= capacity,
            "capacity {capacity}: with the printer busy, try_submit accepted {accepted} jobs: \
             the queue must hold at most {capacity} waiting jobs (the job being printed does \
             not count), and it stays full while the printer is busy. Is the queue bounded \
             by `capacity`, with nothing else taking jobs out of it?"
        );
        assert_eq!(
            accepted,
            capacity,
            "capacity {capacity}: with the printer busy, try_submit refused job {} after \
             accepting only {accepted}: the queue should take {capacity} waiting jobs",
            accepted + 1
        );
        let expected_refused = capacity as u32 + 1;
        assert_eq!(
            refused,
            Some((expected_refused, expected_refused)),
            "capacity {capacity}: try_submit should give the refused job back as Err(job)"
        );
        assert_eq!(
            printed,
            (0..=capacity as u32).collect::<Vec<_>>(),
            "capacity {capacity}: every accepted job (and no refused one) should be printed, \
             in order"
        );
        assert_eq!(closed, capacity + 1);
    }
}

#[test]
fn submit_waits_while_the_queue_is_full() {
    let (watched, printed) = within(LIMIT, HANGS, || {
        let (spooler, printer) = blocking_spooler(2);
        let spooler = Arc::new(spooler);
        keep_printer_busy(&spooler, &printer);
        spooler.submit(1);
        spooler.submit(2);
        // The queue is full now; this submit must wait for the printer.
        let watched = submit_returns_early(&spooler, &printer, 3);
        let spooler = Arc::into_inner(spooler).expect("the spooler is still shared");
        spooler.close();
        (watched, jobs_printed(&printer))
    });
    assert_blocked(&watched, "capacity 2, the printer busy and 2 jobs queued");
    assert_eq!(
        printed,
        [0, 1, 2, 3],
        "every job should be printed, in order"
    );
}

#[test]
fn capacity_zero_hands_over_directly() {
    let (refused, watched, printed) = within(LIMIT, HANGS, || {
        let (spooler, printer) = blocking_spooler(0);
        let spooler = Arc::new(spooler);
        keep_printer_busy(&spooler, &printer);
        // The printer is busy: with no queue, nobody can take a job now.
        let refused = spooler.try_submit(1);
        let watched = submit_returns_early(&spooler, &printer, 2);
        let spooler = Arc::into_inner(spooler).expect("the spooler is still shared");
        spooler.close();
        printer.check_not_stuck();
        (refused, watched, jobs_printed(&printer))
    });
    assert_eq!(
        refused,
        Err(1),
        "capacity 0 and the printer busy: there is nowhere to put a job, so try_submit \
         should give it back (Err(job)). Is the queue created with capacity 0?"
    );
    assert_blocked(
        &watched,
        "capacity 0 (the printer takes each job itself) and the printer busy",
    );
    assert_eq!(printed, [0, 2], "jobs 0 and 2 should be printed, in order");
}

#[test]
fn close_waits_for_the_queue_to_drain() {
    let (closed, printed) = within(LIMIT, HANGS, || {
        let printed = Arc::new(Mutex::new(Vec::new()));
        let spooler = Spooler::new(4, {
            let printed = Arc::clone(&printed);
            move |job: u32| {
                thread::sleep(Duration::from_millis(2));
                lock(&printed).push(job);
            }
        });
        for job in 0..6 {
            spooler.submit(job);
        }
        let closed = spooler.close();
        let printed = lock(&printed).clone();
        (closed, printed)
    });
    assert_eq!(
        printed,
        (0..6).collect::<Vec<_>>(),
        "close() returned before every submitted job was printed"
    );
    assert_eq!(closed, 6);
}

#[test]
fn never_waits_in_try_submit() {
    // Whatever the state of the queue, try_submit returns at once.
    let outcome = within(LIMIT, HANGS, || {
        let (spooler, printer) = blocking_spooler(1);
        keep_printer_busy(&spooler, &printer);
        let first = spooler.try_submit(1);
        let second = spooler.try_submit(2);
        let _ = printer.release.send(());
        spooler.close();
        printer.check_not_stuck();
        (first, second)
    });
    assert_eq!(
        outcome,
        (Ok(()), Err(2)),
        "capacity 1 with the printer busy: the first try_submit fits, the second should come \
         back as Err(job)"
    );
}

#[test]
fn close_waits_for_the_printer_thread() {
    // How long does close take with nothing to print? One that sleeps
    // instead of joining shows it here; the last job below takes longer.
    let started = Instant::now();
    within(LIMIT, HANGS, || Spooler::new(1, |_job: u32| {}).close());
    let hold = started.elapsed() * 2 + Duration::from_millis(50);
    let mut rng = Rng::from_env();
    let jobs = 1 + rng.below(6) as u32;
    // The last job takes `hold` to print, then sets `done`.
    let done = Arc::new(AtomicBool::new(false));
    let closed = within(LIMIT + hold, HANGS, {
        let done = Arc::clone(&done);
        move || {
            let spooler = Spooler::new(rng.below(4), move |job: u32| {
                if job == jobs - 1 {
                    thread::sleep(hold);
                    done.store(true, Ordering::SeqCst);
                }
            });
            for job in 0..jobs {
                spooler.submit(job);
            }
            spooler.close()
        }
    });
    assert!(
        done.load(Ordering::SeqCst),
        "close() returned while the last job was still printing (it took {hold:?}): close \
         must wait for the printer thread with `join`, not with a sleep or a count"
    );
    assert!(
        closed == jobs as usize,
        "{jobs} jobs were printed, but close() returned {closed}"
    );
}

#[test]
fn a_panic_in_print_is_not_hidden() {
    let mut rng = Rng::from_env();
    let jobs = 1 + rng.below(6) as u32;
    let capacity = jobs as usize + rng.below(3);
    let outcome = within(LIMIT, HANGS, move || {
        panic::catch_unwind(AssertUnwindSafe(move || {
            let spooler = Spooler::new(capacity, move |job: u32| {
                if job == jobs - 1 {
                    panic!("the printer jammed (a panic the test provoked)");
                }
            });
            for job in 0..jobs {
                // The queue has room for every job: no submit waits.
                spooler.submit(job);
            }
            spooler.close()
        }))
    });
    if let Ok(closed) = outcome {
        panic!(
            "print panicked on the last job, yet close() returned {closed} as if all went \
             well: wait for the printer with `join`, which reports its panic"
        );
    }
}

// The printer takes this long over the last job, while the caller has
// nothing left to do but wait in close.
const LAST_JOB: Duration = Duration::from_millis(1200);

#[test]
fn close_blocks_until_the_printer_thread_has_ended() {
    // A first close, timed: the one checked below is not the first (a close
    // that joins only the first time must not pass), and the probe holds
    // the printer thread well beyond it.
    let started = Instant::now();
    within(LIMIT, HANGS, || Spooler::new(1, |_job: u32| {}).close());
    let probe = EndProbe::new(started.elapsed());
    let mut rng = Rng::from_env();
    let jobs = 1 + rng.below(6) as u32;
    let capacity = rng.below(4);
    // The last job takes LAST_JOB, watching the rest of the process; then
    // the printer thread holds as it ends (after its loop, after any message
    // it sends last), until close has returned or the probe's hold is over.
    let watched = Arc::new(Mutex::new(None));
    let (closed, (armed, ended)) = within(LAST_JOB + probe.limit(), HANGS, {
        let watched = Arc::clone(&watched);
        move || {
            let spooler = Spooler::new(capacity, move |job: u32| {
                if job == 0 {
                    probe.arm();
                }
                if job == jobs - 1 {
                    *lock(&watched) = Some(quiet_through::watch(LAST_JOB));
                }
            });
            for job in 0..jobs {
                spooler.submit(job);
            }
            let closed = spooler.close();
            (closed, probe.returned())
        }
    });
    let stretch = lock(&watched).take();
    let Some(stretch) = stretch else {
        panic!("close() returned {closed}, but the last of {jobs} jobs was never printed");
    };
    quiet_through::assert_quiet(stretch, "close", "the printer's last job", LAST_JOB);
    assert!(
        armed == 1 && ended == 1,
        "close() returned while the printer thread was still ending (after its last job): \
         close must wait for it with `join`, not with a count, a flag or a message"
    );
    assert!(
        closed == jobs as usize,
        "{jobs} jobs were printed, but close() returned {closed}"
    );
}

// The hidden tests of future3. The test is the executor, on one thread: it
// polls the join itself, with wakers of its own (`Parent`) that count their
// wake-ups, and only after one of them was woken. The children are the
// test's futures (`Child`): each notes every poll in a shared log, and the
// test wakes them (through the waker of their latest poll) in an order it
// chooses, or they wake themselves while polled ("yield"). None is `Send`.

use super::support::{Rng, within};
use exercise::{Join2, join2};

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);

// A waker for the join's task: counts its wake-ups.
struct Parent(AtomicUsize);

impl Wake for Parent {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn parent() -> (Arc<Parent>, Waker) {
    let p = Arc::new(Parent(AtomicUsize::new(0)));
    (Arc::clone(&p), Waker::from(p))
}

impl Parent {
    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

// What a child's poll left behind.
#[derive(Default)]
struct ChildState {
    polls: usize,
    // The waker of its latest poll.
    waker: Option<Waker>,
    done: bool,
    // Polled although done: a message.
    after_ready: Option<String>,
}

// A child of the join: Pending for `steps.len()` polls, then Ready with
// `output`. `steps[i]`: whether poll `i` wakes its own waker before it
// returns Pending ("poll me again", a yield).
struct Child<T> {
    name: &'static str,
    steps: Vec<bool>,
    output: Option<T>,
    state: Rc<RefCell<ChildState>>,
    log: Rc<RefCell<Vec<&'static str>>>,
}

impl<T: Unpin> Future for Child<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // Child is Unpin: it holds no self-reference.
        let this = self.get_mut();
        this.log.borrow_mut().push(this.name);
        let mut state = this.state.borrow_mut();
        if state.done {
            state.after_ready.get_or_insert_with(|| {
                format!(
                    "child {} was polled again after it had returned Poll::Ready: a future \
                     that is done must never be polled again (an async fn panics then). Keep \
                     track of which child is done, and skip it even if its old waker is woken",
                    this.name
                )
            });
            return Poll::Pending;
        }
        let poll = state.polls;
        state.polls += 1;
        if poll == this.steps.len() {
            state.done = true;
            state.waker = None;
            return Poll::Ready(this.output.take().expect("the test's child has an output"));
        }
        state.waker = Some(cx.waker().clone());
        if this.steps[poll] {
            drop(state);
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

struct Handle {
    name: &'static str,
    state: Rc<RefCell<ChildState>>,
}

impl Handle {
    fn done(&self) -> bool {
        self.state.borrow().done
    }

    fn polls(&self) -> usize {
        self.state.borrow().polls
    }

    // Wakes the child through the waker of its latest poll.
    fn wake(&self) {
        let waker = self.state.borrow().waker.clone();
        let waker = waker.unwrap_or_else(|| {
            panic!(
                "the test wanted to wake child {}, but it has no waker: it was never polled",
                self.name
            )
        });
        waker.wake();
    }

    fn check(&self) {
        if let Some(msg) = self.state.borrow().after_ready.clone() {
            panic!("{msg}");
        }
    }
}

type Log = Rc<RefCell<Vec<&'static str>>>;

fn child<T>(name: &'static str, steps: Vec<bool>, output: T, log: &Log) -> (Child<T>, Handle) {
    let state = Rc::new(RefCell::new(ChildState::default()));
    (
        Child {
            name,
            steps,
            output: Some(output),
            state: Rc::clone(&state),
            log: Rc::clone(log),
        },
        Handle { name, state },
    )
}

// The API, pinned: a changed signature does not compile (and the join asks
// nothing of the children beyond `Future`: these are not `Send`).
type Joined = Join2<Child<u64>, Child<String>>;
const _: fn(Child<u64>, Child<String>) -> Joined = join2::<Child<u64>, Child<String>>;
const _: for<'a, 'b, 'c> fn(Pin<&'a mut Joined>, &'b mut Context<'c>) -> Poll<(u64, String)> =
    <Joined as Future>::poll;

fn poll_join(join: &mut Pin<Box<Joined>>, waker: &Waker) -> Poll<(u64, String)> {
    join.as_mut().poll(&mut Context::from_waker(waker))
}

fn text(rng: &mut Rng) -> String {
    format!("b-{:x}", rng.next_u64())
}

// The polls the log holds since it was last taken, sorted: "a" and "b".
fn polled(log: &Log) -> Vec<&'static str> {
    let mut polled = std::mem::take(&mut *log.borrow_mut());
    polled.sort_unstable();
    polled
}

#[test]
fn the_first_poll_polls_both_and_two_ready_children_give_both_outputs() {
    let mut rng = Rng::from_env();
    let (va, vb) = (rng.next_u64(), text(&mut rng));
    within(LIMIT, "polling the join did not return", move || {
        let log = Log::default();
        let (a, ha) = child("a", vec![], va, &log);
        let (b, hb) = child("b", vec![], vb.clone(), &log);
        let mut join = Box::pin(join2(a, b));
        let (_, waker) = parent();
        let got = poll_join(&mut join, &waker);
        ha.check();
        hb.check();
        let both = polled(&log);
        assert!(
            both == ["a", "b"],
            "the first poll of the join should poll each child once, it polled {both:?}: a \
             child that was never polled has news (it has not even started)"
        );
        assert!(
            got == Poll::Ready((va, vb.clone())),
            "both children were ready at their first poll, so the join's first poll should \
                 be Poll::Ready(({va}, {vb:?})) (a's output first), got {got:?}"
        );
    });
}

#[test]
fn only_the_child_that_was_woken_is_polled() {
    let mut rng = Rng::from_env();
    let first = if rng.below(2) == 0 { "a" } else { "b" };
    let (va, vb) = (rng.next_u64(), text(&mut rng));
    within(LIMIT, "polling the join did not return", move || {
        let log = Log::default();
        let (a, ha) = child("a", vec![false; 2], va, &log);
        let (b, hb) = child("b", vec![false; 2], vb.clone(), &log);
        let mut join = Box::pin(join2(a, b));
        let (p, waker) = parent();
        let got = poll_join(&mut join, &waker);
        assert!(
            got.is_pending(),
            "both children are pending, the join returned {got:?}"
        );
        let both = polled(&log);
        assert!(
            both == ["a", "b"],
            "the first poll of the join should poll each child once, it polled {both:?}: \
             both children start at once (is b polled only after a is done, with `&&`?)"
        );
        let (woken, other) = if first == "a" { (&ha, &hb) } else { (&hb, &ha) };
        woken.wake();
        assert!(
            p.wakes() >= 1,
            "child {first} was woken, but the join's task was not: nobody polls the join \
                 again. A child's waker must wake the waker the join was polled with"
        );
        let got = poll_join(&mut join, &waker);
        assert!(
            got.is_pending(),
            "both children are pending, the join returned {got:?}"
        );
        let now = polled(&log);
        assert!(
            now == [first],
            "only child {first} was woken, but this poll of the join polled {now:?}: the \
                 join polls a child only when that child's own waker was woken since its last \
                 poll (child {} has no news). Give each child its own waker that notes it was \
                 woken{}",
            other.name,
            if now.is_empty() {
                ", and poll the children whose note is set"
            } else {
                ""
            }
        );
    });
}

#[test]
fn a_child_that_wakes_itself_while_polled_is_polled_again() {
    let mut rng = Rng::from_env();
    let yields = 2 + rng.below(6);
    let (va, vb) = (rng.next_u64(), text(&mut rng));
    within(LIMIT, "polling the join did not return", move || {
        let log = Log::default();
        let (a, ha) = child("a", vec![true; yields], va, &log);
        let (b, hb) = child("b", vec![false], vb.clone(), &log);
        let mut join = Box::pin(join2(a, b));
        let (p, waker) = parent();
        assert!(
            poll_join(&mut join, &waker).is_pending(),
            "both children are pending, the join returned Ready"
        );
        polled(&log);
        for i in 1..=yields {
            assert!(
                p.wakes() >= i,
                "child a woke its own waker while it was polled (\"poll me again\"), but \
                     the join's task was not woken"
            );
            let got = poll_join(&mut join, &waker);
            assert!(
                got.is_pending(),
                "child b is pending, the join returned {got:?}"
            );
            let now = polled(&log);
            assert!(
                now == ["a"],
                "child a woke itself during its poll, so the next poll of the join should \
                     poll a (and only a), but it polled {now:?}: a wake-up that comes during the \
                     child's poll is news too. Clear the child's note BEFORE polling it, not \
                     after, or the poll's own wake-up is erased"
            );
        }
        assert!(ha.done(), "child a should be done after {yields} yields");
        hb.wake();
        let got = poll_join(&mut join, &waker);
        assert!(
            got == Poll::Ready((va, vb.clone())),
            "both children are done, the join returned {got:?}"
        );
    });
}

#[test]
fn a_finished_child_is_never_polled_again_even_if_its_old_waker_is_woken() {
    let mut rng = Rng::from_env();
    let (va, vb) = (rng.next_u64(), text(&mut rng));
    let steps = 2 + rng.below(4);
    within(LIMIT, "polling the join did not return", move || {
        let log = Log::default();
        let (a, ha) = child("a", vec![false], va, &log);
        let (b, hb) = child("b", vec![false; steps], vb.clone(), &log);
        let mut join = Box::pin(join2(a, b));
        let (_, waker) = parent();
        let _ = poll_join(&mut join, &waker);
        // a's waker, kept from its first poll, to be woken after a is done.
        let stale = ha
            .state
            .borrow()
            .waker
            .clone()
            .expect("the first poll of the join should poll child a");
        ha.wake();
        let _ = poll_join(&mut join, &waker);
        ha.check();
        assert!(
            ha.done(),
            "child a was woken, then the join was polled: a should be done"
        );
        for _ in 0..steps {
            stale.wake_by_ref();
            hb.wake();
            let got = poll_join(&mut join, &waker);
            ha.check();
            hb.check();
            if hb.done() {
                assert!(
                    got == Poll::Ready((va, vb.clone())),
                    "both children are done, the join returned {got:?}"
                );
            } else {
                assert!(
                    got.is_pending(),
                    "child b is pending, the join returned {got:?}"
                );
            }
        }
    });
}

#[test]
fn a_child_wakes_the_task_of_the_joins_latest_poll() {
    let mut rng = Rng::from_env();
    let (va, vb) = (rng.next_u64(), text(&mut rng));
    let polls = 2 + rng.below(4);
    within(LIMIT, "polling the join did not return", move || {
        let log = Log::default();
        let (a, ha) = child("a", vec![false; 2], va, &log);
        let (b, _hb) = child("b", vec![false], vb, &log);
        let mut join = Box::pin(join2(a, b));
        let parents: Vec<(Arc<Parent>, Waker)> = (0..polls).map(|_| parent()).collect();
        for (_, waker) in &parents {
            let _ = poll_join(&mut join, waker);
        }
        ha.wake();
        let (last, _) = &parents[polls - 1];
        assert!(
            last.wakes() >= 1,
            "the join was polled {polls} times, each time with a new waker (a task may \
                 move), then child a was woken: the waker of the join's LATEST poll should have \
                 been woken, it was not (the child's waker keeps an older one?). Give the \
                 children the join's current waker at every poll"
        );
    });
}

type Hook = Box<dyn FnOnce() + Send>;

// A waker for the join's task that runs a hook of the test's at its first
// wake-up, before that wake-up returns.
struct HookedParent {
    wakes: AtomicUsize,
    on_wake: Mutex<Option<Hook>>,
}

impl Wake for HookedParent {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let hook = self
            .on_wake
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(hook) = hook {
            hook();
        }
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

// When a child's waker wakes the join's task, that task may poll the join at
// once, on another thread, before the wake-up has even returned: the child's
// news must be noted by then. Here the child is woken on a helper thread,
// and the join's task (the test) polls the join while that wake-up is still
// under way. A waker that wakes the task first and notes the news after
// leaves that poll nothing to poll, and nothing wakes the task again.
#[test]
fn the_news_is_noted_before_the_joins_task_is_woken() {
    // How long the wake-up waits for the poll it causes: a waker that holds
    // a lock of the join's while it wakes keeps that poll waiting until then.
    const HOLD: Duration = Duration::from_millis(200);
    let mut rng = Rng::from_env();
    let first = if rng.below(2) == 0 { "a" } else { "b" };
    let (va, vb) = (rng.next_u64(), text(&mut rng));
    within(
        LIMIT * 2,
        "polling the join, or waking a child, did not return",
        move || {
            let log = Log::default();
            let (a, ha) = child("a", vec![false; 2], va, &log);
            let (b, hb) = child("b", vec![false; 2], vb, &log);
            let mut join = Box::pin(join2(a, b));
            let p = Arc::new(HookedParent {
                wakes: AtomicUsize::new(0),
                on_wake: Mutex::new(None),
            });
            let waker = Waker::from(Arc::clone(&p));
            let got = poll_join(&mut join, &waker);
            assert!(
                got.is_pending(),
                "both children are pending, the join returned {got:?}"
            );
            let both = polled(&log);
            assert!(
                both == ["a", "b"],
                "the first poll of the join should poll each child once, it polled {both:?}"
            );
            let (poll_now, wait_for_wake) = mpsc::channel::<()>();
            let (polled_it, wait_for_poll) = mpsc::channel::<()>();
            *p.on_wake.lock().unwrap() = Some(Box::new(move || {
                let _ = poll_now.send(());
                let _ = wait_for_poll.recv_timeout(HOLD);
            }));
            let woken = if first == "a" { &ha } else { &hb };
            let child_waker = woken
                .state
                .borrow()
                .waker
                .clone()
                .expect("the first poll of the join polled both children");
            let waking = thread::spawn(move || child_waker.wake());
            let at_wake = wait_for_wake.recv_timeout(LIMIT).is_ok();
            assert!(
                at_wake,
                "child {first} was woken (on another thread), but the join's task was not:                  nobody polls the join again. A child's waker must wake the waker the join                  was polled with"
            );
            let got = poll_join(&mut join, &waker);
            let now = polled(&log);
            let _ = polled_it.send(());
            if let Err(panic) = waking.join() {
                std::panic::resume_unwind(panic);
            }
            assert!(
                got.is_pending(),
                "both children are pending, the join returned {got:?}"
            );
            assert!(
                now == [first] || (now.is_empty() && p.wakes.load(Ordering::SeqCst) >= 2),
                "child {first} was woken on another thread, and its wake-up woke the join's                  task, which polled the join at once (before the wake-up returned): that poll                  polled {now:?}, and nothing woke the task again. {}",
                if now.is_empty() {
                    "The child's waker woke the task before it noted that the child has                      news: note first (the task may poll the join the moment it is woken),                      then wake"
                } else {
                    "Only the child whose waker was woken has news"
                }
            );
        },
    );
}

// Random runs: each child goes through its steps, woken by the test one at
// a time, both at once, or by itself, in an order the test draws.
#[test]
fn two_joins_in_use_at_once_each_poll_only_their_own_children() {
    // Two joins, both made before either is polled, then woken one child at
    // a time in an order of the test's: each wake-up wakes its own join's
    // task only, and that join's next poll polls that child only. Notes or
    // wakers kept in one place for every join (a `static`) mix them up.
    let mut rng = Rng::from_env();
    let steps = 2 + rng.below(3);
    within(LIMIT, "polling the joins did not return", move || {
        let logs = [Log::default(), Log::default()];
        let mut joins = Vec::new();
        let mut handles = Vec::new();
        let mut parents = Vec::new();
        let mut outputs = Vec::new();
        for log in &logs {
            let (va, vb) = (rng.next_u64(), text(&mut rng));
            let (a, ha) = child("a", vec![false; steps], va, log);
            let (b, hb) = child("b", vec![false; steps], vb.clone(), log);
            joins.push(Box::pin(join2(a, b)));
            handles.push([ha, hb]);
            parents.push(parent());
            outputs.push((va, vb));
        }
        for j in 0..2 {
            let got = poll_join(&mut joins[j], &parents[j].1);
            assert!(
                got.is_pending(),
                "both children are pending, join {} returned {got:?}",
                j + 1
            );
            let now = polled(&logs[j]);
            assert!(
                now == ["a", "b"],
                "two joins were made before either was polled; the first poll of join {} \
                 polled its children {now:?}, not each once: is the note \"this child has \
                 news\" kept in one place for every join (a `static`), not in each join?",
                j + 1
            );
        }
        let mut story = String::new();
        for round in 0.. {
            if handles.iter().flatten().all(|h| h.done()) {
                break;
            }
            assert!(round < 400, "the joins never became ready");
            let (j, c) = (rng.below(2), rng.below(2));
            let woken = &handles[j][c];
            if woken.done() {
                continue;
            }
            story.push_str(&format!(" woke join {} child {};", j + 1, woken.name));
            let before = [parents[0].0.wakes(), parents[1].0.wakes()];
            woken.wake();
            let after = [parents[0].0.wakes(), parents[1].0.wakes()];
            assert!(
                after[j] > before[j] && after[1 - j] == before[1 - j],
                "two joins in use at once:{story} the wake-ups of their tasks went from \
                 {before:?} to {after:?}: a child's waker wakes the task of ITS join's latest \
                 poll, and no other (is the parent waker kept in one place for every join?)"
            );
            let got = poll_join(&mut joins[j], &parents[j].1);
            for h in handles.iter().flatten() {
                h.check();
            }
            let now = polled(&logs[j]);
            let other = polled(&logs[1 - j]);
            assert!(
                now == [woken.name] && other.is_empty(),
                "two joins in use at once:{story} the next poll of join {} polled {now:?} \
                 of its children and {other:?} of the other join's: only the child that was \
                 woken has news. Is the note \"this child has news\" kept in one place for \
                 every join (a `static`), not in each join?",
                j + 1
            );
            if handles[j].iter().all(|h| h.done()) {
                let (va, vb) = outputs[j].clone();
                assert!(
                    got == Poll::Ready((va, vb.clone())),
                    "both children of join {} are done, its poll returned {got:?}, expected \
                     Ready(({va}, {vb:?}))",
                    j + 1
                );
            } else {
                assert!(
                    got.is_pending(),
                    "a child of join {} is still pending, the join returned {got:?}",
                    j + 1
                );
            }
        }
    });
}

#[test]
fn random_interleavings_poll_exactly_the_children_with_news() {
    const RUNS: usize = 30;
    let mut rng = Rng::from_env();
    within(LIMIT, "polling the join did not return", move || {
        for run in 0..RUNS {
            interleaving(&mut rng, run);
        }
    });
}

fn interleaving(rng: &mut Rng, run: usize) {
    let log = Log::default();
    let steps =
        |rng: &mut Rng| -> Vec<bool> { (0..rng.below(7)).map(|_| rng.below(3) == 0).collect() };
    let (sa, sb) = (steps(rng), steps(rng));
    let (va, vb) = (rng.next_u64(), text(rng));
    let (a, ha) = child("a", sa.clone(), va, &log);
    let (b, hb) = child("b", sb.clone(), vb.clone(), &log);
    let handles = [&ha, &hb];
    let mut join = Box::pin(join2(a, b));
    let (mut p, mut waker) = parent();
    let mut expect = vec!["a", "b"];
    let mut story = String::new();
    for round in 0.. {
        assert!(round < 100, "run {run}: the join never became ready");
        if rng.below(3) == 0 {
            (p, waker) = parent();
            story.push_str(" [new task waker]");
        }
        let got = poll_join(&mut join, &waker);
        ha.check();
        hb.check();
        let now = polled(&log);
        story.push_str(&format!(" poll: {now:?};"));
        assert!(
            now == expect,
            "run {run} (a: {} steps, yields at {:?}; b: {} steps, yields at {:?}): this poll of \
             the join should have polled {expect:?}, the children with news, but it polled \
             {now:?}. So far:{story} A child is polled only if its own waker was woken since \
             its last poll (by the test or by itself, during its poll), and never once done",
            sa.len(),
            sa,
            sb.len(),
            sb
        );
        if ha.done() && hb.done() {
            assert!(
                got == Poll::Ready((va, vb.clone())),
                "run {run}: both children are done, the join returned {got:?}"
            );
            return;
        }
        assert!(
            got.is_pending(),
            "run {run}: a child is still pending, the join returned Ready"
        );
        // Who has news now: those that woke themselves, else the test wakes
        // one or both of the others.
        let woke_themselves: Vec<&'static str> = handles
            .iter()
            .filter(|h| !h.done() && h.polls() > 0)
            .filter(|h| {
                let steps = if h.name == "a" { &sa } else { &sb };
                now.contains(&h.name) && steps.get(h.polls() - 1) == Some(&true)
            })
            .map(|h| h.name)
            .collect();
        expect = woke_themselves.clone();
        if expect.is_empty() {
            let pending: Vec<&&Handle> = handles.iter().filter(|h| !h.done()).collect();
            let pick = rng.below(pending.len() + 1);
            for (i, h) in pending.iter().enumerate() {
                if pick == pending.len() || pick == i {
                    h.wake();
                    expect.push(h.name);
                }
            }
            story.push_str(&format!(" woke {expect:?};"));
        } else {
            story.push_str(&format!(" {woke_themselves:?} woke itself;"));
        }
        expect.sort_unstable();
        assert!(
            p.wakes() >= 1,
            "run {run}: {expect:?} was woken, but the join's task (the waker of the join's \
             latest poll) was not. So far:{story}"
        );
        p.0.store(0, Ordering::SeqCst);
    }
}

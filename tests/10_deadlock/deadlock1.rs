use super::support::{Gate, Latch, Rng, lock, quiet, within};
use exercise::{Account, Lock, transfer};

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

// The API, pinned: a changed signature does not compile. (The struct
// literals below pin `Account`'s fields, the `impl Lock` below the trait.)
const _: fn(&Account<Rec>, &Account<Rec>, u64) -> bool = transfer::<Rec>;
const _: fn(&Account<Mutex<u64>>, &Account<Mutex<u64>>, u64) -> bool = transfer::<Mutex<u64>>;

// Bounds on hangs, not on speed: a correct transfer comes back in
// microseconds, a deadlocked one never (the per-test timeout in info.toml is
// above every bound here).
const LIMIT: Duration = Duration::from_secs(4);
const WAIT: Duration = Duration::from_secs(1);
// How long a transfer between two accounts no other transfer touches may
// take to come back while another transfer waits (std Mutex accounts): a
// correct one needs microseconds, one behind a bank-wide lock never comes
// back while the test holds the account the other transfer waits for. The
// bound is only a safety net for a loaded machine (nothing here is timed
// short); the per-test timeout in info.toml is above it.
const OTHERS_GO_ON: Duration = Duration::from_secs(6);
// How long the gate of `transfers_between_other_accounts_do_not_wait` waits
// for all its transfers to hold their two accounts: threads that can all get
// there arrive as soon as they are scheduled; serialized ones never do.
const GATHER: Duration = Duration::from_secs(4);
// Transfers back and forth before the watched ones (see below).
const PRELUDE: usize = 100_000;
const HANGS: &str = "the transfers never came back: a deadlock. Two transfers in opposite directions \
                     each hold the account they locked first and wait for the one the other holds. \
                     Do all transfers lock their two accounts in the same order? (Or a transfer \
                     from an account to itself locked it twice.)";

// ---- A lock that watches the order in which locks are taken ----
//
// Each `Rec` is a real lock (a std Mutex inside). As a thread asks for one
// while holding others, the edge held -> wanted goes into the watch's graph:
// a cycle in that graph is a possible deadlock, found without any thread
// having to hang. Its guards also check that a thread lets go of its last
// lock only when the money it moved adds up (a transfer is one critical
// section), and can hold threads at chosen points.

// The transfer this thread is running, for messages: (from id, to id, amount).
type Call = (u64, u64, u64);

thread_local! {
    // Serial numbers of the Rec locks this thread holds.
    static HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    // Money this thread added (+) or took (-) since it last held no lock.
    static NET: Cell<i128> = const { Cell::new(0) };
    // Whether anything changed since this thread last held no lock.
    static CHANGED: Cell<bool> = const { Cell::new(false) };
    static CALL: Cell<Call> = const { Cell::new((0, 0, 0)) };
    // Which of two rendezvous parties this thread is (see `Rendezvous`).
    static ROLE: Cell<Option<usize>> = const { Cell::new(None) };
    static MET: Cell<bool> = const { Cell::new(false) };
}

#[derive(Default)]
struct Watch {
    serials: AtomicUsize,
    // held -> wanted, with the first transfer that made it.
    edges: Mutex<BTreeMap<(usize, usize), Call>>,
    // Serial -> account id, for messages.
    ids: Mutex<BTreeMap<usize, u64>>,
    // Critical sections that ended with money missing or made up.
    unbalanced: Mutex<Vec<(Call, i128)>>,
    // Where a thread that has just locked its second account waits.
    both_held: Option<Gate>,
    rendezvous: Option<Rendezvous>,
    // Where the thread with role 0 waits when it lets go of one account
    // while it still holds another (see `partial_release`).
    partial: Option<Latch<Partial>>,
}

#[derive(Clone, Copy, Default)]
struct Partial {
    // The serial of the account it let go of first.
    released: Option<usize>,
    // The test has moved money into that account meanwhile.
    deposited: bool,
    // Its transfer returned.
    finished: bool,
}

// Scripts two transfers running at once; each party is a thread with a ROLE.
//   AfterFirstLock: a party that got its first lock waits until the other
//     has got its first lock too, or is asking for the one this party holds.
//     Two transfers that take the same account first go on one after the
//     other; opposite orders deadlock every time.
//   AfterPeek: a party that let go of every lock without changing anything
//     (it only looked) waits until the other party has looked too, or has
//     finished. A check made under one lock and acted on under another is
//     then acted on by both.
struct Rendezvous {
    kind: Script,
    state: Latch<[Party; 2]>,
}

#[derive(Clone, Copy, Default)]
struct Party {
    // The serial of the lock it is asking for, or got last.
    wants: Option<usize>,
    // It got its first lock.
    has_first: bool,
    // It let go of every lock without changing anything.
    looked: bool,
    // Its transfer returned.
    finished: bool,
}

impl Rendezvous {
    fn new(kind: Script) -> Option<Rendezvous> {
        Some(Rendezvous {
            kind,
            state: Latch::new([Party::default(); 2]),
        })
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Script {
    AfterFirstLock,
    AfterPeek,
}

impl Watch {
    fn leak(self) -> &'static Watch {
        Box::leak(Box::new(self))
    }

    fn account(&'static self, id: u64, balance: u64) -> Account<Rec> {
        let serial = self.serials.fetch_add(1, Ordering::SeqCst);
        lock(&self.ids).insert(serial, id);
        Account {
            id,
            balance: Rec {
                serial,
                id,
                value: Mutex::new(balance),
                watch: self,
            },
        }
    }

    fn id(&self, serial: usize) -> u64 {
        lock(&self.ids)[&serial]
    }

    // A cycle in the graph, as account ids with the transfer behind each
    // edge; None if there is none.
    fn cycle(&self) -> Option<Vec<(u64, u64, Call)>> {
        let edges = lock(&self.edges).clone();
        let mut next: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for &(a, b) in edges.keys() {
            next.entry(a).or_default().push(b);
        }
        // Depth-first search; `path` is the current chain of nodes.
        fn visit(
            node: usize,
            next: &BTreeMap<usize, Vec<usize>>,
            path: &mut Vec<usize>,
            done: &mut BTreeSet<usize>,
        ) -> Option<Vec<usize>> {
            if let Some(at) = path.iter().position(|&n| n == node) {
                let mut cycle = path[at..].to_vec();
                cycle.push(node);
                return Some(cycle);
            }
            if !done.insert(node) {
                return None;
            }
            path.push(node);
            for &n in next.get(&node).into_iter().flatten() {
                if let Some(cycle) = visit(n, next, path, done) {
                    return Some(cycle);
                }
            }
            path.pop();
            None
        }
        let mut done = BTreeSet::new();
        for &start in next.keys() {
            if let Some(cycle) = visit(start, &next, &mut Vec::new(), &mut done) {
                return Some(
                    cycle
                        .windows(2)
                        .map(|w| (self.id(w[0]), self.id(w[1]), edges[&(w[0], w[1])]))
                        .collect(),
                );
            }
        }
        None
    }

    fn assert_no_cycle(&self) {
        if let Some(cycle) = self.cycle() {
            let steps: Vec<String> = cycle
                .iter()
                .map(|(held, wanted, (f, t, a))| {
                    format!(
                        "transfer(from {f}, to {t}, {a}) held account {held} and then locked account \
                         {wanted}"
                    )
                })
                .collect();
            panic!(
                "the locks were taken in orders that can deadlock: {}. Threads running these \
                 transfers at the same time can each hold one account and wait for the next one \
                 forever (nothing hung here, the test only watched the order). Every transfer must \
                 lock its two accounts in one global order, whatever the direction of the money",
                steps.join("; ")
            );
        }
    }

    fn assert_balanced(&self) {
        let unbalanced = lock(&self.unbalanced);
        if let Some(&((f, t, a), net)) = unbalanced.first() {
            let what = if net < 0 { "missing" } else { "made up" };
            panic!(
                "transfer(from {f}, to {t}, {a}) let go of all its accounts with {} {what}: for a \
                 moment the money was in neither account, and another thread locking both would \
                 have seen it gone. Hold both accounts from the check until the money is in the \
                 other account ({} such transfers)",
                net.abs(),
                unbalanced.len()
            );
        }
    }
}

struct Rec {
    serial: usize,
    id: u64,
    value: Mutex<u64>,
    watch: &'static Watch,
}

impl Rec {
    fn value(&self) -> u64 {
        *lock(&self.value)
    }
}

struct RecGuard<'a> {
    // Always Some until the drop, which lets go of the lock before it waits.
    guard: Option<MutexGuard<'a, u64>>,
    before: u64,
    serial: usize,
    watch: &'static Watch,
}

impl Lock<u64> for Rec {
    fn lock(&self) -> impl DerefMut<Target = u64> {
        let call = CALL.get();
        HELD.with(|held| {
            let held = held.borrow();
            if held.contains(&self.serial) {
                let (f, t, a) = call;
                panic!(
                    "transfer(from {f}, to {t}, {a}) locked account {} while it already held it: a \
                     std Mutex would wait for itself here forever. When `from` and `to` are the \
                     same account, lock it only once",
                    self.id
                );
            }
            let mut edges = lock(&self.watch.edges);
            for &h in held.iter() {
                edges.entry((h, self.serial)).or_insert(call);
            }
        });
        let role = ROLE.get();
        if let (Some(r), Some(role)) = (&self.watch.rendezvous, role) {
            r.state.update(|s| s[role].wants = Some(self.serial));
        }
        let guard = lock(&self.value);
        let held = HELD.with(|held| {
            let mut held = held.borrow_mut();
            held.push(self.serial);
            held.len()
        });
        if let (Some(r), Some(role)) = (&self.watch.rendezvous, role)
            && r.kind == Script::AfterFirstLock
            && !MET.get()
        {
            MET.set(true);
            r.state.update(|s| s[role].has_first = true);
            let mine = Some(self.serial);
            r.state
                .wait_until(WAIT, |s| s[1 - role].has_first || s[1 - role].wants == mine);
        }
        if held == 2
            && let Some(gate) = &self.watch.both_held
        {
            let _ = gate.wait(GATHER);
        }
        RecGuard {
            before: *guard,
            guard: Some(guard),
            serial: self.serial,
            watch: self.watch,
        }
    }
}

impl Deref for RecGuard<'_> {
    type Target = u64;
    fn deref(&self) -> &u64 {
        self.guard.as_ref().expect("a guard in use")
    }
}

impl DerefMut for RecGuard<'_> {
    fn deref_mut(&mut self) -> &mut u64 {
        self.guard.as_mut().expect("a guard in use")
    }
}

impl Drop for RecGuard<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            return;
        }
        let Some(guard) = self.guard.take() else {
            return;
        };
        let after = *guard;
        // Unlocked here: whatever this thread waits for below, it does not
        // hold this account meanwhile.
        drop(guard);
        NET.set(NET.get() + i128::from(after) - i128::from(self.before));
        if after != self.before {
            CHANGED.set(true);
        }
        let empty = HELD.with(|held| {
            let mut held = held.borrow_mut();
            held.retain(|&s| s != self.serial);
            held.is_empty()
        });
        if !empty {
            if let (Some(partial), Some(0)) = (&self.watch.partial, ROLE.get())
                && !MET.get()
            {
                MET.set(true);
                partial.update(|p| p.released = Some(self.serial));
                partial.wait_until(WAIT, |p| p.deposited);
            }
            return;
        }
        let net = NET.replace(0);
        let changed = CHANGED.replace(false);
        if net != 0 {
            lock(&self.watch.unbalanced).push((CALL.get(), net));
        }
        if let (Some(r), Some(role)) = (&self.watch.rendezvous, ROLE.get())
            && r.kind == Script::AfterPeek
            && !changed
        {
            r.state.update(|s| s[role].looked = true);
            r.state
                .wait_until(WAIT, |s| s[1 - role].looked || s[1 - role].finished);
        }
    }
}

// Runs one transfer on this thread, so that messages can name it.
fn run<L: Lock<u64>>(from: &Account<L>, to: &Account<L>, amount: u64) -> bool {
    CALL.set((from.id, to.id, amount));
    transfer(from, to, amount)
}

// Distinct random ids from the whole u64 range, not in the order of
// creation. All of them end in the same 16 bits, and half of them in the
// same 32 bits: ids cut down to a u16 or a u32 collide, and their order is
// not the ids' order.
fn ids(rng: &mut Rng, n: usize) -> Vec<u64> {
    let low16 = rng.next_u64() & 0xFFFF;
    let low32 = (rng.next_u64() & 0xFFFF_0000) | low16;
    let mut ids = BTreeSet::new();
    while ids.len() < n {
        let low = if rng.below(2) == 0 {
            low32
        } else {
            (rng.next_u64() & 0xFFFF_0000) | low16
        };
        let id = (rng.next_u64() << 32) | low;
        if id != 0 {
            ids.insert(id);
        }
    }
    let mut ids: Vec<u64> = ids.into_iter().collect();
    rng.shuffle(&mut ids);
    ids
}

fn accounts(watch: &'static Watch, ids: &[u64], balances: &[u64]) -> Vec<Account<Rec>> {
    ids.iter()
        .zip(balances)
        .map(|(&id, &b)| watch.account(id, b))
        .collect()
}

fn expect(done: bool, want: bool, (f, t, a): Call, had: u64) {
    assert!(
        done == want,
        "transfer(from {f}, to {t}, {a}) returned {done} when account {f} held {had}: it should \
         return true and move the money if the account holds at least the amount, else return \
         false and change nothing"
    );
}

#[test]
fn locks_are_taken_in_one_global_order() {
    // One thread, one transfer after another: nothing can hang, but every
    // pair of accounts is locked in both directions, with even and odd
    // amounts, before and after the money moves between them.
    let mut rng = Rng::from_env();
    let n = 3 + rng.below(5);
    let ids = ids(&mut rng, n);
    let mut model: Vec<u64> = (0..n).map(|_| rng.range(0..100)).collect();
    let watch = within(LIMIT * 2, HANGS, move || {
        // First many transfers back and forth between two plain accounts: a
        // transfer that changes its ways after the first thousands of calls
        // in a program shows it below.
        let (a, b) = (
            Account {
                id: ids[0],
                balance: Mutex::new(1),
            },
            Account {
                id: ids[1],
                balance: Mutex::new(1),
            },
        );
        for _ in 0..PRELUDE {
            transfer(&a, &b, 1);
            transfer(&b, &a, 1);
        }
        let watch = Watch::default().leak();
        let accounts = accounts(watch, &ids, &model);
        let mut pairs: Vec<(usize, usize)> = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .collect();
        rng.shuffle(&mut pairs);
        for &(i, j) in &pairs {
            // A small amount, odd or even, one the account may not have,
            // then everything it has, and everything back.
            let small = rng.range(0..4);
            let all = model[i];
            let too_much = model[i] + 1 + rng.range(0..3);
            for amount in [small, small + 1, too_much, all] {
                let had = model[i];
                let done = run(&accounts[i], &accounts[j], amount);
                expect(done, amount <= had, (ids[i], ids[j], amount), had);
                if amount <= had {
                    model[i] -= amount;
                    model[j] += amount;
                }
            }
            let back = model[j];
            let done = run(&accounts[j], &accounts[i], back);
            expect(done, true, (ids[j], ids[i], back), back);
            model[j] -= back;
            model[i] += back;
        }
        for (account, &want) in accounts.iter().zip(&model) {
            let got = account.balance.value();
            assert!(
                got == want,
                "after {} transfers one after another, account {} holds {got}, expected {want}",
                pairs.len() * 5,
                account.id
            );
        }
        watch
    });
    watch.assert_no_cycle();
    watch.assert_balanced();
}

#[test]
fn opposite_transfers_at_the_same_time_do_not_deadlock() {
    // Two threads: a -> b and b -> a. Each waits, once it has its first
    // lock, until the other has asked for a lock too, so both are always
    // inside transfer at once.
    let mut rng = Rng::from_env();
    let ids = ids(&mut rng, 2);
    let (x, y) = (rng.range(1..50), rng.range(1..50));
    let balances = [100 + rng.range(0..100), 100 + rng.range(0..100)];
    let (done, final_balances, watch) = within(LIMIT, HANGS, move || {
        let watch = Watch {
            rendezvous: Rendezvous::new(Script::AfterFirstLock),
            ..Watch::default()
        }
        .leak();
        let accounts = Arc::new(accounts(watch, &ids, &balances));
        let threads: Vec<_> = [(0, 1, x), (1, 0, y)]
            .into_iter()
            .enumerate()
            .map(|(role, (i, j, amount))| {
                let accounts = Arc::clone(&accounts);
                thread::spawn(move || {
                    ROLE.set(Some(role));
                    run(&accounts[i], &accounts[j], amount)
                })
            })
            .collect();
        let done: Vec<bool> = threads
            .into_iter()
            .map(|t| t.join().expect("a transfer panicked"))
            .collect();
        let final_balances = [accounts[0].balance.value(), accounts[1].balance.value()];
        (done, final_balances, watch)
    });
    assert!(
        done[0] && done[1],
        "both transfers were covered by the balances, but they returned {done:?}"
    );
    let want = [balances[0] - x + y, balances[1] - y + x];
    assert!(
        final_balances == want,
        "accounts started with {balances:?}, then {x} moved one way and {y} the other: expected \
         {want:?}, got {final_balances:?}"
    );
    watch.assert_no_cycle();
    watch.assert_balanced();
}

#[test]
fn a_transfer_to_the_same_account_does_not_deadlock() {
    // Below, exactly at and above the balance, and 0 or 1 out of an empty
    // account: the same rule as for two accounts.
    let mut rng = Rng::from_env();
    let balance = rng.range(10..1000);
    let id = ids(&mut rng, 1)[0];
    let below = rng.range(0..balance);
    let above = balance + 1 + rng.range(0..100);
    let cases = [
        (balance, below),
        (balance, balance),
        (balance, above),
        (0, 0),
        (0, 1),
    ];
    let results = within(LIMIT, HANGS, move || {
        let watch = Watch::default().leak();
        cases
            .iter()
            .map(|&(balance, amount)| {
                let account = watch.account(id, balance);
                let done = run(&account, &account, amount);
                (done, account.balance.value())
            })
            .collect::<Vec<_>>()
    });
    for (&(balance, amount), &(done, after)) in cases.iter().zip(&results) {
        assert!(
            after == balance,
            "account {id} held {balance}, and after transfer(from {id}, to {id}, {amount}) it holds \
             {after}"
        );
        expect(done, amount <= balance, (id, id, amount), balance);
    }
}

#[test]
fn the_same_account_with_a_std_mutex() {
    let (covered, after) = within(
        LIMIT,
        "a transfer from an account to itself never returned: it locked the account's Mutex a \
         second time while already holding it, and waits for itself",
        || {
            let account = Account {
                id: 7,
                balance: Mutex::new(50),
            };
            let covered = transfer(&account, &account, 20);
            (covered, *account.balance.lock().unwrap())
        },
    );
    assert!(
        covered && after == 50,
        "transfer(from 7, to 7, 20) on 50: expected true and 50, got {covered} and {after}"
    );
}

#[test]
fn transfers_between_other_accounts_do_not_wait() {
    // 32 transfers between 64 different accounts, each on its own thread:
    // every one of them must be able to hold its two accounts at the same
    // time as all the others (each waits there until all 32 do).
    const PAIRS: usize = 32;
    let mut rng = Rng::from_env();
    let ids = ids(&mut rng, 2 * PAIRS);
    let flips: Vec<bool> = (0..PAIRS).map(|_| rng.below(2) == 0).collect();
    let (watch, done) = within(LIMIT + GATHER, HANGS, move || {
        let watch = Watch {
            both_held: Some(Gate::new(PAIRS)),
            ..Watch::default()
        }
        .leak();
        let balances = vec![10; 2 * PAIRS];
        let accounts = Arc::new(accounts(watch, &ids, &balances));
        let threads: Vec<_> = (0..PAIRS)
            .map(|p| {
                let accounts = Arc::clone(&accounts);
                let (i, j) = if flips[p] {
                    (2 * p + 1, 2 * p)
                } else {
                    (2 * p, 2 * p + 1)
                };
                thread::spawn(move || run(&accounts[i], &accounts[j], 3))
            })
            .collect();
        let done = threads
            .into_iter()
            .map(|t| t.join().expect("a transfer panicked"))
            .filter(|&d| d)
            .count();
        (watch, done)
    });
    if let Some(together) = watch.both_held.as_ref().and_then(Gate::timed_out) {
        panic!(
            "{PAIRS} transfers, each between two accounts no other transfer touches, but only \
             {together} of them held both their accounts at the same time: do the transfers wait \
             for each other through a lock around all of them (a static Mutex, say), or let go of \
             one account before locking the other? Only two transfers that share an account should \
             wait for each other"
        );
    }
    assert!(
        done == PAIRS,
        "{PAIRS} covered transfers, but only {done} returned true"
    );
    watch.assert_no_cycle();
    watch.assert_balanced();
}

// One transfer between `a` and `b` (`a_to_b`: the direction of the money)
// while the test holds `a`'s std Mutex, once it has blocked: whether it held
// `b` while it waited for `a`, and whether a transfer between `c` and `d`
// went through meanwhile.
fn waits_for_a(
    a: &Arc<StdAccount>,
    b: &Arc<StdAccount>,
    a_to_b: bool,
    c_d: Option<(&Arc<StdAccount>, &Arc<StdAccount>)>,
) -> (bool, bool) {
    let held = lock(&a.balance);
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let waiting = {
        let (a, b) = (Arc::clone(a), Arc::clone(b));
        thread::spawn(move || {
            started_tx.send(()).unwrap();
            if a_to_b {
                transfer(&a, &b, 1)
            } else {
                transfer(&b, &a, 1)
            }
        })
    };
    started_rx.recv().unwrap();
    // Until the waiting transfer has blocked (the process goes quiet), and a
    // few looks more.
    let _ = quiet::wait_until_quiet();
    // (A transfer that locks `b` first has done so long before the last
    // look, even on a loaded machine: the looks stop at the first one that
    // finds `b` held, so only a transfer that does not hold it waits for
    // them all.)
    let mut b_held = false;
    let looking = Instant::now();
    while looking.elapsed() < Duration::from_millis(600) {
        b_held = b.balance.try_lock().is_err();
        if b_held {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    let other = c_d.is_none_or(|(c, d)| {
        let (c, d) = (Arc::clone(c), Arc::clone(d));
        within(
            OTHERS_GO_ON,
            "with std Mutex accounts, a transfer between two accounts no other transfer \
             touches did not return while another transfer waited for an account: do all \
             transfers go through one lock (a static Mutex, say)? Only transfers that share \
             an account should wait for each other",
            move || transfer(&c, &d, 1),
        )
    });
    drop(held);
    let done = within(LIMIT, HANGS, move || waiting.join())
        .unwrap_or_else(|p| std::panic::resume_unwind(p));
    assert!(
        done && other,
        "transfer(1) from an account holding 50 returned false"
    );
    (b_held, other)
}

type StdAccount = Account<Mutex<u64>>;

#[test]
fn with_std_mutexes_the_order_holds_and_others_go_on() {
    // The same rules with std `Mutex` accounts, where the test cannot watch
    // the locking. The test holds account `a`, and a transfer between `a`
    // and `b` waits for it: once with the money going a -> b, once b -> a.
    // In one global order (either way round), `b` comes before `a` both
    // times or after it both times: held while the transfer waits, or free,
    // both times. "from first" (or "to first") holds it once only. And a
    // transfer between two other accounts goes through meanwhile (no lock
    // around all transfers). Code that locks a std Mutex differently from
    // the test's own lock (by telling them apart) fails here.
    let mut rng = Rng::from_env();
    let ids = ids(&mut rng, 4);
    let account = |id| {
        Arc::new(Account {
            id,
            balance: Mutex::new(50),
        })
    };
    let (a, b, c, d) = (
        account(ids[0]),
        account(ids[1]),
        account(ids[2]),
        account(ids[3]),
    );
    let (held_a_to_b, _) = waits_for_a(&a, &b, true, Some((&c, &d)));
    let (held_b_to_a, _) = waits_for_a(&a, &b, false, None);
    assert!(
        held_a_to_b == held_b_to_a,
        "with std Mutex accounts, a transfer between accounts {} and {} that waited for \
         account {} held account {} when the money went {}, not when it went the other way: \
         the lock order depends on the direction of the money (from first, or to first), so \
         two opposite transfers can deadlock. Lock the two accounts in one order that does \
         not depend on the direction (the smaller id first), whatever the lock type",
        a.id,
        b.id,
        a.id,
        b.id,
        if held_a_to_b {
            format!("from {} to {}", a.id, b.id)
        } else {
            format!("from {} to {}", b.id, a.id)
        }
    );
    let (la, lb) = (*lock(&a.balance), *lock(&b.balance));
    assert!(
        (la, lb) == (50, 50),
        "after moving 1 from a to b and 1 back, two accounts of 50 hold {la} and {lb}"
    );
}

#[test]
fn a_transfer_is_one_critical_section() {
    let mut rng = Rng::from_env();
    let ids = ids(&mut rng, 2);
    let (from, to) = (rng.range(10..100), rng.range(0..100));
    let amount = rng.range(1..from + 1);
    let watch = within(LIMIT, HANGS, move || {
        let watch = Watch::default().leak();
        let accounts = accounts(watch, &ids, &[from, to]);
        assert!(
            run(&accounts[0], &accounts[1], amount),
            "a covered transfer was refused"
        );
        assert!(
            run(&accounts[1], &accounts[0], amount),
            "a covered transfer was refused"
        );
        watch
    });
    watch.assert_balanced();
}

#[test]
fn two_transfers_cannot_both_spend_the_same_money() {
    // Account a holds 100; two threads each try to move 60 out of it, to b
    // and to c. One of them must be refused. A transfer that looks at the
    // balance under one lock and moves the money under another is held
    // after its look until the other has looked too.
    let mut rng = Rng::from_env();
    let ids = ids(&mut rng, 3);
    let start = 100 + rng.range(0..50);
    let amount = start / 2 + 1 + rng.range(0..start / 2 - 1);
    let outcome = within(LIMIT + WAIT, HANGS, move || {
        let watch = Watch {
            rendezvous: Rendezvous::new(Script::AfterPeek),
            ..Watch::default()
        }
        .leak();
        let accounts = Arc::new(accounts(watch, &ids, &[start, 0, 0]));
        let threads: Vec<_> = (0..2)
            .map(|role| {
                let accounts = Arc::clone(&accounts);
                thread::spawn(move || {
                    ROLE.set(Some(role));
                    let done = run(&accounts[0], &accounts[1 + role], amount);
                    if let Some(r) = &watch.rendezvous {
                        r.state.update(|s| s[role].finished = true);
                    }
                    done
                })
            })
            .collect();
        let done: Vec<Result<bool, String>> = threads
            .into_iter()
            .map(|t| t.join().map_err(|p| super::support::panic_message(&p)))
            .collect();
        let balances: Vec<u64> = accounts.iter().map(|a| a.balance.value()).collect();
        (done, balances)
    });
    let (done, balances) = outcome;
    for d in &done {
        if let Err(message) = d {
            panic!(
                "a transfer of {amount} out of an account holding {start} panicked ({message}): did \
                 both transfers check the balance before either took the money out? The check and \
                 the move must happen under the same locks, without letting go in between"
            );
        }
    }
    let succeeded = done.iter().filter(|d| matches!(d, Ok(true))).count();
    let total: u64 = balances.iter().sum();
    assert!(
        succeeded == 1 && total == start && balances[0] == start - amount,
        "account a held {start}, and two transfers of {amount} each tried to take it out at the \
         same time: exactly one should succeed, leaving {} in a. Got {succeeded} successes and \
         balances {balances:?}. The check and the move must happen under the same locks, without \
         letting go in between",
        start - amount
    );
}

#[test]
fn an_account_is_not_let_go_of_before_the_transfer_is_done() {
    // One thread moves money between a and b. When it lets go of one of
    // them while it still holds the other, the test moves money from a third
    // account, c, into the one let go of, before that thread goes on. At the
    // end of a transfer that is harmless; a transfer that let go of an
    // account it read and later writes it again writes back a stale balance.
    let mut rng = Rng::from_env();
    let ids = ids(&mut rng, 3);
    let idz = ids.clone();
    let balances = [
        100 + rng.range(0..100),
        100 + rng.range(0..100),
        100 + rng.range(0..100),
    ];
    let amount = rng.range(1..50);
    let deposit = rng.range(1..50);
    let (i, j) = if rng.below(2) == 0 { (0, 1) } else { (1, 0) };
    let (done, released, after) = within(LIMIT + WAIT, HANGS, move || {
        let watch = Watch {
            partial: Some(Latch::new(Partial::default())),
            ..Watch::default()
        }
        .leak();
        let partial = watch.partial.as_ref().expect("a partial script");
        let accounts = Arc::new(accounts(watch, &idz, &balances));
        let mover = {
            let accounts = Arc::clone(&accounts);
            thread::spawn(move || {
                ROLE.set(Some(0));
                let done = run(&accounts[i], &accounts[j], amount);
                partial.update(|p| p.finished = true);
                done
            })
        };
        partial.wait_until(WAIT, |p| p.released.is_some() || p.finished);
        let released = partial.update(|p| p.released);
        let released = released.and_then(|serial| {
            let k = (0..2).find(|&k| accounts[k].balance.serial == serial)?;
            let done = run(&accounts[2], &accounts[k], deposit);
            partial.update(|p| p.deposited = true);
            done.then_some(k)
        });
        let done = mover.join().expect("a transfer panicked");
        let after: Vec<u64> = accounts.iter().map(|a| a.balance.value()).collect();
        (done, released, after)
    });
    let mut want = balances.to_vec();
    want[i] -= amount;
    want[j] += amount;
    if let Some(k) = released {
        want[2] -= deposit;
        want[k] += deposit;
    }
    assert!(done, "a covered transfer of {amount} returned false");
    if let Some(k) = released
        && after != want
    {
        let other = ids[1 - k];
        panic!(
            "transfer(from {}, to {}, {amount}) let go of account {} while it still held account \
             {other}; the test then moved {deposit} into account {} from a third one. Expected \
             balances {want:?}, got {after:?}: the transfer locked account {} again and wrote a \
             balance it had read before, so the deposit was lost. Hold both accounts from the \
             first lock to the last write",
            ids[i], ids[j], ids[k], ids[k], ids[k]
        );
    }
    assert!(
        after == want,
        "accounts started with {balances:?}; after a transfer of {amount} expected {want:?}, got \
         {after:?}"
    );
}

#[test]
fn large_ids_and_amounts() {
    // Two ids with the same low 32 bits, balances and amounts above 2^32
    // whose low 32 bits say the opposite of the whole numbers.
    const G: u64 = 1 << 32;
    let mut rng = Rng::from_env();
    let low = rng.next_u64() & 0xFFFF_FFFF;
    let high = rng.range(1..1 << 31);
    let ids = [
        (high << 32) | low,
        ((high + 1 + rng.range(0..1000)) << 32) | low,
    ];
    let x = rng.range(1..1000);
    let y = x + 1 + rng.range(0..1000);
    let balances = [G + x, rng.range(1..1000)];
    let plan: [(usize, usize, u64); 6] = [
        (0, 1, y),
        (1, 0, G + rng.range(0..balances[1] + y)),
        (0, 0, G + x - y),
        (0, 0, G),
        (1, 0, balances[1] + y),
        (0, 1, G + rng.range(0..x)),
    ];
    let (results, after) = within(LIMIT, HANGS, move || {
        let watch = Watch::default().leak();
        let accounts = accounts(watch, &ids, &balances);
        let results: Vec<(bool, u64)> = plan
            .iter()
            .map(|&(f, t, amount)| {
                let had = accounts[f].balance.value();
                (run(&accounts[f], &accounts[t], amount), had)
            })
            .collect();
        watch.assert_no_cycle();
        watch.assert_balanced();
        let after: Vec<u64> = accounts.iter().map(|a| a.balance.value()).collect();
        (results, after)
    });
    let mut model = balances.to_vec();
    for (&(f, t, amount), &(done, had)) in plan.iter().zip(&results) {
        expect(done, amount <= model[f], (ids[f], ids[t], amount), had);
        if amount <= model[f] {
            model[f] -= amount;
            model[t] += amount;
        }
    }
    assert!(
        after == model,
        "accounts {ids:?} started with {balances:?}; after transfers of amounts above 2^32 \
         expected {model:?}, got {after:?}"
    );
}

// Random transfers on `threads` threads among a few accounts, self-transfers
// included; returns the balances before and after.
fn random_traffic<L, F>(make: F, rng: &mut Rng) -> (Vec<u64>, Vec<u64>, usize)
where
    L: Lock<u64> + Send + Sync + 'static,
    F: Fn(u64, u64) -> Account<L>,
{
    let n = 2 + rng.below(4);
    let threads = 4 + rng.below(5);
    let ids = ids(rng, n);
    let balances: Vec<u64> = (0..n).map(|_| rng.range(0..200)).collect();
    let accounts: Arc<Vec<Account<L>>> = Arc::new(
        ids.iter()
            .zip(&balances)
            .map(|(&id, &b)| make(id, b))
            .collect(),
    );
    let plans: Vec<Vec<(usize, usize, u64)>> = (0..threads)
        .map(|_| {
            (0..300)
                .map(|_| (rng.below(n), rng.below(n), rng.range(0..80)))
                .collect()
        })
        .collect();
    let balances_before = balances.clone();
    let after = within(LIMIT, HANGS, move || {
        let workers: Vec<_> = plans
            .into_iter()
            .map(|plan| {
                let accounts = Arc::clone(&accounts);
                thread::spawn(move || {
                    for (i, j, amount) in plan {
                        run(&accounts[i], &accounts[j], amount);
                    }
                })
            })
            .collect();
        for w in workers {
            if let Err(p) = w.join() {
                panic!(
                    "a thread making random transfers panicked: {}",
                    super::support::panic_message(&p)
                );
            }
        }
        accounts
            .iter()
            .map(|a| *a.balance.lock())
            .collect::<Vec<u64>>()
    });
    (balances_before, after, threads)
}

#[test]
fn random_transfers_on_many_threads_keep_the_total() {
    let mut rng = Rng::from_env();
    let (before, after, threads) = random_traffic(
        |id, balance| Account {
            id,
            balance: Mutex::new(balance),
        },
        &mut rng,
    );
    let (b, a): (u64, u64) = (before.iter().sum(), after.iter().sum());
    assert!(
        a == b,
        "{threads} threads made random transfers among {} accounts holding {b} in all; afterwards \
         they hold {a}",
        before.len()
    );
}

#[test]
fn random_transfers_on_many_threads_take_locks_in_one_order() {
    let mut rng = Rng::from_env();
    let watch = Watch::default().leak();
    let (before, after, threads) =
        random_traffic(|id, balance| watch.account(id, balance), &mut rng);
    let (b, a): (u64, u64) = (before.iter().sum(), after.iter().sum());
    watch.assert_no_cycle();
    watch.assert_balanced();
    assert!(
        a == b,
        "{threads} threads made random transfers among {} accounts holding {b} in all; afterwards \
         they hold {a}",
        before.len()
    );
}

//! Helpers shared by every hidden test file. The runner compiles this module
//! into each exercise's test build as `support` (reach it with
//! `use super::support::*;` or `crate::support`). Keep it small and generic:
//! tests must not depend on anything an exercise could be solved with.
//!
//! What is here:
//! - [`within`]: bound a call that may hang, with a message saying what hangs.
//! - [`Gate`]: a barrier with a deadline, to prove that work overlaps.
//! - [`Latch`]: wait (with a deadline) until a condition on shared state holds.
//! - [`ThreadIds`]: record which threads ran a callback; the standard checks
//!   "N distinct threads" and "not the caller's thread".
//! - [`Counted`]: a value that counts its clones and drops (shared, not
//!   deep-copied; freed exactly once).
//! - [`lock`]: lock a test's own `Mutex`, ignoring poison.
//! - [`panic_message`]: the text of a caught panic.
//! - [`Rng`]: random inputs per run, with the seed printed and replayable
//!   (`RUNNER_SEED=<seed> cargo runner run <name>`).
//! - [`process_cpu_time`]: CPU time this process used, to prove a waiting
//!   thread blocks instead of spinning.
//! - [`CountingAlloc`]: a global allocator that counts allocations and
//!   frees (declare it in the test file with `#[global_allocator]`).
//!
//! The learner's code is the crate `exercise`: tests name each item they
//! use (`use exercise::{run_all};`, never `exercise::*`) and pin its
//! signature (`const _: fn(Vec<u64>) -> u64 = exercise::sum;`).

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::Deref;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

/// Runs `f` on a helper thread and waits at most `limit` for it to finish.
///
/// A hang becomes a test failure that says `what_hangs` (for example "is a
/// Sender still alive, so the receiver never ends?") instead of a silent
/// freeze, at the caller's line. A panic inside `f` is passed on unchanged.
#[track_caller]
pub fn within<T, F>(limit: Duration, what_hangs: &str, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        // The receiver may be gone after a timeout; nothing to report then.
        let _ = tx.send(panic::catch_unwind(AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(_) => panic!("no result after {limit:?}: {what_hangs}"),
    }
}

/// Locks a `Mutex` the test owns, even if a thread panicked while holding it
/// (the panic is reported on its own; a `PoisonError` would only hide it).
/// For the learner's own locks, prefer `lock().unwrap()` where poison is news.
pub fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The message of a caught panic (from `catch_unwind` or `JoinHandle::join`):
/// the `&str` or `String` given to `panic!`, or a placeholder for any other
/// payload. Takes the `Box` itself: a `&dyn Any` made from `&payload` would
/// be the box, and never downcast to a string.
#[allow(clippy::borrowed_box)]
pub fn panic_message(payload: &Box<dyn Any + Send>) -> String {
    if payload.is::<Deliberate>() {
        String::from("the panic the test's job causes on purpose")
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::from("<a panic payload that is not a string>")
    }
}

/// The payload of [`deliberate_panic`].
#[derive(Debug)]
pub struct Deliberate;

/// Panics on purpose (a job of the test's that must fail), silently: the
/// default hook would print the panic, and a learner whose code lets it
/// through must read the test's explanation, never "this panic is part of
/// the test". Catch it with `catch_unwind` or `join`, check with
/// `payload.is::<Deliberate>()`.
pub fn deliberate_panic() -> ! {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<Deliberate>() {
                default(info);
            }
        }));
    });
    panic::panic_any(Deliberate)
}

/// A barrier with a deadline: `wait` returns once `parties` threads have
/// arrived, or reports how many had arrived when `limit` ran out.
///
/// Tests use it to prove that work really runs at the same time: if the
/// learner's code runs the workers one after another (say, joining inside
/// the spawn loop), the first worker waits alone and the gate never fills.
/// It works on one pinned CPU too, because waiting threads block.
///
/// The gate gives up after its first timeout: from then on every wait, the
/// ones already waiting included, returns `Err` at once. So a serialized
/// solution costs one `limit` in all (not one per party), and the test can
/// report "not concurrent" (see [`Gate::timed_out`]) well inside its
/// [`within`] bound. Arrivals still count after a timeout, and the arrival
/// that fills the gate still gets `Ok`.
#[derive(Debug)]
pub struct Gate {
    parties: usize,
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Debug)]
struct GateState {
    arrived: usize,
    // How many had arrived when the first wait timed out.
    timed_out: Option<usize>,
}

impl Gate {
    pub const fn new(parties: usize) -> Self {
        Gate {
            parties,
            state: Mutex::new(GateState {
                arrived: 0,
                timed_out: None,
            }),
            changed: Condvar::new(),
        }
    }

    /// Arrives, then waits until every party has arrived. `Err(n)`: `n`
    /// parties had arrived when `limit` ran out, or when this call found
    /// that an earlier wait had already run out of time.
    pub fn wait(&self, limit: Duration) -> Result<(), usize> {
        let deadline = Instant::now() + limit;
        let mut state = lock(&self.state);
        state.arrived += 1;
        if state.arrived >= self.parties {
            self.changed.notify_all();
            return Ok(());
        }
        loop {
            if state.arrived >= self.parties {
                return Ok(());
            }
            if state.timed_out.is_some() {
                return Err(state.arrived);
            }
            let now = Instant::now();
            if now >= deadline {
                state.timed_out = Some(state.arrived);
                // Those still waiting give up too.
                self.changed.notify_all();
                return Err(state.arrived);
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// `Some(n)`: a wait ran out of time, when only `n` parties had arrived
    /// (the first such wait: later ones report nothing new). `None`: no wait
    /// has timed out.
    pub fn timed_out(&self) -> Option<usize> {
        lock(&self.state).timed_out
    }
}

/// Shared state plus a way to wait, with a deadline, until a condition on it
/// holds (a `Mutex` and a `Condvar`). Probes use it for "do not go on until
/// the code under test has done X": the test's callbacks [`update`] the
/// state, a probe [`wait_until`] a condition holds.
///
/// Like [`Gate`], it gives up after its first timeout: later waits only check
/// the condition and return at once, so one failure costs one `limit`.
///
/// [`update`]: Latch::update
/// [`wait_until`]: Latch::wait_until
#[derive(Debug, Default)]
pub struct Latch<T> {
    state: Mutex<(T, bool)>,
    changed: Condvar,
}

impl<T> Latch<T> {
    pub const fn new(state: T) -> Self {
        Latch {
            state: Mutex::new((state, false)),
            changed: Condvar::new(),
        }
    }

    /// Changes the state with `f` and wakes every waiter.
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let result = f(&mut lock(&self.state).0);
        self.changed.notify_all();
        result
    }

    /// Waits at most `limit` until `holds(&state)`; returns whether it holds.
    /// After one wait has timed out, returns at once.
    pub fn wait_until(&self, limit: Duration, mut holds: impl FnMut(&T) -> bool) -> bool {
        let mut state = lock(&self.state);
        if !state.1 {
            state = self
                .changed
                .wait_timeout_while(state, limit, |s| !s.1 && !holds(&s.0))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let held = holds(&state.0);
        if !held && !state.1 {
            state.1 = true;
            // Those still waiting give up too.
            self.changed.notify_all();
        }
        held
    }
}

/// Records which threads ran a test's callback, for the standard checks:
/// "ran on N distinct threads" and "never on the caller's thread". Thread ids
/// are never reused, so the set of ids proves how many threads did the work.
///
/// Call [`record`] inside the callback; or `collect()` ids gathered some
/// other way (with other data, say) into a `ThreadIds` to check them.
///
/// [`record`]: ThreadIds::record
#[derive(Debug, Default)]
pub struct ThreadIds {
    ids: Mutex<Vec<ThreadId>>,
}

impl ThreadIds {
    pub const fn new() -> Self {
        ThreadIds {
            ids: Mutex::new(Vec::new()),
        }
    }

    /// Records the id of the thread that calls it.
    pub fn record(&self) {
        lock(&self.ids).push(thread::current().id());
    }

    /// Every id recorded, in order, one per `record`.
    pub fn ids(&self) -> Vec<ThreadId> {
        lock(&self.ids).clone()
    }

    /// How many ids were recorded (how often the callback ran).
    pub fn len(&self) -> usize {
        lock(&self.ids).len()
    }

    /// How many different threads recorded.
    pub fn distinct(&self) -> usize {
        lock(&self.ids).iter().collect::<HashSet<_>>().len()
    }

    pub fn contains(&self, id: ThreadId) -> bool {
        lock(&self.ids).contains(&id)
    }

    /// Fails with `msg` (and how often it happened) if `caller`, the id of
    /// the thread that called the code under test, was recorded.
    pub fn assert_caller_absent(&self, caller: ThreadId, msg: &str) {
        let ids = lock(&self.ids);
        let on_caller = ids.iter().filter(|&&id| id == caller).count();
        assert!(
            on_caller == 0,
            "{msg} ({on_caller} of {} calls ran on the caller's thread)",
            ids.len()
        );
    }

    /// Fails unless exactly `expected` distinct threads recorded, with the
    /// message "`what` ran on <n> distinct threads, expected `expected`:
    /// `hint`".
    pub fn assert_distinct(&self, expected: usize, what: &str, hint: &str) {
        let seen = self.distinct();
        let threads = if seen == 1 { "thread" } else { "threads" };
        assert!(
            seen == expected,
            "{what} ran on {seen} distinct {threads}, expected {expected}: {hint}"
        );
    }
}

impl FromIterator<ThreadId> for ThreadIds {
    fn from_iter<I: IntoIterator<Item = ThreadId>>(iter: I) -> Self {
        ThreadIds {
            ids: Mutex::new(iter.into_iter().collect()),
        }
    }
}

/// A value that counts how often it, or any clone of it, was cloned and
/// dropped. Hand it to the code under test and keep [`counts`] to read the
/// numbers afterwards: a clone of shared data is a deep copy (use `Arc`),
/// and data shared through `Arc` is dropped exactly once (0: leaked).
/// Reads through to the value with `Deref`; its address (`&counted as *const
/// _`) tells whether two readers saw the same one.
///
/// [`counts`]: Counted::counts
#[derive(Debug)]
pub struct Counted<T> {
    value: T,
    counts: Arc<Counts>,
}

/// The numbers behind a [`Counted`] value and all its clones.
#[derive(Debug, Default)]
pub struct Counts {
    clones: AtomicUsize,
    drops: AtomicUsize,
}

impl Counts {
    pub fn clones(&self) -> usize {
        self.clones.load(Ordering::SeqCst)
    }

    pub fn drops(&self) -> usize {
        self.drops.load(Ordering::SeqCst)
    }
}

impl<T> Counted<T> {
    pub fn new(value: T) -> Self {
        Counted {
            value,
            counts: Arc::new(Counts::default()),
        }
    }

    /// The counters, shared with every clone; they outlive the values.
    pub fn counts(&self) -> Arc<Counts> {
        Arc::clone(&self.counts)
    }
}

impl<T> Deref for Counted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Clone> Clone for Counted<T> {
    fn clone(&self) -> Self {
        self.counts.clones.fetch_add(1, Ordering::SeqCst);
        Counted {
            value: self.value.clone(),
            counts: Arc::clone(&self.counts),
        }
    }
}

impl<T> Drop for Counted<T> {
    fn drop(&mut self) {
        self.counts.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// A small, fast random number generator (SplitMix64) for test inputs.
///
/// Each run draws a new seed and prints it, so a failure's output says how
/// to replay it: `RUNNER_SEED=<seed>` in the environment fixes the seed.
/// Vary sizes, shapes and values with it, so that no hard-coded answer or
/// "works for the usual sizes" solution passes.
#[derive(Debug, Clone)]
pub struct Rng {
    seed: u64,
    state: u64,
}

impl Rng {
    /// A generator seeded from `RUNNER_SEED`, or at random (and printed).
    pub fn from_env() -> Rng {
        use std::hash::{BuildHasher, RandomState};
        let seed = std::env::var("RUNNER_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| RandomState::new().hash_one(Instant::now()));
        println!("random inputs from seed {seed} (replay with RUNNER_SEED={seed})");
        Rng { seed, state: seed }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `range` (which must not be empty).
    pub fn range(&mut self, range: std::ops::Range<u64>) -> u64 {
        assert!(!range.is_empty(), "Rng::range of an empty range");
        range.start + self.next_u64() % (range.end - range.start)
    }

    /// An index below `n` (which must be positive).
    pub fn below(&mut self, n: usize) -> usize {
        self.range(0..n as u64) as usize
    }

    /// Shuffles `items` in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// CPU time used so far by this whole process (every thread).
///
/// To prove that code waits by blocking, not by spinning on `try_recv`,
/// `try_lock` or a flag: read it before and after a stretch in which the
/// code under test can only wait, and compare with the stretch's length.
/// A blocked thread uses next to nothing; a spinning one uses about all of
/// it on an idle machine. (Load only makes a spinner look better, never a
/// blocked thread look worse, so this never fails a correct solution.)
pub fn process_cpu_time() -> Duration {
    cpu::process_time()
}

/// CPU time the calling thread has used so far, where the platform tells
/// (64-bit Linux and macOS; `None` elsewhere). Read before and after a call
/// that should block: a blocked thread uses microseconds, a spinning one
/// all of the time it had a core.
#[cfg(all(any(target_os = "linux", target_os = "macos"), target_pointer_width = "64"))]
pub fn thread_cpu_time() -> Option<Duration> {
    unsafe extern "C" {
        fn clock_gettime(clock: i32, time: *mut [i64; 2]) -> i32;
    }
    #[cfg(target_os = "linux")]
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    #[cfg(target_os = "macos")]
    const CLOCK_THREAD_CPUTIME_ID: i32 = 16;
    let mut time = [0_i64; 2];
    // SAFETY: a plain system call writing a struct timespec (two longs).
    let done = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) };
    (done == 0).then(|| Duration::new(time[0].max(0) as u64, time[1].max(0) as u32))
}

#[cfg(not(all(any(target_os = "linux", target_os = "macos"), target_pointer_width = "64")))]
pub fn thread_cpu_time() -> Option<Duration> {
    None
}

/// Whose context switches [`context_switches`] counts.
#[derive(Debug, Clone, Copy)]
pub enum Of {
    /// Every thread of the test process.
    Process,
    /// The calling thread.
    Thread,
}

/// Context switches so far (see [`context_switches`]).
#[derive(Debug, Clone, Copy)]
pub struct Switches {
    /// The thread gave up the CPU: it blocked, slept or waited. A thread
    /// blocked in `recv`/`wait`/`park` makes one per wake-up; one that
    /// polls (sleeps or waits with a timeout, in a loop) one per round.
    pub voluntary: i64,
    /// The thread was preempted: one that spins is, again and again, on a
    /// busy machine (on an idle one, its CPU time shows instead).
    pub involuntary: i64,
}

impl Switches {
    pub fn total(self) -> i64 {
        self.voluntary + self.involuntary
    }
}

/// Context switches so far, where the platform tells (64-bit Linux; `None`
/// elsewhere, where a test relies on [`process_cpu_time`] alone).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
pub fn context_switches(of: Of) -> Option<Switches> {
    // struct rusage: two timevals (4 longs), then 14 longs, the last two
    // ru_nvcsw and ru_nivcsw. RUSAGE_SELF is 0, RUSAGE_THREAD is 1.
    unsafe extern "C" {
        fn getrusage(who: i32, usage: *mut [i64; 18]) -> i32;
    }
    let who = match of {
        Of::Process => 0,
        Of::Thread => 1,
    };
    let mut usage = [0i64; 18];
    // SAFETY: a plain system call writing into a buffer of the right size.
    let done = unsafe { getrusage(who, &mut usage) };
    (done == 0).then_some(Switches {
        voluntary: usage[16],
        involuntary: usage[17],
    })
}

/// Context switches so far: not told on this platform.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
pub fn context_switches(_of: Of) -> Option<Switches> {
    None
}

#[cfg(unix)]
mod cpu {
    use std::time::Duration;

    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }

    unsafe extern "C" {
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }

    #[cfg(target_os = "linux")]
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    #[cfg(not(target_os = "linux"))]
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 12;

    pub fn process_time() -> Duration {
        let mut time = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a plain system call writing into a valid struct.
        let done = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut time) };
        assert_eq!(done, 0, "clock_gettime failed");
        Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
    }
}

#[cfg(windows)]
mod cpu {
    use std::time::Duration;

    #[repr(C)]
    #[derive(Default)]
    struct FileTime {
        low: u32,
        high: u32,
    }

    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetCurrentProcess() -> isize;
        fn GetProcessTimes(
            process: isize,
            creation: *mut FileTime,
            exit: *mut FileTime,
            kernel: *mut FileTime,
            user: *mut FileTime,
        ) -> i32;
    }

    pub fn process_time() -> Duration {
        let (mut c, mut e, mut k, mut u) = Default::default();
        // SAFETY: plain system calls writing into valid structs.
        let done = unsafe { GetProcessTimes(GetCurrentProcess(), &mut c, &mut e, &mut k, &mut u) };
        assert!(done != 0, "GetProcessTimes failed");
        let ticks = |t: &FileTime| (u64::from(t.high) << 32) | u64::from(t.low);
        Duration::from_nanos((ticks(&k) + ticks(&u)) * 100)
    }
}

/// A global allocator that counts allocations and frees, to catch leaked
/// buffers (`Vec::leak`, `Box::leak`, `mem::forget`) and needless copies.
/// Declare it in a test file, once:
///
/// ```ignore
/// #[global_allocator]
/// static ALLOC: super::support::CountingAlloc = super::support::CountingAlloc::new();
/// ```
///
/// Counts are process-wide; take a [`CountingAlloc::snapshot`] before and
/// after the code under test, and compare bytes still live.
#[derive(Debug)]
pub struct CountingAlloc {
    allocs: AtomicUsize,
    frees: AtomicUsize,
    live_bytes: AtomicUsize,
}

/// What a [`CountingAlloc`] had counted at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocCounts {
    pub allocs: usize,
    pub frees: usize,
    pub live_bytes: usize,
}

impl CountingAlloc {
    pub const fn new() -> Self {
        CountingAlloc {
            allocs: AtomicUsize::new(0),
            frees: AtomicUsize::new(0),
            live_bytes: AtomicUsize::new(0),
        }
    }

    pub fn snapshot(&self) -> AllocCounts {
        AllocCounts {
            allocs: self.allocs.load(Ordering::SeqCst),
            frees: self.frees.load(Ordering::SeqCst),
            live_bytes: self.live_bytes.load(Ordering::SeqCst),
        }
    }
}

impl Default for CountingAlloc {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every call is passed to the system allocator unchanged; the
// counters are only atomics on the side.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        self.allocs.fetch_add(1, Ordering::SeqCst);
        self.live_bytes.fetch_add(layout.size(), Ordering::SeqCst);
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        self.frees.fetch_add(1, Ordering::SeqCst);
        self.live_bytes.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        self.live_bytes.fetch_sub(layout.size(), Ordering::SeqCst);
        self.live_bytes.fetch_add(new, Ordering::SeqCst);
        // SAFETY: the caller upholds `realloc`'s contract.
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

/// The longest a thread-end probe, a blocked job or a turn waits.
const THREAD_LIMIT: Duration = Duration::from_secs(2);
/// How long a spin check watches the CPU while every job is blocked.
const SPIN_STRETCH: Duration = Duration::from_millis(150);
/// How long a call waits for its turn before every turn gives up.
const TURN_WAIT: Duration = Duration::from_secs(1);

// ---- Did the call wait for its threads to END? (threads1-3, move1-2) ----
//
// `at_thread_end(f)` runs `f` when the calling thread ends: it is kept in a
// thread-local, and thread-locals are dropped as a thread ends, after its
// closure has returned and before `join` on that thread returns. Only `join`
// waits for that. A sleep, a channel, a counter, `is_finished()` or
// `thread::scope`'s own wait only see the closure return.

pub struct AtEnd(Vec<Box<dyn FnOnce()>>);

impl Drop for AtEnd {
    fn drop(&mut self) {
        for f in self.0.drain(..) {
            f();
        }
    }
}

thread_local! {
    static AT_END: RefCell<AtEnd> = const { RefCell::new(AtEnd(Vec::new())) };
}

pub fn at_thread_end(f: impl FnOnce() + 'static) {
    AT_END.with(|at_end| at_end.borrow_mut().0.push(Box::new(f)));
}

/// A job calls [`EndProbe::arm`]; as the job's thread ends, the probe keeps
/// it from ending for up to `hold`, unless the test has already seen the
/// call under test return. So code that joins returns only after every
/// armed thread has ended; code that does not join returns while they hold.
pub struct EndProbe {
    hold: Duration,
    state: Mutex<EndState>,
    changed: Condvar,
}

#[derive(Default)]
pub struct EndState {
    armed: usize,
    ended: usize,
    returned: bool,
}

impl EndProbe {
    /// `quick` is how long the call under test took with jobs that do
    /// nothing: the hold is well beyond any fixed wait the code may use.
    pub fn new(quick: Duration) -> &'static EndProbe {
        let hold = (Duration::from_millis(120) + quick * 3).min(Duration::from_millis(2500));
        Box::leak(Box::new(EndProbe {
            hold,
            state: Mutex::new(EndState::default()),
            changed: Condvar::new(),
        }))
    }

    pub fn arm(&'static self) {
        lock(&self.state).armed += 1;
        at_thread_end(move || {
            let deadline = Instant::now() + self.hold;
            let mut state = lock(&self.state);
            while !state.returned {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                state = self
                    .changed
                    .wait_timeout(state, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            state.ended += 1;
        });
    }

    /// Call right after the call under test returned, on its thread:
    /// (threads armed, threads that had ended by then).
    pub fn returned(&self) -> (usize, usize) {
        let mut state = lock(&self.state);
        state.returned = true;
        self.changed.notify_all();
        (state.armed, state.ended)
    }

    /// A time limit for a call whose threads each hold for `hold`.
    pub fn limit(&self) -> Duration {
        self.hold * 2 + THREAD_LIMIT
    }
}

/// (jobs that arrived, jobs released, call returned)
pub type Blocker = Latch<(usize, bool, bool)>;

/// Called by a job: blocks until the test releases every job.
pub fn block(blocker: &Blocker) {
    blocker.update(|s| s.0 += 1);
    blocker.wait_until(THREAD_LIMIT, |s| s.1);
}

/// Runs `call` on a thread of its own; its `jobs` jobs each call [`block`].
/// Once all are blocked, measures the CPU time this process uses for a
/// while (the code under test can only wait then), releases the jobs and
/// returns what `call` returned. Fails unless the rest of the process went
/// quiet (two quiet windows in a row, see `quiet`: a poller wakes up in
/// every window), and if the waiting kept a CPU busy for a quarter of the
/// time (a spinner that never lets a window pass; a blocked process uses
/// well under 0.1%, and the quarter leaves room for a busy machine's noise).
#[track_caller]
pub fn assert_waits_without_spinning<T, C>(jobs: usize, what: &str, hangs: &str, call: C) -> T
where
    T: Send + 'static,
    C: FnOnce(&'static Blocker) -> T + Send + 'static,
{
    let blocker: &'static Blocker = Box::leak(Box::new(Latch::new((0, false, false))));
    let caller = thread::spawn(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(|| call(blocker)));
        blocker.update(|s| s.2 = true);
        result
    });
    blocker.wait_until(THREAD_LIMIT, |s| s.0 >= jobs || s.2);
    let (arrived, _, _) = blocker.update(|s| *s);
    let mut busy = None;
    if arrived >= jobs {
        let cpu_before = process_cpu_time();
        let started = Instant::now();
        // Two quiet windows in a row (see `quiet`): a poller that sleeps
        // between checks uses little CPU, but wakes in every window.
        let quiet = quiet::wait_until_quiet();
        let elapsed = started.elapsed();
        if elapsed < SPIN_STRETCH {
            thread::sleep(SPIN_STRETCH - elapsed);
        }
        busy = Some((
            process_cpu_time().saturating_sub(cpu_before),
            started.elapsed(),
            quiet,
        ));
    }
    // Released and checked at once: a return before this is a return
    // while every job was still blocked.
    let returned_early = blocker.update(|s| {
        s.1 = true;
        s.2
    });
    let value = match within(THREAD_LIMIT, hangs, move || caller.join()) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) | Err(payload) => panic::resume_unwind(payload),
    };
    assert!(
        !returned_early,
        "{what} returned while its jobs were still blocked ({arrived} of {jobs} had started): \
         it does not wait for its threads"
    );
    let Some((cpu, stretch, quiet)) = busy else {
        panic!("only {arrived} of {jobs} jobs started within {THREAD_LIMIT:?}");
    };
    if let Err(window) = quiet {
        panic!(
            "while every job was blocked, {what} kept waking up ({} context switches and {:?} \
             of CPU in its busiest window of {:?}): it waits by checking again and again \
             (is_finished or try_recv with a sleep, a flag in a loop). join() blocks until \
             the thread has ended",
            window.switches,
            window.cpu,
            quiet::WINDOW
        );
    }
    assert!(
        cpu * 4 < stretch,
        "while every job was blocked for {stretch:?}, {what} kept a CPU busy for {cpu:?}: it \
         waits by checking again and again (is_finished, try_recv, a flag or counter in a \
         loop). join() blocks without using the CPU"
    );
    value
}

// ---- Make calls finish in an order the test chooses (threads2, move1-2) --
//
// Call `i` waits for its turn (`rank[i]`), and passes the turn on only when
// its thread has ENDED (see `at_thread_end`), so whatever the code under
// test does with the result on that thread (push it, send it) is done
// before the next call even starts. Needs the calls to run at the same
// time; a wait gives up after 1 s (then every later wait returns at once).
pub struct Turns {
    next: Latch<usize>,
    gave_up: Mutex<bool>,
}

impl Turns {
    pub fn new() -> &'static Turns {
        Box::leak(Box::new(Turns {
            next: Latch::new(0),
            gave_up: Mutex::new(false),
        }))
    }

    pub fn wait_for(&'static self, rank: usize) {
        if !self.next.wait_until(TURN_WAIT, |&next| next == rank) {
            *lock(&self.gave_up) = true;
        }
        at_thread_end(move || {
            self.next.update(|next| *next += 1);
        });
    }

    pub fn gave_up(&self) -> bool {
        *lock(&self.gave_up)
    }
}

/// A random order that is not the identity (for `n >= 2`).
pub fn random_ranks(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut ranks: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut ranks);
    if n >= 2 && ranks.iter().enumerate().all(|(i, &r)| i == r) {
        ranks.reverse();
    }
    ranks
}

/// Widening instruction-sized races with signals (atomics1, atomics3).
pub mod interrupt {
    //! Interrupts a thread at random instructions with a signal and runs a
    //! callback in the signal handler, on that thread: a race window of a
    //! few instructions in the interrupted code is hit after a few hundred
    //! signals, on one CPU as on many; and a lock held by the interrupted
    //! code deadlocks the handler, which is reported (not waited for).
    //! Where there are no signals (Windows), the callback runs on a second
    //! thread instead: a weaker stress test.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::thread;
    use std::time::{Duration, Instant};

    /// Enough interrupts to hit a window of a few instructions many times.
    const SIGNALS: u64 = 1500;
    /// Sending stops after this, once at least `MIN_SIGNALS` were handled.
    const BUDGET: Duration = Duration::from_millis(600);
    /// A few hundred interrupts hit a window of a few instructions for sure.
    const MIN_SIGNALS: u64 = 400;
    /// A callback that has not returned after this is stuck.
    const STUCK: Duration = Duration::from_millis(1500);

    static CALLBACK: AtomicUsize = AtomicUsize::new(0);
    static HANDLED: AtomicU64 = AtomicU64::new(0);

    fn run_callback() {
        let callback = CALLBACK.load(Ordering::SeqCst);
        if callback != 0 {
            // SAFETY: only ever set from a `fn()`, in `run_interrupted`.
            let callback = unsafe { std::mem::transmute::<usize, fn()>(callback) };
            callback();
            HANDLED.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub enum Interrupted {
        /// The loop body ran `calls` times; `handled` interrupts ran the callback.
        Done { calls: u64, handled: u64 },
        /// The callback did not return (after `handled` had).
        Stuck { handled: u64 },
    }

    #[cfg(unix)]
    mod sys {
        unsafe extern "C" {
            pub fn signal(signum: i32, handler: usize) -> usize;
            pub fn pthread_self() -> usize;
            pub fn pthread_kill(thread: usize, signum: i32) -> i32;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        pub const SIGUSR1: i32 = 10;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        pub const SIGUSR1: i32 = 30;

        pub extern "C" fn on_signal(_: i32) {
            super::run_callback();
        }

        pub fn install() {
            // SAFETY: the handler only runs the test's callback.
            unsafe { signal(SIGUSR1, on_signal as usize) };
        }

        pub fn me() -> usize {
            // SAFETY: no preconditions.
            unsafe { pthread_self() }
        }

        /// # Safety
        /// `thread` must not have ended.
        pub unsafe fn interrupt(thread: usize) {
            // SAFETY: the caller keeps `thread` alive.
            unsafe { pthread_kill(thread, SIGUSR1) };
        }
    }

    /// Runs `body` in a loop on a thread of its own, and interrupts that
    /// thread at random moments; each interrupt runs `on_interrupt` there.
    pub fn run_interrupted(on_interrupt: fn(), body: impl Fn() + Send + 'static) -> Interrupted {
        CALLBACK.store(on_interrupt as usize, Ordering::SeqCst);
        #[cfg(unix)]
        sys::install();
        let stop = Arc::new(AtomicBool::new(false));
        let (id_tx, id_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        let looping = Arc::clone(&stop);
        thread::spawn(move || {
            #[cfg(unix)]
            id_tx.send(sys::me()).unwrap();
            #[cfg(not(unix))]
            id_tx.send(0_usize).unwrap();
            let mut calls = 0_u64;
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                while !looping.load(Ordering::SeqCst) {
                    body();
                    calls += 1;
                }
            }));
            // Stay alive until told to stop: signals may still be on the way.
            while !looping.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(1));
            }
            let _ = done_tx.send(ran.map(|()| calls));
        });
        let target = id_rx.recv().expect("the interrupted thread did not start");
        let started = Instant::now();
        let mut pause = 7_u64;
        loop {
            let handled = HANDLED.load(Ordering::SeqCst);
            if handled >= SIGNALS || (handled >= MIN_SIGNALS && started.elapsed() >= BUDGET) {
                break;
            }
            let before = HANDLED.load(Ordering::SeqCst);
            #[cfg(unix)]
            // SAFETY: `target` is alive: it only ends after `stop` is set,
            // below, after the last signal.
            unsafe {
                sys::interrupt(target)
            };
            #[cfg(not(unix))]
            {
                let _ = target;
                thread::spawn(run_callback);
            }
            let sent = Instant::now();
            while HANDLED.load(Ordering::SeqCst) == before {
                if sent.elapsed() > STUCK {
                    return Interrupted::Stuck { handled: before };
                }
                // Pauses of varying length, so that the signals land all
                // over the loop.
                pause = (pause * 7 + 13) % 61;
                thread::sleep(Duration::from_micros(10 + pause));
            }
        }
        stop.store(true, Ordering::SeqCst);
        match done_rx.recv_timeout(STUCK) {
            Ok(Ok(calls)) => Interrupted::Done {
                calls,
                handled: HANDLED.load(Ordering::SeqCst),
            },
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => Interrupted::Stuck {
                handled: HANDLED.load(Ordering::SeqCst),
            },
        }
    }
}

/// Waiting by blocking, or by trying again and again? (rwlock1, once1)
pub mod quiet {
    use std::thread;
    use std::time::{Duration, Instant};

    use super::process_cpu_time;

    // While the code under test can only wait, the test sleeps in windows of
    // WINDOW and reads (getrusage) the CPU time and context switches of the
    // whole process minus those of its own thread. Threads blocked in a lock use
    // no CPU and make no switch, so a correct solution shows two quiet windows
    // in a row at once. A thread that keeps trying (try_write, a flag, a short
    // sleep) shows in every window in which it runs at all: as CPU time when it
    // has a core to itself, as a switch each time it yields, sleeps or is put
    // off a busy core. Load only spaces its turns out, and a window is far
    // longer than a runnable thread waits for a turn on a loaded machine. (A
    // check of the CPU time alone misses a thread that yields on a busy core:
    // it gets a few microseconds per turn.)
    pub const WINDOW: Duration = Duration::from_millis(60);
    const WINDOWS: usize = 8;
    pub(super) const QUIET_CPU: Duration = Duration::from_micros(100);

    // What the rest of the process did during one window.
    #[derive(Debug, Clone, Copy)]
    pub struct Window {
        pub cpu: Duration,
        pub switches: i64,
    }

    // (CPU time in microseconds, context switches) of the process (`who` = 0)
    // or of the calling thread (1), where the platform tells.
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    fn usage(who: i32) -> Option<(i64, i64)> {
        // struct rusage: ru_utime and ru_stime (two timevals: 4 longs), then 14
        // longs, the last two ru_nvcsw and ru_nivcsw.
        unsafe extern "C" {
            fn getrusage(who: i32, usage: *mut [i64; 18]) -> i32;
        }
        let mut u = [0i64; 18];
        // SAFETY: a plain system call writing into a buffer of the right size.
        let done = unsafe { getrusage(who, &mut u) };
        (done == 0).then(|| ((u[0] + u[2]) * 1_000_000 + u[1] + u[3], u[16] + u[17]))
    }

    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    fn usage(_who: i32) -> Option<(i64, i64)> {
        None
    }

    // Sleeps for one WINDOW; what the other threads of the process did.
    pub(super) fn others_during_window() -> Window {
        let thread_before = usage(1);
        let process_before = usage(0);
        let cpu_before = process_cpu_time();
        thread::sleep(WINDOW);
        let cpu_after = process_cpu_time();
        let process_after = usage(0);
        let thread_after = usage(1);
        match (thread_before, process_before, process_after, thread_after) {
            (Some(t0), Some(p0), Some(p1), Some(t1)) => Window {
                cpu: Duration::from_micros(((p1.0 - p0.0) - (t1.0 - t0.0)).max(0) as u64),
                switches: (p1.1 - p0.1) - (t1.1 - t0.1),
            },
            // No per-thread numbers here: the process's CPU time (this thread
            // only sleeps) and no switches.
            _ => Window {
                cpu: cpu_after.saturating_sub(cpu_before),
                switches: 0,
            },
        }
    }

    // Ok once two windows in a row were quiet (every other thread blocked);
    // else the busiest window seen.
    pub fn wait_until_quiet() -> Result<(), Window> {
        let mut quiet_in_a_row = 0;
        let mut busiest = Window {
            cpu: Duration::ZERO,
            switches: 0,
        };
        for _ in 0..WINDOWS {
            let window = others_during_window();
            if window.switches <= 0 && window.cpu <= QUIET_CPU {
                quiet_in_a_row += 1;
                if quiet_in_a_row == 2 {
                    return Ok(());
                }
            } else {
                quiet_in_a_row = 0;
                if (window.switches, window.cpu) > (busiest.switches, busiest.cpu) {
                    busiest = window;
                }
            }
        }
        Err(busiest)
    }

    // The calling thread's CPU time and context switches so far, where the
    // platform tells.
    pub fn own_usage() -> Option<(Duration, i64)> {
        usage(1).map(|(micros, switches)| (Duration::from_micros(micros.max(0) as u64), switches))
    }

    // The calling thread's CPU time and switches since `before` (`own_usage`).
    pub fn own_since(before: Option<(Duration, i64)>) -> Option<(Duration, i64)> {
        let (cpu0, switches0) = before?;
        let (cpu1, switches1) = own_usage()?;
        Some((cpu1.saturating_sub(cpu0), switches1 - switches0))
    }

    // How a long quiet stretch went (`quiet_until`, `quiet_for`).
    //
    // `wait_until_quiet` asks for two quiet windows in a row (~120 ms): a
    // poller that sleeps 250 ms between tries slips through. A stretch
    // settles the same way, then watches on, every window quiet, so that a
    // poller that sleeps up to the stretch's length is seen.
    #[derive(Debug, Clone, Copy)]
    pub enum Stretch {
        Quiet,
        // Never quiet (windows in a row, as many as asked): the busiest.
        Never(Window),
        // Quiet at first, then a window with this in it.
        WokeUp(Window),
    }

    // Waits until every other thread is quiet, then watches until `until`.
    pub fn quiet_until(until: Instant) -> Stretch {
        if let Err(busiest) = wait_until_quiet() {
            return Stretch::Never(busiest);
        }
        while Instant::now() + WINDOW <= until {
            let window = others_during_window();
            if window.switches > 0 || window.cpu > QUIET_CPU {
                return Stretch::WokeUp(window);
            }
        }
        Stretch::Quiet
    }

    // Waits until every other thread is quiet, then watches `more` longer.
    pub fn quiet_for(more: Duration) -> Stretch {
        if let Err(busiest) = wait_until_quiet() {
            return Stretch::Never(busiest);
        }
        let until = Instant::now() + more;
        while Instant::now() < until {
            let window = others_during_window();
            if window.switches > 0 || window.cpu > QUIET_CPU {
                return Stretch::WokeUp(window);
            }
        }
        Stretch::Quiet
    }

    // Fails unless the stretch stayed quiet.
    #[track_caller]
    pub fn assert_quiet_stretch(stretch: Stretch, who: &str, waits_for: &str) {
        match stretch {
            Stretch::Quiet => {}
            Stretch::Never(Window { cpu, switches }) => panic!(
                "while {who} waited for {waits_for}, the process never went quiet: never two \
                 windows of {WINDOW:?} in a row without CPU time or context switches (the \
                 busiest: {cpu:?} of CPU, {switches} switches). Something keeps trying (a \
                 try_ method, a flag or a short sleep in a loop) instead of blocking until it \
                 can go on"
            ),
            Stretch::WokeUp(Window { cpu, switches }) => panic!(
                "while {who} waited for {waits_for}, the process went quiet, then woke up again \
                 ({cpu:?} of CPU, {switches} switches) although nothing had changed: something \
                 sleeps and tries again (a try_ method or a flag, after a sleep, in a loop) \
                 instead of blocking until it can go on"
            ),
        }
    }

    // Fails unless the other threads of the process all went quiet.
    #[track_caller]
    pub fn assert_quiet(quiet: Result<(), Window>, who: &str, waits_for: &str) {
        if let Err(Window { cpu, switches }) = quiet {
            panic!(
                "while {who} waited for {waits_for}, the process never went quiet: in {WINDOWS} \
                 windows of {WINDOW:?}, never two in a row without CPU time or context switches \
                 (the busiest: {cpu:?} of CPU, {switches} switches). Something keeps trying \
                 (try_read/try_write, a flag or a short sleep in a loop) instead of blocking \
                 until it can go on"
            );
        }
    }
}

// ---- Waiting through a long stretch (quiet_through) ----

/// Waiting through a long stretch without waking up (channels2-5,
/// channels_quiz, mutex1, mutex3, mutex4). `quiet` asks for two quiet
/// windows in a row; a poller that sleeps 120 ms or more between tries can
/// still show them. Over a stretch the test chooses, every window after the
/// first three quiet ones in a row must be quiet too, so a poller that tries
/// again within the stretch wakes up in one of them.
pub mod quiet_through {
    use std::thread;
    use std::time::{Duration, Instant};

    pub use super::quiet::{Stretch, Window};
    use super::quiet::{QUIET_CPU, WINDOW, others_during_window};

    /// Quiet windows in a row before any wake-up counts: threads that were
    /// still ending (or waiting for a CPU to do so) when the stretch began
    /// have long done so by then.
    const QUIET_FIRST: usize = 3;

    /// Sleeps in windows for at least `span` (call it where the test would
    /// sleep `span`, on a thread of the test's own) and tells how the rest
    /// of the process spent it.
    pub fn watch(span: Duration) -> Stretch {
        let until = Instant::now() + span;
        let mut in_a_row = 0;
        let mut quiet = false;
        let mut busiest: Option<Window> = None;
        loop {
            let window = others_during_window();
            if window.switches > 0 || window.cpu > QUIET_CPU {
                if quiet {
                    // Sleep out the rest of the stretch, as the test meant to.
                    let left = until.saturating_duration_since(Instant::now());
                    thread::sleep(left);
                    return Stretch::WokeUp(window);
                }
                in_a_row = 0;
                if busiest.is_none_or(|b| (window.switches, window.cpu) > (b.switches, b.cpu)) {
                    busiest = Some(window);
                }
            } else {
                in_a_row += 1;
                quiet |= in_a_row >= QUIET_FIRST;
            }
            if Instant::now() >= until {
                break;
            }
        }
        match busiest {
            Some(window) if !quiet => Stretch::Never(window),
            _ => Stretch::Quiet,
        }
    }

    /// Fails if `stretch` was not quiet: `who` waited for `what` by trying
    /// again and again.
    #[track_caller]
    pub fn assert_quiet(stretch: Stretch, who: &str, what: &str, span: Duration) {
        match stretch {
            Stretch::Quiet => {}
            Stretch::Never(Window { cpu, switches }) => panic!(
                "while {who} waited {span:?} for {what}, the process never went quiet: never \
                 {QUIET_FIRST} windows of {WINDOW:?} in a row without CPU time or context switches (the \
                 busiest: {cpu:?} of CPU, {switches} switches). Something keeps trying \
                 (try_recv, is_finished or a flag in a loop, with or without a sleep) instead of \
                 blocking until it can go on"
            ),
            Stretch::WokeUp(Window { cpu, switches }) => panic!(
                "while {who} waited {span:?} for {what}, the process went quiet, then woke up \
                 again ({cpu:?} of CPU, {switches} switches) although nothing had changed: \
                 something sleeps and tries again (try_recv, is_finished or a flag after a \
                 sleep, in a loop) instead of blocking until it can go on"
            ),
        }
    }
}

// ---- Did drop join EVERY thread? (pool2, pipeline2) ----

/// The number std gave the thread `id` as it was spawned (ids count up in
/// the order threads are spawned), read from its `Debug` form,
/// `ThreadId(7)`; `None` if that form ever changes.
pub fn spawn_number(id: ThreadId) -> Option<u64> {
    let text = format!("{id:?}");
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A thread-end probe that holds one thread only: of the threads armed, the
/// one spawned `target`-th (counting from 0). An [`EndProbe`] holds every
/// thread for the same time, so a `drop` that joins all threads but one
/// returns as the joined ones end, and the one left out has ended in the
/// same moment: it cannot tell. With a `RankedEndProbe` per rank, on pools
/// (or stages) of their own run at the same time, whichever threads a
/// `drop` leaves out, the probe whose target one of them is sees `drop`
/// return while that thread still holds. (A pool's workers are spawned in
/// the order its `Vec` keeps them, so "all but the first" is rank 0.)
///
/// Every thread to rank must have armed before the first of them ends.
pub struct RankedEndProbe {
    hold: Duration,
    target: usize,
    state: Mutex<RankedState>,
    changed: Condvar,
}

#[derive(Default)]
struct RankedState {
    // The spawn number of each armed thread, in the order they armed.
    armed: Vec<u64>,
    ended: usize,
    returned: bool,
}

thread_local! {
    // The ranked probes this thread is armed with (by address).
    static RANKED: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl RankedEndProbe {
    /// `quick` is how long the call under test took with jobs that do
    /// nothing: the hold is well beyond any fixed wait the code may use.
    pub fn new(quick: Duration, target: usize) -> &'static RankedEndProbe {
        let hold = (Duration::from_millis(120) + quick * 3).min(Duration::from_millis(1500));
        Box::leak(Box::new(RankedEndProbe {
            hold,
            target,
            state: Mutex::new(RankedState::default()),
            changed: Condvar::new(),
        }))
    }

    /// Arms the calling thread; later calls on the same thread do nothing.
    pub fn arm(&'static self) {
        let key = self as *const RankedEndProbe as usize;
        let first = RANKED.with(|armed| {
            let mut armed = armed.borrow_mut();
            let first = !armed.contains(&key);
            if first {
                armed.push(key);
            }
            first
        });
        if !first {
            return;
        }
        let number = {
            let mut state = lock(&self.state);
            // Where the id cannot be read, the order of arming stands in.
            let number = spawn_number(thread::current().id()).unwrap_or(state.armed.len() as u64);
            state.armed.push(number);
            number
        };
        at_thread_end(move || {
            let mut state = lock(&self.state);
            let rank = state.armed.iter().filter(|&&n| n < number).count();
            if rank == self.target {
                let deadline = Instant::now() + self.hold;
                while !state.returned {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    state = self
                        .changed
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
            state.ended += 1;
        });
    }

    /// Call right after the call under test returned, on its thread:
    /// (threads armed, threads that had ended by then).
    pub fn returned(&self) -> (usize, usize) {
        let mut state = lock(&self.state);
        state.returned = true;
        self.changed.notify_all();
        (state.armed.len(), state.ended)
    }

    /// The rank this probe holds.
    pub fn target(&self) -> usize {
        self.target
    }

    /// A time limit for a call whose target thread holds for `hold`.
    pub fn limit(&self) -> Duration {
        self.hold * 2 + THREAD_LIMIT
    }
}

/// The ranks to probe for `threads` threads, one [`RankedEndProbe`] each:
/// every rank where `threads` is at most `every_up_to`; else the first, the
/// last and one between, drawn by `rng`.
pub fn ranks_to_probe(threads: usize, every_up_to: usize, rng: &mut Rng) -> Vec<usize> {
    if threads <= every_up_to {
        (0..threads).collect()
    } else {
        vec![0, threads - 1, 1 + rng.below(threads - 2)]
    }
}

// ---- Who runs first after a wake-up (condvar2) ----

/// Scheduling the test's own threads, so that a woken thread runs only when
/// the test lets it (Linux; elsewhere every call returns `false` and the
/// threads run as usual). Pin the test's thread and the threads it wakes to
/// one CPU with [`sched::pin_to`], and make the woken ones
/// [`sched::no_wake_up_preemption`]: a thread woken by a `notify` then
/// waits until the test's thread sleeps or blocks, so the test can undo
/// what the wake-up was for (take the item back, fill the slot again) before
/// the woken thread looks, every time, on one CPU or many.
pub mod sched {
    #[cfg(target_os = "linux")]
    mod sys {
        unsafe extern "C" {
            pub fn sched_getcpu() -> i32;
            pub fn sched_setaffinity(pid: i32, size: usize, mask: *const u64) -> i32;
            pub fn sched_setscheduler(pid: i32, policy: i32, param: *const i32) -> i32;
        }
        pub const SCHED_BATCH: i32 = 3;
        pub const MASK_WORDS: usize = 16;
    }

    /// The CPU the calling thread runs on now, where the platform tells.
    #[cfg(target_os = "linux")]
    pub fn current_cpu() -> Option<usize> {
        // SAFETY: no preconditions.
        let cpu = unsafe { sys::sched_getcpu() };
        usize::try_from(cpu).ok()
    }

    /// Pins the calling thread to `cpu`; whether that worked.
    #[cfg(target_os = "linux")]
    pub fn pin_to(cpu: usize) -> bool {
        let mut mask = [0_u64; sys::MASK_WORDS];
        if cpu >= 64 * sys::MASK_WORDS {
            return false;
        }
        mask[cpu / 64] |= 1 << (cpu % 64);
        // SAFETY: pid 0 is the calling thread; the mask is as large as told.
        unsafe { sys::sched_setaffinity(0, std::mem::size_of_val(&mask), mask.as_ptr()) == 0 }
    }

    /// The calling thread, once woken, no longer preempts the thread that
    /// woke it (SCHED_BATCH: same share of the CPU, no preemption on
    /// wake-up); whether that worked.
    #[cfg(target_os = "linux")]
    pub fn no_wake_up_preemption() -> bool {
        let priority = 0_i32;
        // SAFETY: pid 0 is the calling thread; the parameter is a struct
        // sched_param (one int).
        unsafe { sys::sched_setscheduler(0, sys::SCHED_BATCH, &priority) == 0 }
    }

    #[cfg(not(target_os = "linux"))]
    pub fn current_cpu() -> Option<usize> {
        None
    }

    #[cfg(not(target_os = "linux"))]
    pub fn pin_to(_cpu: usize) -> bool {
        false
    }

    #[cfg(not(target_os = "linux"))]
    pub fn no_wake_up_preemption() -> bool {
        false
    }
}

// ==========================================================================
// ---- Waiting without naps, and thread-end holds past any sleep ----------
// ---- (threads1-3, move1-2; appended block, helper a1) -------------------
// ==========================================================================
//
// `assert_waits_without_spinning` asks for two quiet windows in a row: a
// poller that naps 300 ms or 1.5 s between `is_finished()` looks passes it.
// Two calls close every nap length between them:
// - `assert_blocks_through_stretch`: every job blocks while the rest of the
//   process is watched over `BLOCK_STRETCH` (`quiet_through::watch`): a nap
//   up to about that long wakes inside it;
// - `QuietReturn`: one job waits until the process is quiet (the caller can
//   only be napping or blocked from then), notes that moment and returns;
//   the call must return within `SOON_AFTER_QUIET` of it (less than the
//   stretch by more than the two quiet windows the quiet moment needs),
//   which a longer nap misses. Correct code returns microseconds after.
// Make both the second call of their test (a plain call first), repeat them
// (the stretch in two tests, the bound in several calls: a poller that naps
// for a random time must be lucky every time), and give
// every call of an exercise's tests one closure type (an enum of what the
// job does besides its work): code that joins only in the first call of a
// process, or naps only for one closure type, is then seen too.
// An end probe holding for `long_hold` (longer than `SOON_AFTER_QUIET`)
// then catches any sleep a call uses instead of `join`: a sleep shorter than
// the hold returns while the probe holds; a longer one misses the bound of
// the `QuietReturn` call, whichever call a static counter picks to sleep in
// after the first.

/// The stretch `assert_blocks_through_stretch` watches.
pub const BLOCK_STRETCH: Duration = Duration::from_millis(1400);
/// How soon after the quiet moment a `QuietReturn` call must return.
pub const SOON_AFTER_QUIET: Duration = Duration::from_millis(900);

/// Like [`assert_waits_without_spinning`], but watches the rest of the
/// process through [`BLOCK_STRETCH`] (`quiet_through::watch`) while every
/// job is blocked: a caller that naps (a sleep, `park_timeout`,
/// `recv_timeout`) and looks again within the stretch wakes in a window.
#[track_caller]
pub fn assert_blocks_through_stretch<T, C>(jobs: usize, what: &str, hangs: &str, call: C) -> T
where
    T: Send + 'static,
    C: FnOnce(&'static Blocker) -> T + Send + 'static,
{
    let blocker: &'static Blocker = Box::leak(Box::new(Latch::new((0, false, false))));
    let caller = thread::spawn(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(|| call(blocker)));
        blocker.update(|s| s.2 = true);
        result
    });
    blocker.wait_until(THREAD_LIMIT, |s| s.0 >= jobs || s.2);
    let (arrived, _, _) = blocker.update(|s| *s);
    let mut busy = None;
    if arrived >= jobs {
        let cpu_before = process_cpu_time();
        let started = Instant::now();
        let stretch = quiet_through::watch(BLOCK_STRETCH);
        busy = Some((
            process_cpu_time().saturating_sub(cpu_before),
            started.elapsed(),
            stretch,
        ));
    }
    let returned_early = blocker.update(|s| {
        s.1 = true;
        s.2
    });
    let value = match within(THREAD_LIMIT, hangs, move || caller.join()) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) | Err(payload) => panic::resume_unwind(payload),
    };
    assert!(
        !returned_early,
        "{what} returned while its jobs were still blocked ({arrived} of {jobs} had started): \
         it does not wait for its threads"
    );
    let Some((cpu, elapsed, stretch)) = busy else {
        panic!("only {arrived} of {jobs} jobs started within {THREAD_LIMIT:?}");
    };
    quiet_through::assert_quiet(stretch, what, "its blocked threads", BLOCK_STRETCH);
    assert!(
        cpu * 4 < elapsed,
        "while every job was blocked for {elapsed:?}, {what} kept a CPU busy for {cpu:?}: it \
         waits by checking again and again (is_finished, try_recv, a flag or counter in a \
         loop). join() blocks without using the CPU"
    );
    value
}

/// One job of a call calls [`QuietReturn::wait`]: it waits until the rest
/// of the process is quiet, notes when, and returns. [`QuietReturn::check`]
/// then fails unless the call returned within [`SOON_AFTER_QUIET`] of that
/// moment: code blocked in `join` returns at once; code that naps between
/// looks (or sleeps after it has the value) returns a nap later.
pub struct QuietReturn {
    // The quiet moment (Ok) or the busiest window (Err); `None`: no job
    // waited yet.
    state: Mutex<Option<Result<Instant, quiet::Window>>>,
}

impl QuietReturn {
    pub const fn new() -> QuietReturn {
        QuietReturn {
            state: Mutex::new(None),
        }
    }

    /// Called by the jobs: the first one waits until the process is quiet;
    /// the others return at once.
    pub fn wait(&self) {
        {
            let mut state = lock(&self.state);
            if state.is_some() {
                return;
            }
            // Taken: later jobs return at once.
            *state = Some(Err(quiet::Window {
                cpu: Duration::ZERO,
                switches: 0,
            }));
        }
        let quiet = quiet::wait_until_quiet().map(|()| Instant::now());
        *lock(&self.state) = Some(quiet);
    }

    /// `returned`: when the call returned (read right after it, on its
    /// thread).
    #[track_caller]
    pub fn check(&self, returned: Instant, what: &str) {
        match *lock(&self.state) {
            None => panic!("{what} never ran the job that waits for the process to go quiet"),
            Some(Err(quiet::Window { cpu, switches })) => panic!(
                "while a job waited for the rest of the process to go quiet, {what} kept \
                 waking up ({switches} context switches and {cpu:?} of CPU in its busiest \
                 window of {:?}): it waits by checking again and again (is_finished or \
                 try_recv with a sleep, a flag in a loop). join() blocks until the thread has \
                 ended",
                quiet::WINDOW
            ),
            Some(Ok(quiet_at)) => {
                let late = returned.saturating_duration_since(quiet_at);
                assert!(
                    late < SOON_AFTER_QUIET,
                    "{what} returned {late:?} after its last job returned (it had waited, the \
                     process quiet, for {what} to block): it was asleep, not blocked in \
                     join(): it waits by napping and looking again (a sleep between \
                     is_finished() or try_recv() looks), or sleeps instead of joining. join() \
                     returns as soon as the thread has ended"
                );
            }
        }
    }
}

impl Default for QuietReturn {
    fn default() -> Self {
        QuietReturn::new()
    }
}

/// A thread-end hold for `quick` (how long the call took with jobs that do
/// nothing) that is longer than [`SOON_AFTER_QUIET`] whatever `quick` is:
/// a call that sleeps instead of joining either returns while the probe
/// holds or misses the `QuietReturn` bound.
pub fn long_hold(quick: Duration) -> Duration {
    (Duration::from_millis(120) + quick * 3)
        .clamp(Duration::from_millis(1200), Duration::from_millis(2500))
}

/// An [`EndProbe`] that holds each armed thread for `hold` (see [`long_hold`]).
pub fn end_probe_holding(hold: Duration) -> &'static EndProbe {
    Box::leak(Box::new(EndProbe {
        hold,
        state: Mutex::new(EndState::default()),
        changed: Condvar::new(),
    }))
}

/// A [`RankedEndProbe`] that holds its target thread for `hold` (see
/// [`long_hold`]).
pub fn ranked_end_probe_holding(hold: Duration, target: usize) -> &'static RankedEndProbe {
    Box::leak(Box::new(RankedEndProbe {
        hold,
        target,
        state: Mutex::new(RankedState::default()),
        changed: Condvar::new(),
    }))
}
// ==== end of the appended block (helper a1) ====

// ---- (a3) The probed thread's own work is done before the others end ----
// (arc1, arc3, arc_quiz)

/// A [`RankedEndProbe`] sees a call return while the thread it holds is
/// unjoined only if the call left that thread out. Code that leaves it out
/// only when its work already looks done ("join the first thread only if its
/// result is not in yet", "only if it still owns the shared value") joins it
/// whenever that thread happens to run late, and passes that run. With
/// `TargetFirst`, every other thread of the call, as it ends, waits (up to
/// 1 s) until the thread of rank `target` has finished its job and started
/// to end: once the call has joined the others, the held thread's work is
/// always done. Call [`TargetFirst::enter`] in the job, before the probe's
/// `arm`, and let every thread enter before any of them ends (a gate).
pub struct TargetFirst {
    target: usize,
    numbers: Mutex<Vec<u64>>,
    done: Latch<bool>,
}

impl TargetFirst {
    pub fn new(target: usize) -> &'static TargetFirst {
        Box::leak(Box::new(TargetFirst {
            target,
            numbers: Mutex::new(Vec::new()),
            done: Latch::new(false),
        }))
    }

    pub fn enter(&'static self) {
        let Some(number) = spawn_number(thread::current().id()) else {
            return;
        };
        lock(&self.numbers).push(number);
        at_thread_end(move || {
            let rank = lock(&self.numbers).iter().filter(|&&n| n < number).count();
            if rank == self.target {
                self.done.update(|done| *done = true);
            } else {
                self.done.wait_until(Duration::from_secs(1), |&done| done);
            }
        });
    }
}

// The hidden tests of rayon_quiz: `tally_all::<T: Tally>(texts)` and
// `LetterCounts`.
//
// `LetterCounts` is checked against the test's own count, on random texts,
// in rayon's global pool and in the test's own pools of 1, 3 and 8 threads.
// How `tally_all` does its work is checked with a `Tally` of the test's own,
// `Probe`: every text carries its number, so the returned tally says which
// texts reached it and how often; each `add` checks that it runs on a thread
// of the test's pool (`ThreadPool::current_thread_index`, which a pool of
// the code's own cannot fake); the probe counts the tallies made and merged
// (one per text is a map, not a fold); and in a pool of WIDE threads (65 to
// 129, drawn per run) each `add` waits until WIDE adds are going on at once,
// which one tally behind a
// lock, a sequential loop or a few big pieces never reach. In a 1-thread
// pool, where nothing is stolen, the fold makes 4 tallies: a tally per few
// texts makes hundreds.
//
// A shortcut for some inputs shows outside the test's pools: a few texts
// called from a plain thread must be added on rayon's global pool, and a
// large LetterCounts job from a plain thread must cost the caller's own CPU
// clock next to nothing (it waits while rayon's threads count). Texts hold
// characters that Unicode lower-cases to ASCII (the Kelvin sign) or whose
// low byte is an ASCII letter (š), and one letter hundreds of times.
// info.toml forbids names only a bypass needs (locks, the pool's size or
// thread index, a type's size or downcasts).

use super::support::{
    Gate, Rng, lock, panic_message, process_cpu_time, thread_cpu_time, within,
};
use exercise::{LetterCounts, Tally, tally_all};
use rayon::ThreadPool;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

// The API, pinned: a changed signature does not compile.
const _: fn(&[String]) -> LetterCounts = tally_all::<LetterCounts>;
const _: fn(&mut LetterCounts, &str) = <LetterCounts as Tally>::add;
const _: fn(&mut LetterCounts, LetterCounts) = <LetterCounts as Tally>::merge;
const _: fn() -> LetterCounts = <LetterCounts as Default>::default;

fn counts_of(letters: &LetterCounts) -> [usize; 26] {
    letters.counts
}

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "tally_all did not return";
/// More threads than any machine has cores (blocked threads cost nothing),
/// and more than any fixed number of pieces (32 or 64; 65 to 129 here), drawn per run.
fn wide(rng: &mut Rng) -> usize {
    rng.range(65..130) as usize
}

// ---- Letters ----

/// The test's own count: a-z and A-Z together, nothing else.
fn expected(texts: &[String]) -> [usize; 26] {
    let mut counts = [0; 26];
    for text in texts {
        for c in text.chars() {
            if c.is_ascii_alphabetic() {
                counts[(c.to_ascii_lowercase() as u8 - b'a') as usize] += 1;
            }
        }
    }
    counts
}

const ASCII_LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const OTHERS: &[char] = &[
    ' ', ' ', ',', '.', '!', '?', '\'', '-', '0', '1', '7', '9', '_', '@', '\n',
];
/// Among them the Kelvin sign K (U+212A) and İ (U+0130), which Unicode
/// lower-cases to an ASCII k and i, ſ and ı, which it upper-cases to S and
/// I, and š, ţ, Ł, ź and 乙, whose code points end in the byte of an ASCII
/// letter (`c as u8` keeps only that byte).
const NON_ASCII: &[char] = &[
    'é', 'ß', 'Ä', 'ö', 'Ñ', 'ø', 'Ω', 'ж', 'ç', 'ﬁ', '中', '😀', '\u{212A}', 'İ', 'ſ', 'ı', 'š',
    'ţ', 'Ł', 'ź', '乙',
];
/// Letters outside a-z, in every set of random texts.
const FOREIGN: &str = "Ärger über Äpfel, ça va? Ωmega, жук, straße, ﬁn. 3 \u{212A}, İzmir, \
                       ſ, ıı, šţŁź 乙";
/// The same letter this many times in one text (more than a u8 holds).
const LONG: std::ops::Range<u64> = 256..700;

fn random_text(rng: &mut Rng) -> String {
    let len = rng.below(60);
    (0..len)
        .map(|_| match rng.below(10) {
            0..7 => ASCII_LETTERS[rng.below(ASCII_LETTERS.len())] as char,
            7 | 8 => OTHERS[rng.below(OTHERS.len())],
            _ => NON_ASCII[rng.below(NON_ASCII.len())],
        })
        .collect()
}

/// One letter, either case, hundreds of times over.
fn long_text(rng: &mut Rng) -> String {
    let letter = ASCII_LETTERS[rng.below(26)];
    let times = rng.range(LONG) as usize;
    (0..times)
        .map(|i| match i % 3 {
            0 => letter.to_ascii_uppercase() as char,
            _ => letter as char,
        })
        .collect()
}

fn random_texts(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut texts: Vec<String> = (0..n).map(|_| random_text(rng)).collect();
    texts.push(FOREIGN.to_string());
    texts.push(long_text(rng));
    rng.shuffle(&mut texts);
    texts
}

/// Which letters came out wrong, or None.
fn letter_difference(got: &[usize; 26], want: &[usize; 26]) -> Option<String> {
    let wrong: Vec<String> = (0..26)
        .filter(|&i| got[i] != want[i])
        .map(|i| {
            let letter = (b'a' + i as u8) as char;
            format!("'{letter}' {} instead of {}", got[i], want[i])
        })
        .collect();
    if wrong.is_empty() {
        return None;
    }
    let total_got: usize = got.iter().sum();
    let total_want: usize = want.iter().sum();
    Some(format!(
        "{} of 26 letters were counted wrong ({}; {total_got} letters in all instead of \
         {total_want})",
        wrong.len(),
        wrong.into_iter().take(5).collect::<Vec<_>>().join(", ")
    ))
}

/// Runs `f`, bounded; a panic of the code under test becomes its message.
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    within(LIMIT, HANGS, move || {
        panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(&payload))
    })
}

/// A pool of the test's own with `threads` threads (it lives until the test
/// process ends).
fn pool(threads: usize) -> &'static ThreadPool {
    Box::leak(Box::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("the test could not build a rayon pool"),
    ))
}

#[test]
fn add_and_merge_count_letters() {
    let mut hello = LetterCounts::default();
    let added = guarded(move || {
        hello.add("Hello");
        hello.add("");
        hello
    });
    let hello = match added {
        Ok(hello) => hello,
        Err(message) => panic!("LetterCounts::add(\"Hello\") panicked: {message}"),
    };
    let want = expected(&["Hello".to_string()]);
    if let Some(problem) = letter_difference(&counts_of(&hello), &want) {
        panic!(
            "a LetterCounts that was given \"Hello\" (and \"\"): {problem}. add counts each \
             letter a-z of the text, 'H' as 'h'"
        );
    }
    let texts = [
        "hello, Hello, HELLO!",
        "Ärger über 42 Äpfel? Ωmega, straße; 3 \u{212A}, İzmir, ſ, ı, šţŁź 乙",
    ];
    let foreign = texts[1];
    let added = guarded(move || {
        let mut letters = LetterCounts::default();
        letters.add(foreign);
        letters
    });
    let foreign_counts = match added {
        Ok(letters) => letters,
        Err(message) => panic!(
            "LetterCounts::add({foreign:?}) panicked: {message}. Letters outside a-z (Ä, ü, Ω, ß) \
             have no place in `counts`: skip them, as well as digits, spaces and punctuation"
        ),
    };
    let want = expected(&[foreign.to_string()]);
    if let Some(problem) = letter_difference(&counts_of(&foreign_counts), &want) {
        panic!(
            "a LetterCounts that was given {foreign:?}: {problem}. Count only a-z and A-Z (the \
             ASCII letters), either case, and skip everything else: Unicode's to_lowercase \
             turns the Kelvin sign \u{212A} into an ASCII k, and `c as u8` turns š (U+0161) \
             into 0x61, an a"
        );
    }
    let long = "Aaa".repeat(100);
    let added = guarded(move || {
        let mut letters = LetterCounts::default();
        letters.add(&long);
        letters.counts[0]
    });
    match added {
        Ok(300) => {}
        Ok(a) => panic!(
            "a LetterCounts that was given a text of 300 a's (100 \"Aaa\") counted {a} of \
             them: count into usize, as `counts` does; a u8 holds only up to 255"
        ),
        Err(message) => panic!(
            "LetterCounts::add of a text of 300 a's (100 \"Aaa\") panicked: {message}. Count \
             into usize, as `counts` does; a u8 holds only up to 255"
        ),
    }
    let merged = guarded(move || {
        let mut left = LetterCounts::default();
        left.add(texts[0]);
        let mut right = LetterCounts::default();
        right.add(texts[1]);
        left.merge(right);
        left
    });
    let merged = merged.unwrap_or_else(|message| panic!("LetterCounts::merge panicked: {message}"));
    let want = expected(&texts.map(String::from));
    if let Some(problem) = letter_difference(&counts_of(&merged), &want) {
        panic!(
            "a LetterCounts of {:?}, after merging one of {:?} into it: {problem}. merge adds \
             the other tally's count of each letter to this one's",
            texts[0], texts[1]
        );
    }
}

#[test]
fn counts_the_letters_of_a_few_texts() {
    let texts: Vec<String> = [
        "Hello, World!",
        "",
        "Ärger über 42 Äpfel? Nein, danke.",
        "xyz XYZ",
        "ΩMEGA ça va",
        "3 \u{212A}, İzmir, ſ, ı, šţŁź 乙",
    ]
    .map(String::from)
    .to_vec();
    let want = expected(&texts);
    let input = texts.clone();
    let got = guarded(move || counts_of(&tally_all::<LetterCounts>(&input)))
        .unwrap_or_else(|message| panic!("tally_all of {texts:?} panicked: {message}"));
    if let Some(problem) = letter_difference(&got, &want) {
        panic!("tally_all of {texts:?}: {problem}. Count a-z and A-Z together, and nothing else");
    }
}

#[test]
fn same_counts_in_pools_of_1_3_and_8_threads() {
    let mut rng = Rng::from_env();
    for threads in [1, 3, 8] {
        let n = 50 + rng.below(2000);
        let texts = random_texts(&mut rng, n);
        let want = expected(&texts);
        let pool = pool(threads);
        let got = guarded(move || pool.install(|| counts_of(&tally_all::<LetterCounts>(&texts))))
            .unwrap_or_else(|message| {
                panic!(
                    "tally_all of {n} texts in a {threads}-thread rayon pool panicked: {message}"
                )
            });
        if let Some(problem) = letter_difference(&got, &want) {
            panic!(
                "tally_all of {} random texts, in a {threads}-thread rayon pool: {problem}. \
                 If the counts are right in a small example but not here, tallies get lost or \
                 counted twice when they are merged: every partial tally must be merged into \
                 the result exactly once",
                n + 1
            );
        }
    }
}

// ---- The test's own Tally ----

/// What a `Probe<K>` saw: each test uses a K of its own.
struct Hooks {
    /// The pool the test called tally_all in.
    pool: Mutex<Option<&'static ThreadPool>>,
    /// Whether each add waits at `gate` (once the test has set it).
    gated: AtomicBool,
    gate: OnceLock<Gate>,
    adds: AtomicUsize,
    /// Adds that ran on no thread of `pool`.
    outside: AtomicUsize,
    /// Tallies made (`Probe::default()`).
    made: AtomicUsize,
    merges: AtomicUsize,
}

impl Hooks {
    const fn new() -> Self {
        Hooks {
            pool: Mutex::new(None),
            gated: AtomicBool::new(false),
            gate: OnceLock::new(),
            adds: AtomicUsize::new(0),
            outside: AtomicUsize::new(0),
            made: AtomicUsize::new(0),
            merges: AtomicUsize::new(0),
        }
    }

    fn reset(&self, pool: Option<&'static ThreadPool>) {
        *lock(&self.pool) = pool;
        for counter in [&self.adds, &self.outside, &self.made, &self.merges] {
            counter.store(0, Ordering::SeqCst);
        }
    }

    fn count(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::SeqCst)
    }
}

static HOOKS: [Hooks; 5] = [const { Hooks::new() }; 5];
const IN_POOLS: usize = 0;
const AT_ONCE: usize = 1;
const PER_PIECE: usize = 2;
const NOTHING: usize = 3;
const FEW: usize = 4;

/// A tally of which texts it was given: texts are numbered, "<n>:<text>".
struct Probe<const K: usize> {
    texts: Vec<usize>,
}

impl<const K: usize> Default for Probe<K> {
    fn default() -> Self {
        HOOKS[K].made.fetch_add(1, Ordering::SeqCst);
        Probe { texts: Vec::new() }
    }
}

impl<const K: usize> Tally for Probe<K> {
    fn add(&mut self, text: &str) {
        let hooks = &HOOKS[K];
        hooks.adds.fetch_add(1, Ordering::SeqCst);
        // No pool: tally_all was called outside any pool (rayon's global
        // pool, whose threads are the only ones with an index then).
        let in_pool = match *lock(&hooks.pool) {
            Some(pool) => pool.current_thread_index().is_some(),
            None => rayon::current_thread_index().is_some(),
        };
        if !in_pool {
            hooks.outside.fetch_add(1, Ordering::SeqCst);
        }
        if let (true, Some(gate)) = (hooks.gated.load(Ordering::SeqCst), hooks.gate.get()) {
            let _ = gate.wait(WAIT);
        }
        let number = text
            .split_once(':')
            .and_then(|(number, _)| number.parse().ok())
            .unwrap_or(usize::MAX);
        self.texts.push(number);
    }

    fn merge(&mut self, other: Self) {
        HOOKS[K].merges.fetch_add(1, Ordering::SeqCst);
        self.texts.extend(other.texts);
    }
}

fn numbered_texts(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{i}:{}", random_text(rng)))
        .collect()
}

/// Runs tally_all::<Probe<K>> in `pool`; the numbers of the texts the
/// returned tally holds, sorted.
fn probe<const K: usize>(pool: &'static ThreadPool, texts: Vec<String>) -> Vec<usize> {
    HOOKS[K].reset(Some(pool));
    let n = texts.len();
    let threads = pool.current_num_threads();
    let mut numbers = guarded(move || pool.install(|| tally_all::<Probe<K>>(&texts).texts))
        .unwrap_or_else(|message| {
            panic!("tally_all of {n} texts in a {threads}-thread rayon pool panicked: {message}")
        });
    numbers.sort_unstable();
    numbers
}

/// Runs tally_all::<Probe<K>> on a plain thread, outside any pool: its
/// work belongs in rayon's global pool. The numbers, sorted.
fn probe_outside<const K: usize>(texts: Vec<String>) -> Vec<usize> {
    HOOKS[K].reset(None);
    let n = texts.len();
    let mut numbers =
        guarded(move || tally_all::<Probe<K>>(&texts).texts).unwrap_or_else(|message| {
            panic!("tally_all of {n} texts, called outside any pool, panicked: {message}")
        });
    numbers.sort_unstable();
    numbers
}

/// Fails unless the returned tally holds each of the `n` texts once.
fn assert_each_once<const K: usize>(numbers: &[usize], n: usize, threads: usize) {
    if numbers.iter().copied().eq(0..n) {
        return;
    }
    let adds = Hooks::count(&HOOKS[K].adds);
    let distinct = {
        let mut unique = numbers.to_vec();
        unique.dedup();
        unique.len()
    };
    if adds != n {
        panic!(
            "tally_all of {n} texts, in a {threads}-thread rayon pool, called add {adds} times: \
             add each text exactly once"
        );
    }
    panic!(
        "tally_all of {n} texts, in a {threads}-thread rayon pool, added each text once, but the \
         tally it returned holds {} texts ({distinct} different ones): partial tallies were \
         lost or merged twice on the way. Merge every partial tally into the result exactly \
         once (a reduce that keeps only one side, or a merge of a tally into itself, loses \
         counts)",
        numbers.len()
    );
}

#[test]
fn each_text_is_added_once_in_the_callers_pool() {
    let mut rng = Rng::from_env();
    for threads in [1, 3, 8] {
        let n = 50 + rng.below(1500);
        let numbers = probe::<IN_POOLS>(pool(threads), numbered_texts(&mut rng, n));
        let outside = Hooks::count(&HOOKS[IN_POOLS].outside);
        assert!(
            outside == 0,
            "tally_all was called inside a {threads}-thread rayon pool, but {outside} of {n} \
             texts were added on other threads: use a parallel iterator (par_iter) in the pool \
             you are called in, not iter(), threads or a pool of your own"
        );
        assert_each_once::<IN_POOLS>(&numbers, n, threads);
    }
}

#[test]
fn texts_are_added_on_many_threads_at_once() {
    // In a pool of WIDE threads, each add waits (up to 1 s) until WIDE adds
    // are going on at once. With one tally behind a lock, one after another
    // or in a few (a fixed number of) big pieces, they never are.
    let mut rng = Rng::from_env();
    let wide = wide(&mut rng);
    let n = 2 * wide + rng.below(300);
    let texts = numbered_texts(&mut rng, n);
    let _ = HOOKS[AT_ONCE].gate.set(Gate::new(wide));
    HOOKS[AT_ONCE].gated.store(true, Ordering::SeqCst);
    let numbers = probe::<AT_ONCE>(pool(wide), texts);
    if let Some(arrived) = HOOKS[AT_ONCE].gate.get().and_then(Gate::timed_out) {
        panic!(
            "in a {wide}-thread rayon pool, only {arrived} text(s) were being added at the \
             same time (the test waited 1 s for {wide}): the texts were added one after another, \
             or a few at a time. One tally that every thread adds to, behind a lock, lets only \
             one add run at a time. Give each piece of the work that rayon splits off a tally of \
             its own"
        );
    }
    let outside = Hooks::count(&HOOKS[AT_ONCE].outside);
    assert!(
        outside == 0,
        "{outside} of {n} texts were added outside the pool tally_all was called in: use \
         par_iter in the pool you are called in"
    );
    assert_each_once::<AT_ONCE>(&numbers, n, wide);
}

#[test]
fn one_tally_per_piece_of_work_not_per_text() {
    let mut rng = Rng::from_env();
    for threads in [1, 3] {
        let n = 1000 + rng.below(2000);
        let numbers = probe::<PER_PIECE>(pool(threads), numbered_texts(&mut rng, n));
        assert_each_once::<PER_PIECE>(&numbers, n, threads);
        let made = Hooks::count(&HOOKS[PER_PIECE].made);
        let merges = Hooks::count(&HOOKS[PER_PIECE].merges);
        // fold and reduce made 4 tallies in a 1-thread pool (rayon splits
        // a slice once there, and nothing is stolen), and 8 in a 3-thread
        // pool (more when threads steal work from each other, which is why
        // that bound is loose).
        let most = if threads == 1 { 16 } else { n / 8 };
        assert!(
            made <= most && merges <= most,
            "tally_all of {n} texts, in a {threads}-thread rayon pool, made {made} tallies \
             (T::default()) and merged {merges} times, where a fold over rayon's own pieces \
             makes a handful ({most} at most here): that is a tally per text, or per few \
             texts. Let every piece of the work that rayon splits off add all its texts into \
             one tally (fold), and merge only those"
        );
    }
}

#[test]
fn nothing_to_count() {
    let empty = guarded(|| counts_of(&tally_all::<LetterCounts>(&[])))
        .unwrap_or_else(|message| panic!("tally_all of no texts panicked: {message}"));
    assert!(
        empty == [0; 26],
        "tally_all of no texts should be an empty tally (all counts 0), got {empty:?}"
    );
    let blanks = vec![String::new(); 7];
    let blank = guarded(move || counts_of(&tally_all::<LetterCounts>(&blanks)))
        .unwrap_or_else(|message| panic!("tally_all of 7 empty texts panicked: {message}"));
    assert!(
        blank == [0; 26],
        "tally_all of 7 empty texts should count no letters, got {blank:?}"
    );
    let numbers = probe::<NOTHING>(pool(3), Vec::new());
    assert!(
        numbers.is_empty(),
        "tally_all of no texts returned a tally holding {} texts",
        numbers.len()
    );
}

#[test]
fn a_few_texts_are_counted_on_rayons_threads_too() {
    // Called from a plain thread, outside any pool: from two texts on,
    // par_iter splits the work (at least once) and runs every piece on
    // rayon's global pool. (A single text it adds on the caller's thread,
    // where there is nothing to split.) A shortcut that counts a few texts
    // itself does it on the caller's thread.
    let mut rng = Rng::from_env();
    for n in [2, 3 + rng.below(90)] {
        let numbers = probe_outside::<FEW>(numbered_texts(&mut rng, n));
        let outside = Hooks::count(&HOOKS[FEW].outside);
        assert!(
            outside == 0,
            "tally_all of {n} text(s), called from a thread outside any rayon pool, added \
             {outside} of them on that thread itself instead of on rayon's threads: don't count \
             small inputs (or any) in a loop of your own; par_iter hands even two texts to \
             rayon's pool"
        );
        assert_each_once::<FEW>(&numbers, n, rayon::current_num_threads());
    }
}

#[test]
fn the_caller_does_not_count_the_letters_itself() {
    // LetterCounts, not the test's Probe: plain texts, several megabytes of
    // them, counted from a plain thread. With par_iter the caller only
    // waits (blocked) while rayon's threads count; the caller's own CPU
    // clock shows whether it did the counting itself.
    let mut rng = Rng::from_env();
    let n = 3000 + rng.below(2000);
    let texts: Vec<String> = (0..n)
        .map(|_| random_text(&mut rng).repeat(10 + rng.below(20)))
        .collect();
    let want = expected(&texts);
    // Start rayon's global pool before the clocks run.
    let _ = rayon::current_num_threads();
    let (got, caller, whole) = guarded(move || {
        let process_before = process_cpu_time();
        let caller_before = thread_cpu_time();
        let got = counts_of(&tally_all::<LetterCounts>(&texts));
        let caller = thread_cpu_time()
            .zip(caller_before)
            .map(|(after, before)| after.saturating_sub(before));
        (
            got,
            caller,
            process_cpu_time().saturating_sub(process_before),
        )
    })
    .unwrap_or_else(|message| panic!("tally_all of {n} texts panicked: {message}"));
    if let Some(problem) = letter_difference(&got, &want) {
        panic!("tally_all of {n} random texts, called outside any rayon pool: {problem}");
    }
    if let Some(caller) = caller {
        assert!(
            caller * 2 < whole,
            "tally_all of {n} texts (LetterCounts), called from a thread outside any rayon \
             pool: that thread itself used {caller:?} of the {whole:?} of CPU time the whole \
             process used meanwhile. The counting ran on the caller's thread, not on rayon's \
             pool: use par_iter for every Tally and every input, with no sequential path"
        );
    }
}

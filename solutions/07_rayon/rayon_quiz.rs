// rayon_quiz: letter frequency, one tally per piece of work.
//
// `tally_all` counts many texts on rayon's threads. What it counts is up to
// `T`, any type that implements `Tally`: `T::default()` is an empty tally,
// `add` counts one more text into a tally, `merge` adds another tally's
// counts to it. `LetterCounts` is the tally `main` uses: how often each of
// the letters a to z occurs, upper and lower case counted together
// ('A' and 'a' are both `counts[0]`); anything else (digits, spaces,
// punctuation, and letters outside a-z such as é, ß or Ω) is not counted.
//
// `tally_all` must:
// - add each text exactly once, on the threads of the rayon pool it is
//   called in (rayon's global pool, or the one whose `install` called it);
// - let many threads add texts at the same time, each into a tally of its
//   own: no tally shared between threads, and no tally per text either, but
//   one for each piece of the work that rayon splits off;
// - merge those tallies into the one it returns, and give the same counts
//   whatever the number of threads (an empty tally for no texts).

use rayon::prelude::*;

// Don't change this trait: the hidden tests implement it.
pub trait Tally: Default + Send {
    /// Counts one more text into this tally.
    fn add(&mut self, text: &str);
    /// Adds what `other` counted to this tally.
    fn merge(&mut self, other: Self);
}

// Don't change this type: the hidden tests read `counts`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LetterCounts {
    /// `counts[0]` is how often 'a' or 'A' occurs, ..., `counts[25]` 'z' or
    /// 'Z'.
    pub counts: [usize; 26],
}

impl Tally for LetterCounts {
    fn add(&mut self, text: &str) {
        // Bytes are enough: every byte of a non-ASCII character (é, ß, Ω)
        // is >= 0x80, so none of them passes `is_ascii_alphabetic`.
        for byte in text.bytes() {
            if byte.is_ascii_alphabetic() {
                self.counts[usize::from(byte.to_ascii_lowercase() - b'a')] += 1;
            }
        }
    }

    fn merge(&mut self, other: Self) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
    }
}

// Don't change this signature: the hidden tests call it.
pub fn tally_all<T: Tally>(texts: &[String]) -> T {
    texts
        .par_iter()
        // Each piece of the slice that rayon splits off starts from an empty
        // tally of its own and adds its texts to it, on one thread: no lock,
        // and no tally per text. `fold` yields those partial tallies, one
        // per piece, as a parallel iterator...
        .fold(T::default, |mut tally, text| {
            tally.add(text);
            tally
        })
        // ...and `reduce` merges them, in whatever grouping the split gave:
        // merging adds counts, which is associative, so every grouping
        // gives the same result. `T::default` is the identity (and the
        // answer for no texts).
        .reduce(T::default, |mut left, right| {
            left.merge(right);
            left
        })
}

fn main() {
    let texts: Vec<String> = [
        "The quick brown fox jumps over the lazy dog.",
        "Pack my box with five dozen liquor jugs!",
        "Ärger über 42 Äpfel? Nein, danke.",
    ]
    .iter()
    .map(|text| text.to_string())
    .collect();
    let letters: LetterCounts = tally_all(&texts);
    for (i, count) in letters.counts.iter().enumerate() {
        if *count > 0 {
            print!("{}:{count} ", (b'a' + i as u8) as char);
        }
    }
    println!();
}

// Accepted escape (adversary review, second pass): cutting the texts into a
// fixed number of pieces of its own, 128 or more (`par_chunks(len.div_ceil(256))`),
// each of which it adds sequentially, passes: the concurrency test's pool has
// 65-129 threads, and only a pool of more threads than pieces can show the
// cap. Pools of 257-320 threads were tried; on the loaded 2-core course
// machine rayon did not get every thread going within the tests' hang bound,
// and the reference solution failed. (Asking the pool's size to choose the
// pieces is refused by name.)

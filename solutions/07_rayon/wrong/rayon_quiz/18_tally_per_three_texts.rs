// WRONG: a tally per 3 texts, not per piece of work: par_chunks(3) makes a fresh tally for every 3 texts and merges them all, n/3 tallies and merges where rayon would split into a handful of pieces; it slips just under the test's "at most n/2 tallies" bound.
use rayon::prelude::*;

pub trait Tally: Default + Send {
    fn add(&mut self, text: &str);
    fn merge(&mut self, other: Self);
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct LetterCounts {
    pub counts: [usize; 26],
}

impl Tally for LetterCounts {
    fn add(&mut self, text: &str) {
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

pub fn tally_all<T: Tally>(texts: &[String]) -> T {
    texts
        .par_chunks(3)
        .map(|chunk| {
            let mut tally = T::default();
            for text in chunk {
                tally.add(text);
            }
            tally
        })
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

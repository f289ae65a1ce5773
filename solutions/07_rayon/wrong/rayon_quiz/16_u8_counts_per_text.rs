// WRONG: counts each text into a [u8; 26] first ("small and fast"): a text with more than 255 of one letter overflows (a panic in debug builds, wrong counts in release). The test's texts are under 60 characters.
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
        let mut local = [0u8; 26];
        for byte in text.bytes() {
            if byte.is_ascii_alphabetic() {
                local[usize::from(byte.to_ascii_lowercase() - b'a')] += 1;
            }
        }
        for (mine, n) in self.counts.iter_mut().zip(local) {
            *mine += usize::from(n);
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
        .par_iter()
        .fold(T::default, |mut tally, text| {
            tally.add(text);
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

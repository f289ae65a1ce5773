// WRONG: casts each char with `as u8`, which keeps only its low byte: any non-ASCII character whose code point ends in 0x61..0x7A or 0x41..0x5A is counted as a letter (š U+0161 as a, ţ U+0163 as c, Ł U+0141 as A...); the test's non-ASCII characters happen to have other low bytes.
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
        for c in text.chars() {
            let b = c.to_ascii_lowercase() as u8;
            if b.is_ascii_lowercase() {
                self.counts[(b - b'a') as usize] += 1;
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

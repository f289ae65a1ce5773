// WRONG: lower-cases with char::to_lowercase (Unicode) before checking for a-z: the Kelvin sign K (U+212A) lower-cases to an ASCII k and the dotted capital I (U+0130) to i plus a combining dot, so they are counted as letters a-z though they are not; none of them is in the test's texts.
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
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_lowercase() {
                self.counts[(c as u8 - b'a') as usize] += 1;
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

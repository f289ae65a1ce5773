// proto exercise
use std::thread;

// don't change this signature
pub fn double_on_thread(x: u64) -> u64 {
    let h = thread::spawn(move || x * 2);
    h.join().unwrap()
}

fn main() {
    println!("{}", double_on_thread(21));
}

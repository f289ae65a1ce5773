// once1: made once, on first use.
//
// `Lazy<T>` holds a value that is expensive to make (a connection, a parsed
// configuration) and is made only when someone first needs it: the first
// caller of `get_or_init` makes it with its `init`, every later caller gets
// the same value, and `init` never runs again.
//
// The symptom: when a second thread calls `get_or_init` while the first
// one's `init` is still running, the second runs its own `init` too (two
// connections opened), and the two callers may end up with different values.
//
// Make the value exactly once: a caller that comes while `init` runs waits
// for that value instead of making its own. If `init` panics, nothing is
// stored, and a later call tries again with its own `init`.

use std::sync::OnceLock;
use std::thread;

#[derive(Debug)]
pub struct Lazy<T> {
    cell: OnceLock<T>,
}

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Lazy<T> {
    // Don't change this signature: the hidden tests call it.
    pub const fn new() -> Self {
        Lazy {
            cell: OnceLock::new(),
        }
    }

    // Don't change this signature: the hidden tests call it.
    // The value, made by this caller's `init` if nobody has made it yet.
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        // "Is it there? If not, make it and store it" is one step here, not
        // two: `get_or_init` lets one caller run `init` while later callers
        // block (no spinning) until the value is stored, and then hands all
        // of them the same `&T`. If `init` panics, the cell stays empty and
        // the next caller (one that was waiting, too) runs its own `init`.
        self.cell.get_or_init(init)
    }
}

fn main() {
    let connection: Lazy<String> = Lazy::new();
    thread::scope(|s| {
        for user in 0..3 {
            let connection = &connection;
            s.spawn(move || {
                let c = connection.get_or_init(|| {
                    println!("user {user} opens the connection");
                    format!("connection opened by user {user}")
                });
                println!("user {user} uses {c}");
            });
        }
    });
}

// Known gaps of the hidden tests (accepted): a late caller that polls with
// sleeps of 1.5 to 2.5 seconds, one that gives up waiting after more than
// 1.5 s and runs its own `init`, and a spin of under ~20 ms of CPU before
// blocking are not caught (the tests hold an `init` for 1.5 s, watch it
// stay quiet, and give released callers 1 s to return).

// rwlock1: one concept, said in one sentence.
//
// What the code is for and what is wrong with it (or missing), in the
// learner's words; the topic's lesson is in README.md beside this file.
// (A scaffold from `runner dev new`: rewrite it following
// docs/COURSE_GUIDE.md; it already meets the guide's form.)
//
// `on_another_thread` should run `job` on a new thread and return what the
// job computed. It runs the job on the caller's thread instead.

use std::thread;

// Don't change this signature: the hidden tests call it.
pub fn on_another_thread<F>(job: F) -> u64
where
    F: FnOnce() -> u64 + Send + 'static,
{
    thread::spawn(job).join().expect("the job panicked")
}

fn main() {
    println!("6 * 7 = {}", on_another_thread(|| 6 * 7));
}

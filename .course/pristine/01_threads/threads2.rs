// threads2: a function that starts threads must also wait for them.
//
// `run_all` starts one thread per input and runs `job(input)` on it. It must
// return only once every job has finished, with the jobs running at the same
// time, each on its own thread. Instead it returns while jobs are still
// running: the tests say so, and the demo `main` prints fewer "done" lines
// than there are jobs (run this file and count them).
//
// `F: Copy` lets every thread get its own copy of `job`.

use std::thread;
use std::time::Duration;

// Don't change this signature: the hidden tests call it.
pub fn run_all<F>(inputs: Vec<u64>, job: F)
where
    F: Fn(u64) + Copy + Send + 'static,
{
    for input in inputs {
        // TODO: `thread::spawn` gives something back. Where does it go?
        thread::spawn(move || job(input));
    }
    // TODO: `run_all` returns here. Are the jobs done?
}

fn main() {
    run_all(vec![1, 2, 3, 4], |n| {
        thread::sleep(Duration::from_millis(10 * n));
        println!("job {n} done");
    });
    println!("run_all returned");
}

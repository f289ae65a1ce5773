use super::support::{Gate, within};
use exercise::count_matching;
use std::sync::Mutex;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "count_matching did not return";

fn lines(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("line {i}")).collect()
}

#[test]
fn counts_the_matching_lines_checking_each_once() {
    let (count, mut seen, empty) = within(LIMIT, HANGS, || {
        let input = lines(500);
        let seen = Mutex::new(Vec::new());
        let count = count_matching(&input, |line| {
            seen.lock().unwrap().push(line.to_string());
            line.ends_with('7')
        });
        let empty = count_matching(&[], |_| true);
        (count, seen.into_inner().unwrap(), empty)
    });
    assert_eq!(count, 50, "50 of the lines \"line 0\"..\"line 499\" end in 7, count_matching returned {count}");
    seen.sort();
    let mut expected = lines(500);
    expected.sort();
    assert!(
        seen == expected,
        "matches should be called exactly once for each of the 500 lines; it was called {} times",
        seen.len()
    );
    assert_eq!(empty, 0, "no lines, no matches: count_matching(&[], ..) returned {empty}");
}

#[test]
fn lines_are_checked_on_rayon_threads() {
    // Called from the test's own thread, outside any rayon pool.
    let indices = within(LIMIT, HANGS, || {
        let input = lines(200);
        let indices = Mutex::new(Vec::new());
        count_matching(&input, |_| {
            indices.lock().unwrap().push(rayon::current_thread_index());
            false
        });
        indices.into_inner().unwrap()
    });
    assert_eq!(indices.len(), 200, "matches should be called once per line");
    let outside = indices.iter().filter(|i| i.is_none()).count();
    assert_eq!(
        outside, 0,
        "{outside} of 200 lines were checked outside rayon's thread pool \
         (rayon::current_thread_index() was None): is the code still using iter() instead of par_iter()?"
    );
}

#[test]
fn lines_are_checked_in_parallel() {
    // In a pool of 4 threads, the check of the first line waits (up to 1 s)
    // for the check of the last line to start. One after another, the last
    // line is never reached while the first one waits.
    let waited = within(LIMIT, HANGS, || {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        let input = lines(100);
        let gate = Gate::new(2);
        let waited = Mutex::new(None);
        let count = pool.install(|| {
            count_matching(&input, |line| {
                if line == "line 0" || line == "line 99" {
                    if let Err(arrived) = gate.wait(WAIT) {
                        *waited.lock().unwrap() = Some(arrived);
                    }
                }
                line.len() == 6
            })
        });
        assert_eq!(count, 10, "10 of the lines \"line 0\"..\"line 99\" are 6 characters long");
        waited.into_inner().unwrap()
    });
    assert!(
        waited.is_none(),
        "in a pool of 4 rayon threads, the check of the first line waited 1 s for the last line's check, \
         which did not start meanwhile: the lines were checked one after another. Use a parallel \
         iterator (par_iter) rather than a sequential one running inside the pool"
    );
}

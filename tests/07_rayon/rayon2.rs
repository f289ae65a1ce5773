use super::support::within;
use exercise::{Page, render_all};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "render_all did not return";

fn pages(n: usize) -> Vec<Page> {
    (0..n)
        .map(|number| Page {
            number,
            text: format!("text {number}"),
        })
        .collect()
}

// Renders read backwards when sorted, so that sorting them is no way to
// get the input order back.
fn render_of(page: &Page) -> String {
    format!("{:04} <- {}", 9999 - page.number, page.text)
}

fn expected(pages: &[Page]) -> Vec<String> {
    pages.iter().map(render_of).collect()
}

fn first_difference(got: &[String], want: &[String]) -> String {
    if got.len() != want.len() {
        return format!("{} results for {} pages", got.len(), want.len());
    }
    match got.iter().zip(want).position(|(g, w)| g != w) {
        Some(i) => format!("position {i} holds {:?} where {:?} belongs", got[i], want[i]),
        None => "no difference".to_string(),
    }
}

#[test]
fn pages_come_back_in_input_order() {
    let (got, empty) = within(LIMIT, HANGS, || {
        let input = pages(300);
        (render_all(&input, render_of), render_all(&[], render_of))
    });
    let want = expected(&pages(300));
    assert!(
        got == want,
        "render_all should return one rendered page per input page, in input order: {}",
        first_difference(&got, &want)
    );
    assert!(empty.is_empty(), "no pages in, no pages out: got {empty:?}");
}

#[test]
fn pages_are_rendered_on_rayon_threads() {
    // Called from the test's own thread, outside any rayon pool.
    let (got, indices) = within(LIMIT, HANGS, || {
        let input = pages(200);
        let indices = Mutex::new(Vec::new());
        let got = render_all(&input, |page| {
            indices.lock().unwrap().push(rayon::current_thread_index());
            render_of(page)
        });
        (got, indices.into_inner().unwrap())
    });
    assert_eq!(indices.len(), 200, "render should be called once per page, was called {} times", indices.len());
    let outside = indices.iter().filter(|i| i.is_none()).count();
    assert_eq!(
        outside, 0,
        "{outside} of 200 pages were rendered outside rayon's thread pool \
         (rayon::current_thread_index() was None): use par_iter(), not iter()"
    );
    assert!(got == expected(&pages(200)), "the pages came back wrong: {}", first_difference(&got, &expected(&pages(200))));
}

#[test]
fn order_is_kept_when_the_first_page_finishes_last() {
    // In a pool of 4 threads, page 0 takes its time: it is not done until
    // half of the other pages have started (up to 1 s). Pages that come
    // back in the order they finished put page 0 far from the front.
    const PAGES: usize = 100;
    let (got, page0_waited_out) = within(LIMIT, HANGS, || {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        let input = pages(PAGES);
        let started = AtomicUsize::new(0);
        let progress = (Mutex::new(()), Condvar::new());
        let waited_out = Mutex::new(None);
        let got = pool.install(|| {
            render_all(&input, |page| {
                if page.number == 0 {
                    let deadline = Instant::now() + WAIT;
                    let mut guard = progress.0.lock().unwrap();
                    while started.load(Ordering::SeqCst) < PAGES / 2 {
                        let now = Instant::now();
                        if now >= deadline {
                            *waited_out.lock().unwrap() = Some(started.load(Ordering::SeqCst));
                            break;
                        }
                        guard = progress.1.wait_timeout(guard, deadline - now).unwrap().0;
                    }
                } else {
                    started.fetch_add(1, Ordering::SeqCst);
                    let guard = progress.0.lock().unwrap();
                    progress.1.notify_all();
                    drop(guard);
                    thread::yield_now(); // let the other workers take turns
                }
                render_of(page)
            })
        });
        (got, waited_out.into_inner().unwrap())
    });
    let want = expected(&pages(PAGES));
    assert!(
        got == want,
        "with page 0 finishing after at least {} other pages, the results came back out of order ({}): \
         are they pushed into a shared Vec (or sent through a channel) in the order the threads finish? Let map + collect build \
         the Vec; it keeps the input order",
        PAGES / 2,
        first_difference(&got, &want)
    );
    if let Some(started) = page0_waited_out {
        panic!(
            "in a pool of 4 rayon threads, page 0 waited 1 s while only {started} other pages started: \
             the pages were rendered one after another. Use a parallel iterator (par_iter)"
        );
    }
}

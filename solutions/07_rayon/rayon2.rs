// rayon2: results in order, without a shared Vec.
//
// `render_all` renders every page on rayon's threads and should return the
// rendered pages in the same order as the input. It does not compile: the
// closure passed to `for_each` runs on many threads at once, so rayon only
// accepts a closure that can be shared (`Fn + Sync`), and pushing into `out`
// needs `&mut out` from every thread at the same time.
//
// A `Mutex<Vec<_>>` would compile, but the pages would land in whatever
// order the threads happen to finish. Let rayon build the Vec for you
// instead: a parallel `map` followed by `collect` keeps the input order,
// however the work was split.
//
// Make `render_all` compile and return the pages in input order.

use rayon::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub number: usize,
    pub text: String,
}

// Don't change this signature: the hidden tests call it.
// Renders every page with `render`, in parallel on rayon's thread pool, and
// returns the results in the order of `pages`.
pub fn render_all(pages: &[Page], render: impl Fn(&Page) -> String + Sync) -> Vec<String> {
    // Each thread produces results for its share of the pages; `collect`
    // puts them together in input order. (Pushing `(index, result)` pairs
    // into a `Mutex<Vec<_>>` and sorting by index afterwards also passes the
    // tests, but it is more code, and every page waits for the lock.)
    pages.par_iter().map(&render).collect()
}

fn main() {
    let pages: Vec<Page> = (1..=5)
        .map(|number| Page {
            number,
            text: format!("text of page {number}"),
        })
        .collect();
    let rendered = render_all(&pages, |page| {
        format!("<h1>{}</h1><p>{}</p>", page.number, page.text)
    });
    for html in rendered {
        println!("{html}");
    }
}

// Accepted escape (adversary review, second pass): cutting the pages into a
// fixed number of pieces of its own, 128 or more (`par_chunks(len.div_ceil(256))`),
// each of which it renders sequentially, passes: the concurrency test's pool has
// 65-129 threads, and only a pool of more threads than pieces can show the
// cap. Pools of 257-320 threads were tried; on the loaded 2-core course
// machine rayon did not get every thread going within the tests' hang bound,
// and the reference solution failed. (Asking the pool's size to choose the
// pieces is refused by name.)

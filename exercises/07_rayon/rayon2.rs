// rayon2: rendered pages, in order.
//
// `render_all` renders every page on rayon's threads and should return the
// rendered pages in the same order as the input, however the threads happen
// to finish.
//
// This file does not compile: read the error about `out`, and where the
// closure that uses it runs.

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
    let mut out = Vec::new();
    // TODO: this closure runs on many threads at once. Can they all push
    // to `out`?
    pages.par_iter().for_each(|page| out.push(render(page)));
    out
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

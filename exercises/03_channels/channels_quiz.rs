// channels_quiz: a log pipeline.
//
//     reader 0 ──┐
//     reader 1 ──┼──> parse ──> render ──> the calling thread
//     reader 2 ──┘
//
// `process_logs(sources, parse, render)` runs every stage at the same time,
// each on its own thread, connected by channels:
// - one reader thread per source, sending every line its source yields;
// - one parse thread, calling `parse(line)` on every line: `Some(record)`
//   goes on to render, `None` drops the line;
// - one render thread, calling `render(record)` on every record;
// - the calling thread receives the rendered strings and returns them, in
//   the order they arrived.
//
// A line travels on as soon as it is ready: it may be rendered while the
// readers are still reading. Every accepted line comes out exactly once,
// and `process_logs` returns once every source is exhausted and the last
// line has come through.

use std::sync::mpsc;
use std::thread;

// Don't change this signature: the hidden tests call it.
pub fn process_logs<I, R, P, F>(sources: Vec<I>, parse: P, render: F) -> Vec<String>
where
    I: Iterator<Item = String> + Send + 'static,
    R: Send + 'static,
    P: FnMut(String) -> Option<R> + Send + 'static,
    F: FnMut(R) -> String + Send + 'static,
{
    // TODO: the channels between the stages.
    // TODO: a reader thread per source.
    // TODO: the parse thread and the render thread.
    // TODO: collect what comes out of the render stage; wait for every
    // thread before returning.
    todo!()
}

#[derive(Debug)]
struct Record {
    level: String,
    message: String,
}

fn lines(text: &[&str]) -> std::vec::IntoIter<String> {
    let owned: Vec<String> = text.iter().map(ToString::to_string).collect();
    owned.into_iter()
}

fn main() {
    let sources = vec![
        lines(&["INFO started", "WARN slow request", "INFO done"]),
        lines(&["ERROR disk full", "INFO retry"]),
    ];
    let out = process_logs(
        sources,
        |line| {
            let (level, message) = line.split_once(' ')?;
            (level != "INFO").then(|| Record {
                level: level.to_string(),
                message: message.to_string(),
            })
        },
        |record| format!("[{}] {}", record.level, record.message),
    );
    for line in out {
        println!("{line}");
    }
}

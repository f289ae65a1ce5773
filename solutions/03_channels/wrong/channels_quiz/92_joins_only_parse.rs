// WRONG: joins only the parse thread; the readers and the render thread are
// left detached (their panics are lost).
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
pub fn process_logs<I, R, P, F>(sources: Vec<I>, mut parse: P, mut render: F) -> Vec<String>
where
    I: Iterator<Item = String> + Send + 'static,
    R: Send + 'static,
    P: FnMut(String) -> Option<R> + Send + 'static,
    F: FnMut(R) -> String + Send + 'static,
{
    let (line_tx, lines) = mpsc::channel::<String>();
    let (record_tx, records) = mpsc::channel::<R>();
    let (output_tx, output) = mpsc::channel::<String>();

    // Each reader owns a clone of `line_tx`; the original is dropped right
    // after, so the parse stage sees the end once the last reader is done.
    let readers: Vec<_> = sources
        .into_iter()
        .map(|source| {
            let line_tx = line_tx.clone();
            thread::spawn(move || {
                for line in source {
                    if line_tx.send(line).is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    drop(line_tx);

    // Each later stage owns the only Sender to the next one: when a stage
    // ends, the next one's loop ends too.
    let parser = thread::spawn(move || {
        for line in lines {
            let Some(record) = parse(line) else {
                continue;
            };
            if record_tx.send(record).is_err() {
                break;
            }
        }
    });
    let renderer = thread::spawn(move || {
        for record in records {
            if output_tx.send(render(record)).is_err() {
                break;
            }
        }
    });

    let rendered: Vec<String> = output.iter().collect();

    drop(readers);
    drop(renderer);
    parser.join().expect("the parse thread panicked");
    rendered
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

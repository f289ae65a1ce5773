use exercise::greet_all;

use super::support::{Gate, ThreadIds, within};
use std::thread;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const GATE_WAIT: Duration = Duration::from_secs(1);
const HANGS: &str = "greet_all did not return: is every thread joined exactly once?";

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn comma(greeting: &str, name: &str) -> String {
    format!("{greeting}, {name}!")
}

#[test]
fn greetings_come_back_in_name_order() {
    let got = within(LIMIT, HANGS, || {
        greet_all("Hi".to_string(), names(&["Ann", "Bo", "Cy", "Di"]), comma)
    });
    assert_eq!(
        got,
        names(&["Hi, Ann!", "Hi, Bo!", "Hi, Cy!", "Hi, Di!"]),
        "every name should get the same greeting, in the order of the names"
    );
}

#[test]
fn no_names_no_greetings() {
    let got = within(LIMIT, HANGS, || {
        greet_all("Hi".to_string(), Vec::new(), comma)
    });
    assert!(
        got.is_empty(),
        "no names should give no greetings, got {got:?}"
    );
}

#[test]
fn each_name_is_moved_to_its_thread_not_copied() {
    let list = names(&["Ann", "Bo", "Cy"]);
    let buffers: Vec<usize> = list.iter().map(|s| s.as_ptr() as usize).collect();
    let seen = within(LIMIT, HANGS, move || {
        greet_all("Hi".to_string(), list, |_, name| {
            (name.as_ptr() as usize).to_string()
        })
    });
    let seen: Vec<usize> = seen.iter().filter_map(|s| s.parse().ok()).collect();
    assert_eq!(
        seen, buffers,
        "render got copies of the names (different buffers): each name can be moved into its \
         own thread as it is"
    );
}

#[test]
fn each_greeting_runs_on_its_own_thread() {
    // A static, so that the closure (`Copy + 'static`) can reach it.
    static RAN_ON: ThreadIds = ThreadIds::new();
    let caller = within(LIMIT, HANGS, move || {
        greet_all(
            "Hi".to_string(),
            names(&["Ann", "Bo", "Cy", "Di", "Ed"]),
            move |g, n| {
                RAN_ON.record();
                comma(g, n)
            },
        );
        thread::current().id()
    });
    RAN_ON.assert_caller_absent(
        caller,
        "render ran on the thread that called greet_all: every name belongs on a thread of its \
         own",
    );
    RAN_ON.assert_distinct(5, "render, with 5 names,", "start one thread per name");
}

#[test]
fn greetings_run_at_the_same_time() {
    // Each render call waits (up to 1 s) at a barrier until all 4 have reached it.
    // A static, so that the closure (`Copy + 'static`) can reach it.
    static GATE: Gate = Gate::new(4);
    let hangs = "greet_all took over 2 s although each thread waits at most 1 s for the others: \
                 the threads ran one after another. Are you joining each thread right after \
                 spawning it?";
    let got = within(LIMIT, hangs, move || {
        greet_all(
            "Yo".to_string(),
            names(&["A", "B", "C", "D"]),
            move |g, n| {
                let _ = GATE.wait(GATE_WAIT);
                comma(g, n)
            },
        )
    });
    if let Some(arrived) = GATE.timed_out() {
        panic!(
            "the threads did not all run at the same time: a thread that waited 1 s for the \
             others saw only {arrived} of 4 running. Spawn every thread first, then join them"
        );
    }
    assert_eq!(got, names(&["Yo, A!", "Yo, B!", "Yo, C!", "Yo, D!"]));
}

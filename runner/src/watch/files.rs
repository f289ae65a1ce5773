//! Noticing saves: a notify watcher on `exercises/` (recursive) and on
//! `info.toml`, whose events go through the debounce thread and reach the
//! event loop as `Event::FileChanged` batches.
//!
//! The course root is watched rather than `info.toml` itself: an editor
//! that saves by renaming a new file over the old one would leave a watch
//! on the old file behind. When the system's watcher cannot start, a
//! polling watcher takes over, comparing contents (timestamps of some file
//! systems are too coarse to tell two quick saves apart).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};

use super::debounce;
use super::model::{Event, Watching};
use crate::manifest::MANIFEST;

/// How often polling looks at the files.
pub const POLL_EVERY: Duration = Duration::from_millis(300);

/// Keeps the watcher running; dropping it stops watching.
#[derive(Debug)]
pub enum Handle {
    Native(#[expect(dead_code, reason = "held, never read")] RecommendedWatcher),
    Polling(#[expect(dead_code, reason = "held, never read")] PollWatcher),
}

/// Starts watching `root`: natively unless `poll`, polling if the native
/// watcher fails.
pub fn watch(root: &Path, poll: bool, events: &Sender<Event>) -> Result<(Handle, Watching)> {
    let (raw_tx, raw_rx) = mpsc::channel::<Vec<PathBuf>>();
    let to_loop = events.clone();
    thread::Builder::new()
        .name("debounce".into())
        .spawn(move || {
            debounce::run(&raw_rx, debounce::QUIET, debounce::MAX_DELAY, |batch| {
                to_loop.send(Event::FileChanged(batch)).is_ok()
            })
        })
        .context("cannot start the file-watching thread")?;

    let exercises = root.join("exercises");
    let handler = |raw: Sender<Vec<PathBuf>>, events: Sender<Event>, exercises: PathBuf| {
        move |result: notify::Result<notify::Event>| match result {
            Ok(event) => {
                if let Some(mut paths) = changed_paths(&event) {
                    if paths.is_empty() {
                        // The watcher lost track (a full queue): anything
                        // may have changed.
                        paths.push(exercises.clone());
                    }
                    let _ = raw.send(paths);
                }
            }
            Err(error) => {
                let _ = events.send(Event::WatchError(error.to_string()));
            }
        }
    };

    if !poll {
        let native = RecommendedWatcher::new(
            handler(raw_tx.clone(), events.clone(), exercises.clone()),
            notify::Config::default(),
        )
        .and_then(|mut watcher| {
            watcher.watch(&exercises, RecursiveMode::Recursive)?;
            watcher.watch(root, RecursiveMode::NonRecursive)?;
            Ok(watcher)
        });
        match native {
            Ok(watcher) => return Ok((Handle::Native(watcher), Watching::Native)),
            Err(error) => {
                let why = format!("the system's file watcher could not start ({error})");
                let watcher = polling(root, handler(raw_tx, events.clone(), exercises))?;
                return Ok((
                    Handle::Polling(watcher),
                    Watching::Polling {
                        every: POLL_EVERY,
                        why: Some(why),
                    },
                ));
            }
        }
    }
    let watcher = polling(root, handler(raw_tx, events.clone(), exercises))?;
    Ok((
        Handle::Polling(watcher),
        Watching::Polling {
            every: POLL_EVERY,
            why: None,
        },
    ))
}

fn polling(root: &Path, handler: impl notify::EventHandler) -> Result<PollWatcher> {
    let config = notify::Config::default()
        .with_poll_interval(POLL_EVERY)
        .with_compare_contents(true);
    let mut watcher = PollWatcher::new(handler, config)
        .context("cannot start watching the exercise files, even by polling")?;
    let exercises = root.join("exercises");
    watcher
        .watch(&exercises, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", exercises.display()))?;
    let manifest = root.join(MANIFEST);
    watcher
        .watch(&manifest, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", manifest.display()))?;
    Ok(watcher)
}

/// The paths an event says changed; `None` for events that change nothing
/// (a file opened or read, as the runner itself does), an empty list when
/// the watcher lost track of what changed.
pub fn changed_paths(event: &notify::Event) -> Option<Vec<PathBuf>> {
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
        EventKind::Access(_) => return None,
        _ => {}
    }
    if event.need_rescan() {
        return Some(Vec::new());
    }
    Some(event.paths.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, Flag, ModifyKind, RenameMode};

    fn event(kind: EventKind) -> notify::Event {
        notify::Event::new(kind).add_path(PathBuf::from("/c/exercises/t/a.rs"))
    }

    #[test]
    fn reads_are_not_changes() {
        let open = event(EventKind::Access(AccessKind::Open(AccessMode::Any)));
        assert_eq!(changed_paths(&open), None);
        let read = event(EventKind::Access(AccessKind::Close(AccessMode::Read)));
        assert_eq!(changed_paths(&read), None);
    }

    #[test]
    fn writes_renames_and_creations_are() {
        for kind in [
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Create(CreateKind::File),
            EventKind::Remove(notify::event::RemoveKind::File),
        ] {
            assert_eq!(
                changed_paths(&event(kind)),
                Some(vec![PathBuf::from("/c/exercises/t/a.rs")]),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_lost_track_means_anything_changed() {
        let rescan = notify::Event::new(EventKind::Other).set_flag(Flag::Rescan);
        assert_eq!(changed_paths(&rescan), Some(Vec::new()));
    }
}

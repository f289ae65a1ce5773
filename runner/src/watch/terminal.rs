//! The terminal while watch mode runs: raw mode on the alternate screen,
//! and the guarantee that the learner's terminal comes back as it was, on
//! `q`, Ctrl-C, a panic (the hook) and SIGTERM, SIGINT or SIGHUP (a signal
//! thread turns them into events). Also the thread that reads keys.

use std::io::{self, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::thread;

use crossterm::cursor::{Hide, Show};
use crossterm::event::{self, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::execute;
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};

use super::model::{Event, Key, Stop};

/// Whether the terminal is in watch mode's state (raw, alternate screen).
static ENTERED: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Raw mode on the alternate screen until dropped.
#[derive(Debug)]
pub struct Terminal(());

impl Terminal {
    pub fn enter() -> io::Result<Terminal> {
        HOOK.call_once(install_panic_hook);
        terminal::enable_raw_mode()?;
        ENTERED.store(true, Ordering::SeqCst);
        let terminal = Terminal(());
        execute!(io::stdout(), EnterAlternateScreen, Hide)?;
        Ok(terminal)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves the alternate screen, shows the cursor, ends raw mode. Safe to
/// call from any thread and more than once.
pub fn restore() {
    if ENTERED.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(out, Show, LeaveAlternateScreen);
        let _ = out.flush();
        let _ = terminal::disable_raw_mode();
    }
}

/// On a panic anywhere: stop the running check, give the terminal back,
/// then print the panic as usual and exit (a half-working screen helps no
/// one).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        super::cancel_running_check();
        restore();
        previous(info);
        std::process::exit(101);
    }));
}

/// Turns termination signals (SIGTERM, SIGINT, SIGHUP; Ctrl-C and closing
/// the console on Windows) into a `Stop` event. A second signal ends the
/// runner at once, in case the event loop does not answer.
pub fn forward_signals(events: Sender<Event>) -> io::Result<()> {
    let seen = AtomicUsize::new(0);
    let events = std::sync::Mutex::new(events);
    crate::platform::on_termination(move |signal| {
        let first = seen.fetch_add(1, Ordering::SeqCst) == 0;
        let sent = first
            && events
                .lock()
                .is_ok_and(|e| e.send(Event::Stop(Stop::Signal(signal))).is_ok());
        if !sent {
            super::cancel_running_check();
            restore();
            std::process::exit(128 + signal);
        }
    })
}

/// Reads keys (and size changes) until the event loop is gone.
pub fn forward_keys(events: Sender<Event>) -> io::Result<()> {
    thread::Builder::new().name("keys".into()).spawn(move || {
        loop {
            let event = match event::read() {
                Ok(event::Event::Key(key)) if key.kind != KeyEventKind::Release => {
                    Event::Key(key_of(key))
                }
                Ok(event::Event::Resize(..)) => Event::Resize,
                Ok(_) => continue,
                Err(_) => Event::Stop(Stop::TerminalLost),
            };
            let lost = matches!(event, Event::Stop(_));
            if events.send(event).is_err() || lost {
                return;
            }
        }
    })?;
    Ok(())
}

fn key_of(key: KeyEvent) -> Key {
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c' | 'C') if control => Key::CtrlC,
        KeyCode::Char(_) if control => Key::Other,
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        _ => Key::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_as_watch_mode_means_them() {
        let press = |code, modifiers| key_of(KeyEvent::new(code, modifiers));
        assert_eq!(press(KeyCode::Char('c'), KeyModifiers::CONTROL), Key::CtrlC);
        assert_eq!(
            press(KeyCode::Char('c'), KeyModifiers::NONE),
            Key::Char('c')
        );
        assert_eq!(
            press(KeyCode::Char('N'), KeyModifiers::SHIFT),
            Key::Char('N')
        );
        assert_eq!(press(KeyCode::Char('x'), KeyModifiers::CONTROL), Key::Other);
        assert_eq!(press(KeyCode::Enter, KeyModifiers::NONE), Key::Enter);
        assert_eq!(press(KeyCode::F(1), KeyModifiers::NONE), Key::Other);
    }
}

//! Keys to actions, by screen. The help line in `view` lists the same keys.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::state::{Action, Screen};

pub fn action(screen: &Screen, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match screen {
        Screen::Filter => filter_key(key.code),
        Screen::ConfirmCancel(_) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Confirm),
            _ => Some(Action::Decline),
        },
        Screen::Jobs | Screen::Logs => match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::PageDown => Some(Action::PageDown),
            KeyCode::Enter => Some(Action::Open),
            KeyCode::Char('/') => Some(Action::StartFilter),
            KeyCode::Char('c') => Some(Action::AskCancel),
            KeyCode::Char('r') => Some(Action::Retry),
            KeyCode::Char('f') => Some(Action::ToggleFollow),
            _ => None,
        },
    }
}

fn filter_key(code: KeyCode) -> Option<Action> {
    match code {
        KeyCode::Enter => Some(Action::FilterDone),
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Backspace => Some(Action::FilterBackspace),
        KeyCode::Char(c) => Some(Action::FilterChar(c)),
        _ => None,
    }
}

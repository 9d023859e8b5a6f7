//! The App's routing and key layers, without a terminal.

use std::path::PathBuf;

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::tui::keymap::Keymap;

fn app() -> App {
    let info = Info {
        backend: "exec".into(),
        cwd: PathBuf::from("/w"),
        ..Info::default()
    };
    App::new(Keymap::default(), info)
}

fn press(a: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    a.update(Msg::Term(Event::Key(KeyEvent::new(code, mods))))
}

fn typed(a: &mut App, text: &str) {
    for c in text.chars() {
        press(a, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

#[test]
fn a_question_mark_is_text_in_the_prompt_and_help_in_a_pane() {
    let mut a = app();
    typed(&mut a, "why?");
    assert_eq!(a.session().prompt().lines()[0], "why?");
    assert!(a.popup().is_none());
    a.focus = Focus::Chat;
    typed(&mut a, "?");
    assert!(matches!(a.popup(), Some(Popup::Help { .. })));
}

#[test]
fn the_command_popup_completes_and_enter_then_runs_it() {
    let mut a = app();
    typed(&mut a, "/he");
    assert!(matches!(a.popup(), Some(Popup::Commands(_))));
    press(&mut a, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(a.session().prompt().lines()[0], "/help ");
    assert!(a.popup().is_none(), "a space ends the word");
    press(&mut a, KeyCode::Enter, KeyModifiers::NONE);
    assert!(matches!(a.popup(), Some(Popup::Help { .. })));
}

#[test]
fn session_keys_pass_a_modal_and_other_keys_do_not() {
    let mut a = app();
    a.add_session(a.session().info().clone(), None);
    assert_eq!(a.visible(), 1);
    a.popups.push(Popup::Help { scroll: 0 });
    typed(&mut a, "x");
    assert!(a.session().prompt().is_empty(), "the popup held the key");
    press(&mut a, KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(a.visible(), 0, "switching never waits for a popup");
    assert!(
        a.popup().is_none(),
        "popups belong to the session they were opened in"
    );
}

#[test]
fn a_background_sessions_effects_name_it() {
    let mut a = app();
    let first = a.session().id();
    a.add_session(a.session().info().clone(), None);
    let msg = Msg::Tab {
        tab: first,
        msg: Box::new(Msg::FilesChanged),
    };
    let fx = a.update(msg);
    assert!(
        matches!(fx.as_slice(), [Effect::InTab(id, e)] if *id == first && **e == Effect::Rescan)
    );
    let gone = Msg::Tab {
        tab: 99,
        msg: Box::new(Msg::FilesChanged),
    };
    assert!(
        a.update(gone).is_empty(),
        "a closed session's news goes nowhere"
    );
}

#[test]
fn an_unknown_command_is_said() {
    let mut a = app();
    a.submit("/frobnicate".into());
    assert!(
        a.error
            .as_deref()
            .is_some_and(|e| e.contains("unknown command /frobnicate"))
    );
}

//! The help popup, on the App: generated from the key map (so an override shows), and
//! scrolling down to the approval keys and the command table.

use codexmcp::tui::app::{App, Info, Popup};
use codexmcp::tui::keymap::Keymap;
use ratatui::crossterm::event::KeyCode;

use super::tui::{app, key, render};

#[test]
fn help_is_generated_from_the_keymap() {
    let mut a = app();
    key(&mut a, KeyCode::F(1));
    assert!(matches!(a.popup(), Some(Popup::Help { .. })));
    insta::assert_snapshot!(render(&a, 100, 32));
    let overridden = Keymap::with_overrides(
        &[("send".to_string(), vec!["ctrl+s".to_string()])]
            .into_iter()
            .collect(),
    )
    .unwrap();
    let mut b = App::new(overridden, Info::default());
    key(&mut b, KeyCode::F(1));
    assert!(
        render(&b, 100, 32).contains("Ctrl+S"),
        "help follows the override"
    );
    assert!(
        Keymap::with_overrides(
            &[("explode".to_string(), vec!["x".to_string()])]
                .into_iter()
                .collect()
        )
        .is_err()
    );
}

#[test]
fn help_scrolls_to_the_approval_keys_and_commands() {
    let mut a = app();
    key(&mut a, KeyCode::F(1));
    for _ in 0..40 {
        key(&mut a, KeyCode::Down);
    }
    assert!(render(&a, 100, 32).contains("cancel the turn"));
    for _ in 0..40 {
        key(&mut a, KeyCode::Down);
    }
    let screen = render(&a, 100, 32);
    assert!(screen.contains("/resume [ID | TEXT]") && screen.contains("keys can be changed"));
    insta::assert_snapshot!(screen);
    key(&mut a, KeyCode::Esc);
    assert!(a.popup().is_none());
}

//! The TUI side of Codex users' habits, on the App: image chips, the model picker and
//! `/effort`, the context and rate-limit meters, the mouse, and looking after stored threads
//! from the resume picker. Every new screen state is a snapshot.

use codexmcp::engine::app_lists::CodexModel;
use codexmcp::engine::event::RateWindow;
use codexmcp::engine::{CodexEvent, Usage};
use codexmcp::session::SessionRecord;
use codexmcp::tui::Msg;
use codexmcp::tui::app::{Effect, Focus, Popup};
use codexmcp::tui::files::{Entry, EntryKind};
use ratatui::crossterm::event::{
    Event, KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::tui::{app, codex, key, press, render, send, type_str};

fn status(a: &codexmcp::tui::app::App) -> String {
    render(a, 160, 24)
        .lines()
        .nth(22)
        .unwrap_or_default()
        .to_string()
}

/// `/image` and a pasted path attach images, shown as chips; Backspace in an empty prompt
/// takes the last off; a file that is not an image is refused at once.
#[test]
fn images_are_chips_in_the_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let pic = dir.path().join("pixel.png");
    std::fs::write(&pic, b"\x89PNG\r\n\x1a\n rest").unwrap();
    let other = dir.path().join("shot two.png");
    std::fs::write(&other, b"\x89PNG\r\n\x1a\n rest").unwrap();
    let mut a = app();
    type_str(&mut a, &format!("/image {}", pic.display()));
    key(&mut a, KeyCode::Enter);
    a.update(Msg::Term(Event::Paste(format!("'{}'", other.display()))));
    assert_eq!(
        a.session().attachments().len(),
        2,
        "a dropped (quoted) path attaches too"
    );
    type_str(&mut a, "what is in these?");
    insta::assert_snapshot!("image_chips", render(&a, 100, 24));
    let fx = key(&mut a, KeyCode::Enter);
    let [Effect::StartTurn { spec, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(spec.images, [pic.clone(), other.clone()]);
    assert!(
        a.session().attachments().is_empty(),
        "they went with the prompt"
    );
    // Backspace in an empty prompt removes the last one.
    let mut b = app();
    type_str(&mut b, &format!("/image {}", pic.display()));
    key(&mut b, KeyCode::Enter);
    key(&mut b, KeyCode::Backspace);
    assert!(b.session().attachments().is_empty());
    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "words").unwrap();
    type_str(&mut b, &format!("/image {}", txt.display()));
    key(&mut b, KeyCode::Enter);
    assert!(render(&b, 100, 24).contains("not a PNG, JPEG, GIF or WebP image"));
}

/// `/model` opens a picker over what Codex lists; picking one applies from the next turn and
/// shows in the status bar, as does `/effort`.
#[test]
fn the_model_picker_and_effort() {
    let mut a = app();
    type_str(&mut a, "/model");
    assert_eq!(key(&mut a, KeyCode::Enter), [Effect::ListModels]);
    a.update(Msg::Models(vec![
        CodexModel {
            id: "gpt-5.5".into(),
            description: "Frontier agentic coding model".into(),
            efforts: vec!["low".into(), "medium".into(), "high".into()],
        },
        CodexModel {
            id: "gpt-5.5-mini".into(),
            description: "Smaller, faster".into(),
            efforts: vec![],
        },
    ]));
    assert!(matches!(a.popup(), Some(Popup::Models(_))));
    insta::assert_snapshot!("model_picker", render(&a, 100, 20));
    type_str(&mut a, "mini");
    let fx = key(&mut a, KeyCode::Enter);
    assert_eq!(
        fx,
        [Effect::Configure {
            model: Some("gpt-5.5-mini".into()),
            effort: None
        }]
    );
    type_str(&mut a, "/effort high");
    key(&mut a, KeyCode::Enter);
    assert!(
        status(&a).contains("codex gpt-5.5-mini (high)"),
        "{}",
        status(&a)
    );
    type_str(&mut a, "/effort extreme");
    key(&mut a, KeyCode::Enter);
    assert!(render(&a, 120, 24).contains("/effort LEVEL: one of"));
}

/// The status bar's meters: the context window's fill and the account's rate limits.
#[test]
fn meters_show_context_and_rate_limits() {
    let mut a = app();
    let run = send(&mut a, "hello");
    codex(
        &mut a,
        run,
        CodexEvent::UsageUpdated {
            total: Usage::default(),
            context_tokens: 206_720,
            context_window: Some(258_400),
        },
    );
    codex(
        &mut a,
        run,
        CodexEvent::RateLimits {
            windows: vec![
                RateWindow {
                    name: "primary".into(),
                    used_percent: 42.0,
                    window_minutes: Some(300),
                    resets_at: None,
                },
                RateWindow {
                    name: "secondary".into(),
                    used_percent: 91.5,
                    window_minutes: Some(10_080),
                    resets_at: None,
                },
            ],
        },
    );
    insta::assert_snapshot!("meters", status(&a));
}

/// A click picks a file (a second click opens it) or an event row; Alt+M gives the mouse to
/// the terminal and says so.
#[test]
fn the_mouse_picks_rows_and_can_be_handed_back() {
    let mut a = app();
    a.size = (160, 24);
    a.update(Msg::Tree {
        entries: ["a.txt", "b.txt", "c.txt"]
            .iter()
            .map(|n| Entry {
                path: format!("/w/output/{n}").into(),
                name: n.to_string(),
                depth: 0,
                kind: EntryKind::File { size: 1 },
            })
            .collect(),
        truncated: false,
    });
    let click = |a: &mut codexmcp::tui::app::App, column: u16, row: u16| {
        a.update(Msg::Term(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })))
    };
    // The tree is the right-hand pane; its second entry is on the third screen line.
    let x = 150;
    assert!(click(&mut a, x, 2).is_empty());
    assert_eq!(a.focus, Focus::Files);
    assert_eq!(a.session().files().selected(), 1);
    let fx = click(&mut a, x, 2);
    assert_eq!(fx, [Effect::LoadPreview("/w/output/b.txt".into())]);
    let fx = press(&mut a, KeyCode::Char('m'), KeyModifiers::ALT);
    assert_eq!(fx, [Effect::MouseCapture(false)]);
    assert!(status(&a).contains("mouse off: select text freely (Alt+M gives it back)"));
    assert!(click(&mut a, x, 3).is_empty());
    assert_eq!(
        a.session().files().selected(),
        1,
        "the terminal has the mouse now"
    );
}

/// In the resume picker: Delete asks, Delete again forgets; Ctrl+Y copies the id. `/rename`
/// renames the thread on screen.
#[test]
fn threads_are_looked_after_from_the_picker() {
    let mut a = app();
    let record = |id: &str, title: &str| SessionRecord {
        id: id.into(),
        title: title.into(),
        cwd: "/w/output".into(),
        backend: "exec".into(),
        created_ms: 0,
        updated_ms: 0,
        usage: Usage::default(),
        turns: 1,
        policy: None,
        rewind: Default::default(),
    };
    a.update(Msg::Sessions(vec![
        record("01a2112e-cb31-7fd3-b664-466522ce36c8", "snake game"),
        record("01b2112e-cb31-7fd3-b664-466522ce36c9", "api server"),
    ]));
    assert!(
        press(&mut a, KeyCode::Char('y'), KeyModifiers::CONTROL)
            == [Effect::Copy("01a2112e-cb31-7fd3-b664-466522ce36c8".into())]
    );
    assert!(key(&mut a, KeyCode::Delete).is_empty(), "asks first");
    assert_eq!(
        key(&mut a, KeyCode::Delete),
        [Effect::DeleteSession(
            "01a2112e-cb31-7fd3-b664-466522ce36c8".into()
        )]
    );
    let Some(Popup::Resume(p)) = a.popup() else {
        panic!("the picker stays")
    };
    assert_eq!(p.items.len(), 1);
    key(&mut a, KeyCode::Esc);
    type_str(&mut a, "/rename x");
    key(&mut a, KeyCode::Enter);
    assert!(render(&a, 120, 24).contains("nothing to rename yet"));
    super::tui_flow::on_a_thread(&mut a);
    type_str(&mut a, "/rename Snake v2");
    let fx = key(&mut a, KeyCode::Enter);
    assert!(
        matches!(fx.as_slice(), [Effect::Rename { title, .. }] if title == "Snake v2"),
        "{fx:?}"
    );
}

/// Typing `/` opens the command list from the command table; it narrows as the word grows,
/// the picker keys move in it, Tab completes, and Esc closes it for that word.
#[test]
fn typing_a_slash_lists_the_commands() {
    let mut a = app();
    type_str(&mut a, "/");
    assert!(matches!(a.popup(), Some(Popup::Commands(_))));
    type_str(&mut a, "re");
    let screen = render(&a, 100, 20);
    assert!(screen.contains("/resume [ID | TEXT]") && screen.contains("/rename TITLE"));
    insta::assert_snapshot!(screen);
    for c in ['n', 'n', 'p', 'n', 'n'] {
        press(&mut a, KeyCode::Char(c), KeyModifiers::CONTROL);
    }
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.session().prompt().lines()[0], "/rename ");
    type_str(&mut a, "x");
    assert!(a.popup().is_none(), "only the first word completes");
    let mut b = app();
    type_str(&mut b, "/ex");
    key(&mut b, KeyCode::Esc);
    assert!(b.popup().is_none());
    type_str(&mut b, "p");
    assert!(b.popup().is_none(), "closed for this word");
}

/// `$` typed before the skills are found (they load in the background at start): the picker
/// opens empty, and fills in, filter kept, when the list comes.
#[test]
fn a_skill_picker_opened_early_fills_in_when_the_skills_come() {
    use codexmcp::skills::Discovery;
    let mut a = app();
    let skills = std::mem::take(&mut a.skills);
    type_str(&mut a, "$smk");
    let Some(Popup::Skills(p)) = a.popup() else {
        panic!("$ opens the picker")
    };
    assert!(p.current().is_none(), "nothing found yet");
    a.update(Msg::Skills(Discovery {
        skills,
        errors: Vec::new(),
    }));
    let Some(Popup::Skills(p)) = a.popup() else {
        panic!("the picker stays open")
    };
    assert_eq!(p.query, "smk");
    assert_eq!(
        p.current().map(|s| s.name.as_str()),
        Some("mcp-skill-smoke")
    );
}

//! The thread verbs in the TUI, without a terminal: `/fork`, `/compact` and `/plan` are in the
//! command table, refuse where they cannot work, and show what the session actor reports.

use codexmcp::engine::threads::Forked;
use codexmcp::engine::{CodexEvent, Usage};
use codexmcp::tui::Msg;
use codexmcp::tui::app::{App, Effect};
use ratatui::crossterm::event::KeyCode;

use super::tui::{app, app_with, codex, key, render, send, type_str};
use super::tui_flow::on_a_thread;

const THREAD: &str = "01a2112e-cb31-7fd3-b664-466522ce36c8";
const FORK: &str = "01a2112e-cb31-7fd3-b664-466522ce36c9";

fn command(a: &mut App, line: &str) -> Vec<Effect> {
    type_str(a, line);
    key(a, KeyCode::Enter)
}

/// The running turn ends, done.
fn end_turn(a: &mut App) {
    let run = a.session().turn().running().map(|t| t.run).unwrap();
    a.update(Msg::TurnDone {
        run,
        outcome: codexmcp::engine::TurnOutcome {
            thread_id: Some(THREAD.into()),
            status: codexmcp::engine::TurnStatus::Completed,
            total: Usage::default(),
            last_message: None,
        },
    });
}

/// A session on a thread, its turn over.
fn on_thread(a: &mut App) {
    on_a_thread(a);
    end_turn(a);
}

#[test]
fn fork_opens_the_new_thread_in_a_tab() {
    let mut a = app();
    assert!(command(&mut a, "/fork").is_empty());
    assert!(
        a.error
            .as_deref()
            .is_some_and(|e| e.contains("nothing to fork"))
    );
    on_thread(&mut a);
    assert_eq!(command(&mut a, "/fork 1"), [Effect::Fork(Some(1))]);
    assert_eq!(command(&mut a, "/fork"), [Effect::Fork(None)]);
    assert!(
        command(&mut a, "/fork zero").is_empty(),
        "not a turn number"
    );
    let fx = a.update(Msg::Forked(Ok(Forked {
        thread_id: FORK.into(),
        at_turn: 1,
        of: 2,
    })));
    let [Effect::OpenTab(spec)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(spec.resume.as_deref(), Some(FORK));
    assert_eq!(spec.cwd.as_deref(), Some(a.session().info().cwd.as_path()));
    assert!(render(&a, 120, 24).contains("forked at turn 1 of 2"));
    a.update(Msg::Forked(Err(
        "Codex could not fork the thread: nope".into()
    )));
    assert!(
        a.error
            .as_deref()
            .is_some_and(|e| e.contains("/fork: Codex could not"))
    );
}

#[test]
fn compact_updates_the_context_meter() {
    let mut a = app();
    on_thread(&mut a);
    let full = CodexEvent::UsageUpdated {
        total: Usage::default(),
        context_tokens: 230_000,
        context_window: Some(258_400),
    };
    let run = send(&mut a, "more");
    codex(&mut a, run, full);
    let screen = render(&a, 200, 24);
    assert!(screen.contains("/compact frees it"), "{screen}");
    insta::assert_snapshot!(screen);
    end_turn(&mut a);
    assert_eq!(command(&mut a, "/compact"), [Effect::Compact]);
    let after = CodexEvent::UsageUpdated {
        total: Usage::default(),
        context_tokens: 6_000,
        context_window: Some(258_400),
    };
    let done = CodexEvent::ThreadCompacted {
        thread_id: THREAD.into(),
    };
    a.update(Msg::Compacted(Ok(vec![after, done])));
    let screen = render(&a, 200, 24);
    assert!(!screen.contains("/compact frees it"), "{screen}");
    assert!(screen.contains("context compacted"), "{screen}");
}

#[test]
fn plan_mode_is_the_app_servers_and_shows_in_the_status_bar() {
    let mut a = app();
    assert!(command(&mut a, "/plan").is_empty());
    assert!(
        a.error
            .as_deref()
            .is_some_and(|e| e.contains("--backend app-server")),
        "{:?}",
        a.error
    );
    let mut b = app_with(|i| i.backend = "app-server".into());
    command(&mut b, "/plan");
    assert!(render(&b, 200, 24).contains("│ plan │"));
    type_str(&mut b, "a snake game");
    let fx = key(&mut b, KeyCode::Enter);
    assert!(
        matches!(fx.as_slice(), [Effect::StartTurn { spec, .. }] if spec.plan),
        "{fx:?}"
    );
    command(&mut b, "/plan");
    assert!(!b.session().plan_mode());
}

#[test]
fn review_lists_its_findings() {
    use codexmcp::engine::review::{Finding, Reviewed, Target};
    let mut a = app();
    assert_eq!(
        command(&mut a, "/review"),
        [Effect::Review(Target::Uncommitted)]
    );
    assert_eq!(
        command(&mut a, "/review base main"),
        [Effect::Review(Target::Base("main".into()))]
    );
    assert!(command(&mut a, "/review sideways").is_empty());
    assert!(
        a.error
            .as_deref()
            .is_some_and(|e| e.contains("/review [uncommitted"))
    );
    a.update(Msg::Reviewed(Ok(Reviewed {
        thread_id: FORK.into(),
        findings: vec![Finding {
            title: "[P1] Division by zero".into(),
            body: "n may be 0".into(),
            file: Some("/w/calc.py".into()),
            line: Some(2),
            priority: Some(1),
        }],
        text: None,
        events: Vec::new(),
    })));
    let screen = render(&a, 200, 30);
    assert!(screen.contains("review: 1 finding"), "{screen}");
    assert!(
        screen.contains("[P1] Division by zero — /w/calc.py:2"),
        "{screen}"
    );
}

//! The thread verbs in the TUI, without a terminal: `/fork`, `/compact` and `/plan` are in the
//! command table, refuse where they cannot work, and show what the session actor reports.

use codexmcp::engine::event::ItemKind;
use codexmcp::engine::threads::Forked;
use codexmcp::engine::{CodexEvent, Usage};
use codexmcp::session::ForkedThread;
use codexmcp::tui::Msg;
use codexmcp::tui::app::{App, Effect};
use ratatui::crossterm::event::KeyCode;

use super::tui::{app, app_with, codex, item, key, render, send, type_str};
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
    let fork = |through, worktree: Option<&str>| Effect::Fork {
        through,
        worktree: worktree.map(str::to_string),
    };
    assert_eq!(command(&mut a, "/fork 1"), [fork(Some(1), None)]);
    assert_eq!(command(&mut a, "/fork"), [fork(None, None)]);
    assert_eq!(
        command(&mut a, "/fork 1 --worktree try-b"),
        [fork(Some(1), Some("try-b"))]
    );
    assert_eq!(
        command(&mut a, "/fork --worktree try-c"),
        [fork(None, Some("try-c"))]
    );
    for bad in ["/fork zero", "/fork 1 2", "/fork --worktree", "/fork 0"] {
        assert!(command(&mut a, bad).is_empty(), "{bad}");
        assert!(a.error.as_deref().is_some_and(|e| e.contains("/fork [N]")));
    }
    let fx = a.update(Msg::Forked(Box::new(Ok(ForkedThread {
        forked: Forked {
            thread_id: FORK.into(),
            at_turn: 1,
            of: 2,
        },
        worktree: None,
        files: None,
    }))));
    let [Effect::OpenTab(spec)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(spec.resume.as_deref(), Some(FORK));
    assert_eq!(spec.cwd.as_deref(), Some(a.session().info().cwd.as_path()));
    assert!(render(&a, 120, 24).contains("forked at turn 1 of 2"));
    a.update(Msg::Forked(Box::new(Err(
        "Codex could not fork the thread: nope".into(),
    ))));
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
fn review_lists_its_findings_and_opens_each_where_it_is() {
    use codexmcp::engine::review::{Finding, Reviewed, Target};
    use codexmcp::session::checkpoint::{Change, RelPath, Status, TurnDiff};
    use codexmcp::tui::app::{Popup, ReviewOf};
    let mut a = app();
    assert_eq!(
        command(&mut a, "/review"),
        [Effect::Review(ReviewOf::Change(Target::Uncommitted))]
    );
    assert_eq!(
        command(&mut a, "/review base main"),
        [Effect::Review(ReviewOf::Change(Target::Base(
            "main".into()
        )))]
    );
    assert!(
        command(&mut a, "/review turn 1").is_empty(),
        "no thread yet"
    );
    for bad in ["/review sideways", "/review turn x", "/review turn 0"] {
        assert!(command(&mut a, bad).is_empty(), "{bad}");
        assert!(
            a.error
                .as_deref()
                .is_some_and(|e| e.contains("/review [uncommitted")),
            "{bad}"
        );
    }
    on_thread(&mut a);
    assert_eq!(
        command(&mut a, "/review turn -1"),
        [Effect::Review(ReviewOf::Turn(-1))]
    );
    let finding = |title: &str, file: &str, line| Finding {
        title: title.into(),
        body: "n may be 0".into(),
        file: Some(file.into()),
        line: Some(line),
        priority: Some(1),
    };
    let patch = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,3 @@\n def f(n):\n-    return 1\n+    x = 1\n+    return x / n\n";
    let diff = TurnDiff {
        files: vec![Change {
            path: RelPath::new(&b"calc.py"[..]),
            status: Status::Modified,
            added: 2,
            removed: 1,
            note: None,
        }],
        patch: patch.into(),
        ignored: Vec::new(),
    };
    let out = a.update(Msg::Reviewed(
        Ok(Reviewed {
            thread_id: FORK.into(),
            findings: vec![
                finding("[P1] Division by zero", "calc.py", 3),
                finding("[P2] Elsewhere", "other.py", 7),
            ],
            text: None,
            events: Vec::new(),
        }),
        Some(Box::new(diff)),
    ));
    assert!(out.is_empty(), "{out:?}");
    let screen = render(&a, 200, 30);
    assert!(screen.contains("review: 2 findings"), "{screen}");
    assert!(
        screen.contains("[P1] Division by zero — calc.py:3"),
        "{screen}"
    );
    assert!(
        screen.contains("review findings"),
        "the list opens: {screen}"
    );

    // Enter: the reviewed diff, at the finding's line; closing it comes back to the list.
    key(&mut a, KeyCode::Enter);
    let Some(Popup::Diff(view)) = a.popup() else {
        panic!("no diff view: {}", render(&a, 200, 30))
    };
    assert!(
        view.lines[view.scroll as usize..]
            .iter()
            .take(4)
            .any(|l| l == "+    return x / n"),
        "{:?}",
        &view.lines[view.scroll as usize..]
    );
    key(&mut a, KeyCode::Esc);
    assert!(matches!(a.popup(), Some(Popup::Findings(_))));
    // A file the diff does not hold: the file itself, through the preview.
    key(&mut a, KeyCode::Down);
    let fx = key(&mut a, KeyCode::Enter);
    let cwd = a.session().info().cwd.clone();
    assert_eq!(
        fx,
        [Effect::LoadPreview(
            codexmcp::config::absolute(&cwd).join("other.py")
        )]
    );
}

/// A resumed transcript reads as the conversation went: text sent into a running turn stays
/// with it, and an undone turn is still shown, followed by the mark that took it back.
#[test]
fn a_resumed_transcript_shows_steers_and_undo_marks() {
    use codexmcp::session::LogEntry;
    let mut a = app();
    let answer = |text: &str| LogEntry::Event {
        ts_ms: 2,
        event: CodexEvent::ItemCompleted {
            item: item("item_1", ItemKind::AgentMessage { text: text.into() }),
        },
    };
    let entries = vec![
        LogEntry::Prompt {
            ts_ms: 1,
            text: "make a snake game".into(),
        },
        LogEntry::Steer {
            ts_ms: 2,
            text: "in one file, please".into(),
        },
        answer("snake.html is ready"),
        LogEntry::Prompt {
            ts_ms: 3,
            text: "add walls".into(),
        },
        answer("walls added"),
        LogEntry::Rewind {
            ts_ms: 4,
            redo: false,
            turn: 2,
        },
    ];
    a.update(Msg::Transcript {
        id: "01a2112e-cb31-7fd3-b664-466522ce36c9".into(),
        record: None,
        entries,
        agent: None,
    });
    let out = render(&a, 120, 24);
    assert!(out.contains("↶ turn 2 undone"), "{out}");
    insta::assert_snapshot!(out);
}

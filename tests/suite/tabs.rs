//! Sessions side by side in one TUI, as the App sees them: tabs with their own turns, the
//! session bar in every state, approvals waiting in the background, notifications when a turn
//! ends out of sight, and what Enter does while a turn runs (steer or queue).

use std::time::Duration;

use codexmcp::engine::{ApprovalKind, CodexEvent, EngineError, TurnOutcome, TurnStatus, Usage};
use codexmcp::tui::Msg;
use codexmcp::tui::app::{App, Effect, Popup};
use codexmcp::tui::views::APPROVAL_GUARD;
use ratatui::crossterm::event::{Event, KeyCode, KeyModifiers};

use super::tui::{agent_mode, app, app_with, key, press, render, send, type_str};
use crate::support::tmux::chat_text;

/// A second tab beside the first, shown; returns the first one's id.
fn two_tabs(a: &mut App) -> u64 {
    let first = a.session().id();
    let mut info = a.session().info().clone();
    info.cwd = "/w/other".into();
    a.add_session(info, None);
    first
}

/// The session bar: the screen's first line.
fn bar(a: &App) -> String {
    render(a, 100, 12)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A message from tab `tab`'s services.
fn from(a: &mut App, tab: u64, msg: Msg) -> Vec<Effect> {
    a.update(Msg::Tab {
        tab,
        msg: Box::new(msg),
    })
}

fn done(thread: &str, status: TurnStatus) -> TurnOutcome {
    TurnOutcome {
        thread_id: Some(thread.into()),
        status,
        total: Usage::default(),
        last_message: Some("all done".into()),
    }
}

fn approval(id: &str) -> CodexEvent {
    CodexEvent::ApprovalRequested {
        request_id: id.into(),
        kind: ApprovalKind::Command,
        command: Some("rm -rf build".into()),
        cwd: Some("/w/output".into()),
        reason: None,
        diff: None,
    }
}

/// Each tab keeps its own turn; the bar shows them all, in every state.
#[test]
fn the_session_bar_shows_every_session_in_every_state() {
    let mut a = app();
    assert!(!render(&a, 100, 12).contains(" 1 "), "one session: no bar");
    let run = send(&mut a, "snake game");
    let first = two_tabs(&mut a);
    insta::assert_snapshot!("bar_running_and_idle", bar(&a));
    let other_run = send(&mut a, "api server");
    insta::assert_snapshot!("bar_running_both", bar(&a));
    // The first tab asks for approval in the background: the bar says so, nothing pops up.
    let fx = from(
        &mut a,
        first,
        Msg::Codex {
            run,
            event: approval("r1"),
        },
    );
    assert!(
        a.popup().is_none(),
        "a background approval never blocks the screen"
    );
    assert!(
        matches!(fx.as_slice(), [Effect::InTab(id, e)] if *id == first && matches!(**e, Effect::Notify(_))),
        "{fx:?}"
    );
    insta::assert_snapshot!("bar_approval", bar(&a));
    // It ends; the visible one fails.
    from(
        &mut a,
        first,
        Msg::Codex {
            run,
            event: CodexEvent::ApprovalResolved {
                request_id: "r1".into(),
                decision: codexmcp::engine::ApprovalDecision::Decline,
                by: "policy".into(),
            },
        },
    );
    from(
        &mut a,
        first,
        Msg::TurnDone {
            run,
            outcome: done(
                "01a2112e-cb31-7fd3-b664-466522ce36c8",
                TurnStatus::Completed,
            ),
        },
    );
    let fx = a.update(Msg::TurnDone {
        run: other_run,
        outcome: done(
            "01b2112e-cb31-7fd3-b664-466522ce36c9",
            TurnStatus::Failed(EngineError::Agent("boom".into())),
        ),
    });
    assert!(
        fx.is_empty(),
        "the visible tab, focused: no notification: {fx:?}"
    );
    insta::assert_snapshot!("bar_done_and_failed", bar(&a));
    // Looking at it clears "done"; the other tab's chat is its own.
    press(&mut a, KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(a.visible(), 0);
    let screen = render(&a, 100, 16);
    assert!(
        screen.contains("snake game") && !screen.contains("api server\n"),
        "{screen}"
    );
    assert!(screen.contains("1 snake game · idle"), "{screen}");
    // A turn that ends in the background (here interrupted) shows as done until looked at.
    let run = send(&mut a, "again");
    press(&mut a, KeyCode::PageDown, KeyModifiers::CONTROL);
    assert_eq!(a.visible(), 1);
    from(
        &mut a,
        first,
        Msg::TurnDone {
            run,
            outcome: done(
                "01a2112e-cb31-7fd3-b664-466522ce36c8",
                TurnStatus::Interrupted,
            ),
        },
    );
    insta::assert_snapshot!("bar_background_done", bar(&a));
}

/// An approval raised in a background tab is answered after switching to it.
#[test]
fn a_background_approval_is_answered_after_switching() {
    let mut a = app();
    let run = send(&mut a, "clean up");
    let first = two_tabs(&mut a);
    from(
        &mut a,
        first,
        Msg::Codex {
            run,
            event: approval("r7"),
        },
    );
    assert!(a.popup().is_none());
    press(&mut a, KeyCode::Char('1'), KeyModifiers::ALT);
    assert!(matches!(a.popup(), Some(Popup::Approval(v)) if v.request_id == "r7"));
    a.now += APPROVAL_GUARD + Duration::from_millis(10);
    let fx = key(&mut a, KeyCode::Char('a'));
    assert!(
        matches!(fx.as_slice(), [Effect::Approve { request_id, .. }] if request_id == "r7"),
        "answered on the tab it belongs to (the visible one): {fx:?}"
    );
    // Switching away and back does not ask again.
    press(&mut a, KeyCode::Char('2'), KeyModifiers::ALT);
    press(&mut a, KeyCode::Char('1'), KeyModifiers::ALT);
    assert!(a.popup().is_none());
}

/// A turn that ends while the terminal has no focus is announced, with what the
/// notify command gets.
#[test]
fn a_turn_ending_out_of_sight_is_announced() {
    let mut a = app();
    let run = send(&mut a, "long job");
    a.update(Msg::Term(Event::FocusLost));
    a.update(Msg::Thread {
        id: Some("01a2112e-cb31-7fd3-b664-466522ce36c8".into()),
        total: Usage::default(),
    });
    let fx = a.update(Msg::TurnDone {
        run,
        outcome: done(
            "01a2112e-cb31-7fd3-b664-466522ce36c8",
            TurnStatus::Completed,
        ),
    });
    let [Effect::Notify(note)] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let json = serde_json::to_value(note).unwrap();
    assert_eq!(json["status"], "done");
    assert_eq!(json["title"], "long job");
    assert_eq!(json["thread_id"], "01a2112e-cb31-7fd3-b664-466522ce36c8");
    assert_eq!(json["last_message"], "all done");
    a.update(Msg::Term(Event::FocusGained));
    let run = send(&mut a, "short job");
    let fx = a.update(Msg::TurnDone {
        run,
        outcome: done(
            "01a2112e-cb31-7fd3-b664-466522ce36c8",
            TurnStatus::Completed,
        ),
    });
    assert!(fx.is_empty(), "{fx:?}");
}

/// On the app-server a prompt typed during a turn goes into it; Tab keeps it for after. On
/// exec a direct turn keeps it; an agent's turn takes it on any backend.
#[test]
fn enter_steers_on_the_app_server_and_tab_queues() {
    let mut a = app_with(|i| i.backend = "app-server".into());
    send(&mut a, "build it");
    type_str(&mut a, "use tabs, not spaces");
    assert!(render(&a, 100, 24).contains("Enter steers the turn, Tab queues"));
    let fx = key(&mut a, KeyCode::Enter);
    assert_eq!(fx, [Effect::Steer("use tabs, not spaces".into())]);
    type_str(&mut a, "then add tests");
    assert!(key(&mut a, KeyCode::Tab).is_empty());
    assert_eq!(a.session().turn().queued(), 1);
    assert!(a.session().prompt().is_empty());

    let mut b = app();
    send(&mut b, "build it");
    type_str(&mut b, "more");
    assert!(key(&mut b, KeyCode::Enter).is_empty(), "exec: queued");
    assert_eq!(b.session().turn().queued(), 1);

    // An agent's turn takes it on any backend, even after /direct was picked meanwhile.
    let mut c = app();
    agent_mode(&mut c);
    send(&mut c, "build it");
    type_str(&mut c, "/direct");
    key(&mut c, KeyCode::Enter);
    type_str(&mut c, "and a README");
    assert!(render(&c, 100, 24).contains("Enter tells the agent, Tab queues"));
    assert_eq!(
        key(&mut c, KeyCode::Enter),
        [Effect::Steer("and a README".into())]
    );
    assert!(render(&c, 100, 24).contains("sent to the agent"));
}

/// `/close` interrupts and closes a session; the last one stays.
#[test]
fn close_takes_a_session_away_but_never_the_last() {
    let mut a = app();
    let first = two_tabs(&mut a);
    let second = a.session().id();
    send(&mut a, "work");
    type_str(&mut a, "/close");
    let fx = key(&mut a, KeyCode::Enter);
    assert_eq!(fx, [Effect::CloseTab(second)]);
    assert_eq!(a.sessions().len(), 1);
    assert_eq!(a.session().id(), first);
    type_str(&mut a, "/close");
    assert!(key(&mut a, KeyCode::Enter).is_empty());
    assert!(render(&a, 100, 24).contains("the last session stays open"));
    // Ctrl+T asks for a new one in the same folder.
    let fx = press(&mut a, KeyCode::Char('t'), KeyModifiers::CONTROL);
    assert_eq!(fx, [Effect::OpenTab(Default::default())]);
    // A message for a closed tab is dropped.
    assert!(from(&mut a, second, Msg::FilesChanged).is_empty());
}

/// The last session cannot close, but it can leave its worktree: `/close` asks, and
/// `/close --remove` takes it back to the folder it came from in the user's checkout, on a
/// new thread, and removes the worktree; `--keep` leaves the worktree be.
#[test]
fn the_last_session_leaves_its_worktree() {
    use codexmcp::session::worktree::Worktree;
    let wt = Worktree {
        path: "/state/worktrees/repo/feat".into(),
        branch: "codexmcp/feat".into(),
        repo: "/home/me/repo".into(),
        git_dir: Some("/home/me/repo/.git".into()),
        cwd: "/state/worktrees/repo/feat/output".into(),
    };
    for (arg, removed) in [("--remove", true), ("--keep", false)] {
        let mut a = app();
        a.update(Msg::WorktreeReady(Ok(wt.clone())));
        type_str(&mut a, "/close");
        assert!(key(&mut a, KeyCode::Enter).is_empty());
        assert!(a.session().worktree().is_some(), "only asked");
        let chat = |a: &App| chat_text(&render(a, 200, 24));
        assert!(
            chat(&a).contains("it stays open and goes back"),
            "{}",
            chat(&a)
        );
        type_str(&mut a, &format!("/close {arg}"));
        let fx = key(&mut a, KeyCode::Enter);
        let home = std::path::PathBuf::from("/home/me/repo/output");
        let mut want = vec![Effect::MoveTab(home.clone()), Effect::Rescan];
        if removed {
            want.push(Effect::RemoveWorktree(wt.clone()));
        }
        assert_eq!(fx, want, "{arg}");
        assert_eq!(a.sessions().len(), 1);
        assert_eq!(
            (a.session().worktree(), a.session().info().cwd.clone()),
            (None, home)
        );
        assert!(
            chat(&a).contains("works in /home/me/repo/output again"),
            "{}",
            chat(&a)
        );
        // Now an ordinary last session again.
        type_str(&mut a, "/close");
        assert!(key(&mut a, KeyCode::Enter).is_empty());
        assert!(
            chat(&a).contains("the last session stays open: /quit"),
            "{}",
            chat(&a)
        );
    }
}

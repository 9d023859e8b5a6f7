//! A session view on its own: messages in, state and asks out — no App, no terminal.

use std::path::PathBuf;
use std::time::Instant;

use super::*;
use crate::engine::{CodexEvent, EngineError, TurnOutcome, TurnStatus, Usage};
use crate::tui::Msg;

fn view(backend: &str) -> SessionView {
    let info = Info {
        backend: backend.into(),
        cwd: PathBuf::from("/w"),
        ..Info::default()
    };
    SessionView::new(7, info, false)
}

fn effects(s: &mut SessionView) -> Vec<Effect> {
    s.take_ups()
        .into_iter()
        .filter_map(|u| match u {
            Up::Effect(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn thread(id: Option<&str>) -> Msg {
    Msg::Thread {
        id: id.map(str::to_string),
        total: Usage::default(),
    }
}

#[test]
fn the_thread_is_what_the_session_actor_says() {
    let (mut s, now) = (view("exec"), Instant::now());
    s.start_turn("hi".into(), now);
    let run = s.turn().running().map(|t| t.run).unwrap();
    let started = CodexEvent::ThreadStarted {
        thread_id: "t-codex".into(),
    };
    s.on_msg(
        Msg::Codex {
            run,
            event: started,
        },
        now,
    );
    assert_eq!(s.thread_id(), None, "an event does not decide the thread");
    s.on_msg(thread(Some("t-1")), now);
    assert_eq!(s.thread_id(), Some("t-1"));
    s.on_msg(thread(None), now);
    assert_eq!(s.thread_id(), None);
}

#[test]
fn a_prompt_while_a_turn_runs_steers_or_queues_by_backend() {
    let now = Instant::now();
    for (backend, steered) in [("app-server", true), ("exec", false)] {
        let mut s = view(backend);
        s.start_turn("first".into(), now);
        s.take_ups();
        s.send("more".into(), now);
        assert_eq!(
            effects(&mut s) == [Effect::Steer("more".into())],
            steered,
            "{backend}"
        );
        assert_eq!(s.turn().queued(), usize::from(!steered), "{backend}");
    }
}

#[test]
fn a_finished_turn_asks_for_attention_and_a_failure_stays() {
    let (mut s, now) = (view("exec"), Instant::now());
    s.start_turn("go".into(), now);
    let run = s.turn().running().map(|t| t.run).unwrap();
    s.take_ups();
    let outcome = TurnOutcome {
        thread_id: None,
        status: TurnStatus::Failed(EngineError::Agent("boom".into())),
        total: Usage::default(),
        last_message: None,
    };
    s.on_msg(Msg::TurnDone { run, outcome }, now);
    let ups = s.take_ups();
    assert!(ups.iter().any(|u| matches!(
        u,
        Up::Attention {
            status: "failed",
            ..
        }
    )));
    assert!(
        ups.iter()
            .any(|u| matches!(u, Up::Error(m) if m.contains("boom")))
    );
    assert_eq!(s.state(now), TabState::Failed);
    s.seen();
    assert_eq!(
        s.state(now),
        TabState::Failed,
        "a failure stays until the next turn"
    );
}

#[test]
fn the_word_under_the_cursor_completes_skills_anywhere_and_commands_first() {
    let mut s = view("exec");
    s.set_prompt("/re", false);
    assert_eq!(s.completing(), Completing::Command("re".into()));
    s.set_prompt("fix it with $sk", false);
    assert_eq!(s.completing(), Completing::Skill("sk".into()));
    s.dismiss_word();
    assert_eq!(s.completing(), Completing::Closed);
    s.set_prompt("a /path in a sentence", false);
    assert_eq!(s.completing(), Completing::Nothing);
    s.replace_word("/done ");
    assert_eq!(s.take_prompt().as_deref(), Some("a /path in a /done "));
    assert_eq!(s.take_prompt(), None, "the box is empty after sending");
}

#[test]
fn a_superseded_turn_keeps_its_approvals_off_screen() {
    let (mut s, now) = (view("app-server"), Instant::now());
    s.start_turn("go".into(), now);
    let run = s.turn().running().map(|t| t.run).unwrap();
    let ask = CodexEvent::ApprovalRequested {
        request_id: "r1".into(),
        kind: crate::engine::ApprovalKind::Command,
        command: Some("rm -rf build".into()),
        cwd: None,
        reason: None,
        diff: None,
    };
    s.on_msg(Msg::Codex { run, event: ask }, now);
    assert_eq!(s.approvals().len(), 1);
    s.new_thread();
    assert!(s.approvals().is_empty());
    assert!(effects(&mut s).contains(&Effect::NewThread));
}

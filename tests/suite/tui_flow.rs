//! The TUI's state machine without a terminal: threads carried forward, queueing,
//! interrupt and quit, bounded memory, and the orchestrating agent's view.

use codexmcp::engine::event::{FileChange, ItemKind, Status};
use codexmcp::engine::{CodexEvent, TurnOutcome, TurnStatus, Usage};
use codexmcp::tui::Msg;
use codexmcp::tui::app::{App, Effect, Focus};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use super::tui::{agent_mode, app, codex, item, key, press, render, send, type_str};

#[test]
fn follow_ups_continue_the_thread_and_new_starts_fresh() {
    let mut a = app();
    let run = send(&mut a, "first");
    codex(
        &mut a,
        run,
        CodexEvent::ThreadStarted {
            thread_id: "t-1".into(),
        },
    );
    a.update(Msg::TurnDone {
        run,
        outcome: TurnOutcome {
            thread_id: Some("t-1".into()),
            status: TurnStatus::Completed,
            total: Usage::default(),
            last_message: None,
        },
    });
    type_str(&mut a, "second");
    let fx = key(&mut a, KeyCode::Enter);
    assert!(
        matches!(&fx[..], [Effect::StartTurn { spec, .. }] if spec.resume.as_deref() == Some("t-1")),
        "{fx:?}"
    );
    // While it runs, Enter queues; the queued prompt goes out when the turn ends.
    type_str(&mut a, "third");
    assert!(key(&mut a, KeyCode::Enter).is_empty());
    let run2 = a.session().turn().running().map(|t| t.run).unwrap();
    let fx = a.update(Msg::TurnDone {
        run: run2,
        outcome: TurnOutcome {
            thread_id: Some("t-1".into()),
            status: TurnStatus::Completed,
            total: Usage::default(),
            last_message: None,
        },
    });
    assert!(
        matches!(&fx[..], [Effect::StartTurn { spec, .. }] if spec.prompt == "third" && spec.resume.as_deref() == Some("t-1"))
    );
    let run3 = a.session().turn().running().map(|t| t.run).unwrap();
    a.update(Msg::TurnDone {
        run: run3,
        outcome: TurnOutcome {
            thread_id: Some("t-1".into()),
            status: TurnStatus::Completed,
            total: Usage::default(),
            last_message: None,
        },
    });
    type_str(&mut a, "/new");
    assert_eq!(key(&mut a, KeyCode::Enter), [Effect::NewThread]);
    // The session owns the thread: the screen shows the new one once the actor says so.
    assert_eq!(a.session().thread_id(), Some("t-1"));
    a.update(Msg::Thread {
        id: None,
        total: Usage::default(),
    });
    assert!(render(&a, 120, 24).contains("new thread"));
    let fx = {
        type_str(&mut a, "fresh");
        key(&mut a, KeyCode::Enter)
    };
    assert!(matches!(&fx[..], [Effect::StartTurn { spec, .. }] if spec.resume.is_none()));
}

#[test]
fn esc_and_ctrl_c_interrupt_then_ctrl_c_twice_quits() {
    let mut a = app();
    send(&mut a, "long job");
    assert_eq!(key(&mut a, KeyCode::Esc), [Effect::Interrupt]);
    let mut b = app();
    send(&mut b, "long job");
    assert_eq!(
        press(&mut b, KeyCode::Char('c'), KeyModifiers::CONTROL),
        [Effect::Interrupt]
    );
    assert_eq!(
        press(&mut b, KeyCode::Char('c'), KeyModifiers::CONTROL),
        [Effect::Quit]
    );
    let mut c = app();
    assert!(
        press(&mut c, KeyCode::Char('c'), KeyModifiers::CONTROL).is_empty(),
        "idle: the first Ctrl+C only arms"
    );
    assert!(render(&c, 100, 12).contains("press Ctrl+C again to quit"));
    assert_eq!(
        press(&mut c, KeyCode::Char('c'), KeyModifiers::CONTROL),
        [Effect::Quit]
    );
    let mut d = app();
    type_str(&mut d, "/quit");
    assert_eq!(key(&mut d, KeyCode::Enter), [Effect::Quit]);
}

#[test]
fn memory_is_bounded_over_a_long_session() {
    let mut a = app();
    let run = send(&mut a, "flood");
    for i in 0..20_000 {
        codex(
            &mut a,
            run,
            CodexEvent::ItemCompleted {
                item: item(
                    &format!("item_{i}"),
                    ItemKind::Reasoning {
                        text: format!("thought {i}"),
                    },
                ),
            },
        );
    }
    assert_eq!(
        a.session().events().rows().len(),
        codexmcp::tui::rows::MAX_ROWS
    );
    assert_eq!(
        a.session().events().rows().dropped,
        20_000 - codexmcp::tui::rows::MAX_ROWS as u64
    );
    assert!(render(&a, 120, 20).contains("thought 19999"));
    // Updating an item that is still kept works after the front was dropped.
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item(
                "item_19990",
                ItemKind::Reasoning {
                    text: "revised".into(),
                },
            ),
        },
    );
    assert!(
        a.session()
            .events()
            .rows()
            .iter()
            .any(|r| r.title == "revised")
    );
    assert_eq!(a.focus, Focus::Input);
}

#[test]
fn agent_mode_streams_text_shows_tool_calls_and_both_models() {
    use codexmcp::agent::{AgentEvent, AgentMsg};
    let mut a = app();
    agent_mode(&mut a);
    a.agent.available = true;
    a.agent.model = "gpt-5.5".into();
    a.agent.prices = Some(codexmcp::agent::cost::PriceTable::new(&Default::default()));
    let fx = {
        type_str(&mut a, "Create a snake game");
        key(&mut a, KeyCode::Enter)
    };
    let run = match fx.as_slice() {
        [
            Effect::StartTurn {
                run, agent: true, ..
            },
        ] => *run,
        other => panic!("expected an agent turn, got {other:?}"),
    };
    // As the session actor forwards them: a thread Codex names is reported as well.
    let agent = |a: &mut App, msg: AgentMsg| {
        let named = match &msg {
            AgentMsg::Codex(CodexEvent::ThreadStarted { thread_id }) => Some(thread_id.clone()),
            _ => None,
        };
        a.update(Msg::Agent { run, msg });
        if let Some(id) = named {
            a.update(Msg::Thread {
                id: Some(id),
                total: Usage::default(),
            });
        }
    };
    agent(
        &mut a,
        AgentMsg::Agent(AgentEvent::ToolCall {
            name: "codex".into(),
            arguments: serde_json::json!({"prompt": "Build snake.html"}),
        }),
    );
    agent(
        &mut a,
        AgentMsg::Codex(CodexEvent::ThreadStarted {
            thread_id: "01a2112e-cb31-7fd3-b664-466522ce36c8".into(),
        }),
    );
    let change = vec![FileChange {
        path: "/w/output/snake.html".into(),
        kind: "add".parse().unwrap(),
        diff: None,
    }];
    agent(
        &mut a,
        AgentMsg::Codex(CodexEvent::ItemCompleted {
            item: item(
                "item_1",
                ItemKind::FileChange {
                    changes: change,
                    status: Status::Completed,
                },
            ),
        }),
    );
    agent(
        &mut a,
        AgentMsg::Codex(CodexEvent::ItemCompleted {
            item: item(
                "item_2",
                ItemKind::AgentMessage {
                    text: "wrote snake.html".into(),
                },
            ),
        }),
    );
    agent(
        &mut a,
        AgentMsg::Agent(AgentEvent::ToolResult {
            name: "codex".into(),
            ok: true,
            thread_id: Some("01a2112e-cb31-7fd3-b664-466522ce36c8".into()),
            output: "{}".into(),
        }),
    );
    for piece in ["Your snake ", "game is in ", "snake.html."] {
        agent(
            &mut a,
            AgentMsg::Agent(AgentEvent::Delta { text: piece.into() }),
        );
    }
    agent(
        &mut a,
        AgentMsg::Agent(AgentEvent::Message {
            text: "Your snake game is in snake.html.".into(),
        }),
    );
    agent(
        &mut a,
        AgentMsg::Agent(AgentEvent::Usage {
            input_tokens: 12_000,
            cached_tokens: 0,
            output_tokens: 800,
        }),
    );
    assert_eq!(
        a.session().thread_id(),
        Some("01a2112e-cb31-7fd3-b664-466522ce36c8")
    );
    assert_eq!(
        a.session()
            .chat()
            .iter()
            .filter(|c| c.text.contains("Your snake game is in snake.html."))
            .count(),
        1,
        "streamed once, not duplicated"
    );
    assert!(
        !a.session()
            .chat()
            .iter()
            .any(|c| c.text == "wrote snake.html"),
        "Codex's answer goes to the agent, not the chat"
    );
    insta::assert_snapshot!(render(&a, 140, 20));
    // Esc cancels the agent run (the loop cancels the agent and its Codex turn).
    assert_eq!(key(&mut a, KeyCode::Esc), [Effect::Interrupt]);
}

#[test]
fn agent_and_direct_commands_switch_modes() {
    let mut a = app();
    type_str(&mut a, "/agent");
    key(&mut a, KeyCode::Enter);
    assert!(
        !a.session().agent_mode()
            && a.error
                .as_deref()
                .is_some_and(|e| e.contains("OPENAI_API_KEY")),
        "no endpoint, no agent mode"
    );
    a.agent.available = true;
    type_str(&mut a, "/agent");
    key(&mut a, KeyCode::Enter);
    assert!(a.session().agent_mode());
    type_str(&mut a, "/direct");
    key(&mut a, KeyCode::Enter);
    assert!(!a.session().agent_mode());
    type_str(&mut a, "/new");
    assert!(key(&mut a, KeyCode::Enter).contains(&Effect::NewThread));
}

#[test]
fn app_server_text_streams_into_the_chat_and_rows() {
    let mut a = app();
    let run = send(&mut a, "Explain the plan");
    for piece in ["The plan ", "has three ", "steps."] {
        codex(
            &mut a,
            run,
            CodexEvent::ItemDelta {
                item_id: "msg_1".into(),
                stream: "agent_message".parse().unwrap(),
                delta: piece.into(),
            },
        );
    }
    codex(
        &mut a,
        run,
        CodexEvent::ItemDelta {
            item_id: "cmd_1".into(),
            stream: "command_output".parse().unwrap(),
            delta: "compiling...\n".into(),
        },
    );
    assert_eq!(
        a.session().chat().back().map(|c| c.text.as_str()),
        Some("The plan has three steps.")
    );
    insta::assert_snapshot!(render(&a, 120, 16));
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item(
                "msg_1",
                ItemKind::AgentMessage {
                    text: "The plan has three steps. Done.".into(),
                },
            ),
        },
    );
    let codex_lines: Vec<&str> = a
        .session()
        .chat()
        .iter()
        .filter(|c| c.who == codexmcp::tui::app::Who::Codex)
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(
        codex_lines,
        ["The plan has three steps. Done."],
        "the final text replaces the stream, once"
    );
}

#[test]
fn every_default_binding_is_reachable_from_a_real_key_event() {
    use codexmcp::tui::keymap::{Action, Keymap};
    use ratatui::crossterm::event::KeyEvent;
    let km = Keymap::default();
    // What terminals send: an upper-case letter comes with SHIFT set.
    let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert!(
        km.is(Action::Bottom, &shift_g),
        "Shift+G jumps to the bottom"
    );
    assert!(!km.is(Action::Top, &shift_g));
    assert!(km.is(
        Action::Top,
        &KeyEvent::new(KeyCode::Char('g'), KeyModifiers::NONE)
    ));
    assert!(km.is(
        Action::Help,
        &KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT)
    ));
    assert!(km.is(
        Action::FocusPrev,
        &KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)
    ));
    assert!(km.is(
        Action::Quit,
        &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
    ));
    assert!(km.is(
        Action::Newline,
        &KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT)
    ));
}

/// `/new` while a turn runs used to do nothing (the agent's lock) or be undone when the turn
/// ended: now it interrupts the turn, and what that turn still reports does not bring the old
/// thread back.
#[test]
fn new_during_a_turn_interrupts_it_and_stays_new() {
    let mut a = app();
    let run = send(&mut a, "first");
    codex(
        &mut a,
        run,
        CodexEvent::ThreadStarted {
            thread_id: "t-old".into(),
        },
    );
    type_str(&mut a, "/new");
    let fx = key(&mut a, KeyCode::Enter);
    assert_eq!(fx, [Effect::NewThread], "the actor interrupts, then resets");
    assert!(a.session().turn().running().is_some_and(|t| t.interrupting));
    // The old turn's last words arrive after /new.
    codex(
        &mut a,
        run,
        CodexEvent::TurnCompleted {
            usage: Usage {
                input_tokens: 5,
                ..Usage::default()
            },
            total: Usage {
                input_tokens: 500,
                ..Usage::default()
            },
        },
    );
    a.update(Msg::TurnDone {
        run,
        outcome: TurnOutcome {
            thread_id: Some("t-old".into()),
            status: TurnStatus::Interrupted,
            total: Usage::default(),
            last_message: None,
        },
    });
    // The actor reset the session once the turn wound down, and says so.
    a.update(Msg::Thread {
        id: None,
        total: Usage::default(),
    });
    assert_eq!(
        a.session().thread_id(),
        None,
        "the interrupted turn did not undo /new"
    );
    assert_eq!(a.session().turn().total().input_tokens, 0);
    assert!(!a.session().is_running());
    type_str(&mut a, "fresh");
    let fx = key(&mut a, KeyCode::Enter);
    assert!(matches!(&fx[..], [Effect::StartTurn { spec, .. }] if spec.resume.is_none()));
}

#[test]
fn export_needs_a_thread_and_then_asks_for_the_transcript() {
    let mut a = app();
    type_str(&mut a, "/export");
    assert!(key(&mut a, KeyCode::Enter).is_empty());
    assert!(render(&a, 120, 24).contains("nothing to export yet"));
    on_a_thread(&mut a);
    type_str(&mut a, "/export");
    assert_eq!(
        key(&mut a, KeyCode::Enter),
        [Effect::Export(
            "01a2112e-cb31-7fd3-b664-466522ce36c8".into()
        )]
    );
    a.update(Msg::Notice("transcript written to /x/transcript.md".into()));
    assert!(render(&a, 120, 24).contains("transcript written to /x/transcript.md"));
}

/// Starts a turn that opens thread `01a2112e-…`: commands that need a thread have one.
pub fn on_a_thread(a: &mut App) {
    let run = send(a, "hi");
    codex(
        a,
        run,
        CodexEvent::ThreadStarted {
            thread_id: "01a2112e-cb31-7fd3-b664-466522ce36c8".into(),
        },
    );
}

//! The TUI without a terminal: messages in, state and snapshots out (fixed-size TestBackend).

use std::path::PathBuf;
use std::time::Instant;

use codexmcp::engine::event::{FileChange, ItemKind, Status};
use codexmcp::engine::{CodexEvent, EngineError, Item, TurnOutcome, TurnStatus, Usage};
use codexmcp::skills::{Scope, Skill};
use codexmcp::tui::Msg;
use codexmcp::tui::app::{App, Effect, Info, Popup};
use codexmcp::tui::keymap::Keymap;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

pub fn app() -> App {
    app_with(|_| {})
}

/// The test app, its session's facts changed by `edit` first (another folder, backend).
pub fn app_with(edit: impl FnOnce(&mut Info)) -> App {
    let mut info = Info {
        backend: "exec".into(),
        model: "gpt-5.5".into(),
        effort: None,
        sandbox: "workspace-write".into(),
        cwd: PathBuf::from("/w/output"),
    };
    edit(&mut info);
    let mut app = App::new(Keymap::default(), info);
    app.now = Instant::now();
    app.skills = vec![
        skill("mcp-skill-smoke", "Smoke test for skill loading"),
        skill("imagegen", "Generate or edit raster images"),
        skill("skill-creator", "Create or update a Codex skill"),
    ];
    app
}

fn skill(name: &str, description: &str) -> Skill {
    Skill {
        name: name.into(),
        description: description.into(),
        path: PathBuf::from(format!("/s/{name}/SKILL.md")),
        scope: Scope::Repo,
    }
}

pub fn press(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    app.update(Msg::Term(Event::Key(KeyEvent::new(code, mods))))
}

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    press(app, code, KeyModifiers::NONE)
}

pub fn type_str(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut app_size = app.size;
    app_size.0 = w;
    t.draw(|f| codexmcp::tui::ui::render(f, app)).unwrap();
    let _ = app_size;
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn item(id: &str, kind: ItemKind) -> Item {
    Item {
        id: id.into(),
        kind,
    }
}

/// Sends a prompt and returns the run id of the turn it started.
pub fn send(app: &mut App, prompt: &str) -> u64 {
    type_str(app, prompt);
    let fx = key(app, KeyCode::Enter);
    match fx.as_slice() {
        [Effect::StartTurn { run, .. }] => *run,
        other => panic!("expected a turn to start, got {other:?}"),
    }
}

/// A Codex event of run `run`, as the session actor forwards it — and, when Codex names the
/// thread, the actor's report of it (the session owns the thread id).
pub fn codex(app: &mut App, run: u64, event: CodexEvent) {
    let named = match &event {
        CodexEvent::ThreadStarted { thread_id } => Some(thread_id.clone()),
        _ => None,
    };
    app.update(Msg::Codex { run, event });
    if let Some(id) = named {
        app.update(Msg::Thread {
            id: Some(id),
            total: Default::default(),
        });
    }
}

/// Prompts go to the agent in the session on screen.
pub fn agent_mode(app: &mut App) {
    app.here(&mut Vec::new(), |s| s.set_agent_mode(true));
}

fn cmd(status: Status, exit: Option<i64>, out: &str) -> ItemKind {
    ItemKind::CommandExecution {
        command: "/bin/bash -lc 'python3 -m http.server'".into(),
        aggregated_output: out.into(),
        exit_code: exit,
        status,
    }
}

#[test]
fn empty_start() {
    insta::assert_snapshot!(render(&app(), 120, 24));
}

#[test]
fn a_running_turn_with_a_command_in_progress() {
    let mut a = app();
    let run = send(&mut a, "Create a snake game with HTML, CSS, and JavaScript");
    codex(
        &mut a,
        run,
        CodexEvent::ThreadStarted {
            thread_id: "01a2112e-cb31-7fd3-b664-466522ce36c8".into(),
        },
    );
    codex(&mut a, run, CodexEvent::TurnStarted);
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item(
                "item_1",
                ItemKind::Reasoning {
                    text: "**Planning** the game layout".into(),
                },
            ),
        },
    );
    codex(
        &mut a,
        run,
        CodexEvent::ItemStarted {
            item: item("item_2", cmd(Status::InProgress, None, "")),
        },
    );
    assert_eq!(
        a.session().thread_id(),
        Some("01a2112e-cb31-7fd3-b664-466522ce36c8")
    );
    insta::assert_snapshot!(render(&a, 120, 24));
}

#[test]
fn a_completed_turn_with_file_changes_marks_the_tree() {
    let mut a = app();
    let run = send(&mut a, "Create a snake game");
    codex(
        &mut a,
        run,
        CodexEvent::ThreadStarted {
            thread_id: "01a2112e-cb31-7fd3-b664-466522ce36c8".into(),
        },
    );
    codex(
        &mut a,
        run,
        CodexEvent::ItemStarted {
            item: item("item_1", cmd(Status::InProgress, None, "")),
        },
    );
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item(
                "item_1",
                cmd(
                    Status::Completed,
                    Some(0),
                    "line 1\nline 2\nline 3\nline 4\nserved",
                ),
            ),
        },
    );
    let changes = vec![
        FileChange {
            path: "/w/output/index.html".into(),
            kind: "add".into(),
            diff: None,
        },
        FileChange {
            path: "/w/output/snake.js".into(),
            kind: "add".into(),
            diff: None,
        },
    ];
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item(
                "item_2",
                ItemKind::FileChange {
                    changes,
                    status: Status::Completed,
                },
            ),
        },
    );
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item(
                "item_3",
                ItemKind::AgentMessage {
                    text: "Open index.html to play.".into(),
                },
            ),
        },
    );
    let usage = Usage {
        input_tokens: 1200,
        output_tokens: 300,
        ..Usage::default()
    };
    codex(
        &mut a,
        run,
        CodexEvent::TurnCompleted {
            usage,
            total: usage,
        },
    );
    a.update(Msg::TurnDone {
        run,
        outcome: TurnOutcome {
            thread_id: None,
            status: TurnStatus::Completed,
            total: usage,
            last_message: None,
        },
    });
    a.update(Msg::Tree {
        entries: codexmcp::tui::files::scan(&fixture_tree(), &Default::default()).0,
        truncated: false,
    });
    assert!(
        a.session()
            .files()
            .is_changed(&PathBuf::from("/w/output/snake.js"))
    );
    assert!(!a.session().is_running());
    insta::assert_snapshot!(render(&a, 120, 24));
}

/// A small folder standing in for output/ (paths in the snapshot are relative to it).
fn fixture_tree() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("codexmcp-tree-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<html>").unwrap();
    std::fs::write(dir.join("snake.js"), "let x;").unwrap();
    dir
}

#[test]
fn errors_show_in_chat_events_and_status_until_dismissed() {
    let mut a = app();
    let run = send(&mut a, "hello");
    codex(
        &mut a,
        run,
        CodexEvent::TurnFailed {
            message: "unexpected status 401 Unauthorized".into(),
        },
    );
    let err = EngineError::Auth {
        detail: "unexpected status 401 Unauthorized".into(),
    };
    a.update(Msg::TurnDone {
        run,
        outcome: TurnOutcome {
            thread_id: None,
            status: TurnStatus::Failed(err),
            total: Usage::default(),
            last_message: None,
        },
    });
    insta::assert_snapshot!(render(&a, 120, 20));
    key(&mut a, KeyCode::Esc);
    assert!(a.error.is_none(), "Esc dismisses the error");
}

#[test]
fn skill_popup_filters_and_inserts() {
    let mut a = app();
    type_str(&mut a, "please run $");
    assert!(
        matches!(a.popup(), Some(Popup::Skills(_))),
        "$ opens the picker"
    );
    type_str(&mut a, "smk");
    let Some(Popup::Skills(p)) = a.popup() else {
        panic!("picker closed")
    };
    assert_eq!(
        p.current().map(|s| s.name.as_str()),
        Some("mcp-skill-smoke")
    );
    insta::assert_snapshot!(render(&a, 100, 20));
    key(&mut a, KeyCode::Tab);
    assert!(a.popup().is_none());
    assert_eq!(
        a.session().prompt().lines()[0],
        "please run $mcp-skill-smoke "
    );
    // Esc closes it and it stays closed for that word; `$` mid-word does not open it.
    type_str(&mut a, "$im");
    key(&mut a, KeyCode::Esc);
    assert!(a.popup().is_none());
    type_str(&mut a, "a");
    assert!(a.popup().is_none());
    type_str(&mut a, " x$");
    assert!(a.popup().is_none());
}

#[test]
fn resume_picker_filters_sessions() {
    let mut a = app();
    type_str(&mut a, "/resume");
    assert_eq!(key(&mut a, KeyCode::Enter), [Effect::ListSessions]);
    let rec = |id: &str, title: &str| codexmcp::session::SessionRecord {
        id: id.into(),
        title: title.into(),
        cwd: "/w/output".into(),
        backend: "exec".into(),
        created_ms: 0,
        updated_ms: 0,
        usage: Usage {
            input_tokens: 1500,
            ..Usage::default()
        },
        turns: 1,
        policy: None,
        rewind: Default::default(),
    };
    a.update(Msg::Sessions(vec![
        rec(
            "01a2112e-cb31-7fd3-b664-466522ce36c8",
            "Create a snake game",
        ),
        rec(
            "01a2112e-cb31-7fd3-b664-466522ce36c9",
            "CSV to JSON converter",
        ),
    ]));
    type_str(&mut a, "csv");
    let out = render(&a, 120, 20).replace(|c: char| c.is_ascii_digit(), "0");
    insta::assert_snapshot!(out);
    assert_eq!(
        key(&mut a, KeyCode::Enter),
        [Effect::LoadTranscript(
            "01a2112e-cb31-7fd3-b664-466522ce36c9".into()
        )]
    );
    // Text that is not an id searches the stored transcripts.
    type_str(&mut a, "/resume not-an-id");
    assert_eq!(
        key(&mut a, KeyCode::Enter),
        [Effect::SearchSessions("not-an-id".into())]
    );
}

#[test]
fn narrow_terminals_collapse_the_tree() {
    let mut a = app();
    let run = send(&mut a, "hi");
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item(
                "item_1",
                ItemKind::AgentMessage {
                    text: "Hello! A fairly long answer that has to wrap in a narrow pane.".into(),
                },
            ),
        },
    );
    insta::assert_snapshot!(render(&a, 60, 20));
}

#[test]
fn hostile_output_is_sanitized() {
    let mut a = app();
    let run = send(&mut a, "hi");
    let evil = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\ttab 日本語 \u{9b}31m";
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item("item_1", cmd(Status::Completed, Some(0), evil)),
        },
    );
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item("item_2", ItemKind::AgentMessage { text: evil.into() }),
        },
    );
    let screen = render(&a, 120, 20);
    assert!(!screen.contains('\x1b') && !screen.contains('\x07') && !screen.contains('\u{9b}'));
    insta::assert_snapshot!(screen);
}

/// The file watcher reports changes, not reads: the tree's own rescan opens every folder,
/// and counting those opens kept an idle TUI rescanning four times a second.
#[tokio::test]
async fn the_tree_watcher_ignores_its_own_rescans() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let tx = codexmcp::tui::TabTx::new(0, tx);
    let _watcher = codexmcp::tui::files::watch(dir.path(), tx).expect("a watcher");
    let expanded = [dir.path().join("sub")].into_iter().collect();
    for _ in 0..3 {
        let (entries, _) = codexmcp::tui::files::scan(dir.path(), &expanded);
        assert_eq!(entries.len(), 1);
        let _ = std::fs::read_dir(dir.path().join("sub")).unwrap().count();
    }
    // The watcher batches for 250 ms: a report would have come by now.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(
        rx.try_recv().is_err(),
        "reading the tree must not look like a change"
    );
    std::fs::write(dir.path().join("sub/new.txt"), "x").unwrap();
    let got = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await;
    assert!(
        matches!(got, Ok(Some(Msg::Tab { msg, .. })) if matches!(*msg, Msg::FilesChanged)),
        "a real change is reported"
    );
}

#[test]
fn a_capped_tree_says_it_is_partial() {
    let mut a = app();
    let entries = codexmcp::tui::files::scan(&fixture_tree(), &Default::default()).0;
    a.update(Msg::Tree {
        entries: entries.clone(),
        truncated: false,
    });
    assert!(!render(&a, 120, 24).contains("(first "));
    a.update(Msg::Tree {
        entries,
        truncated: true,
    });
    let screen = render(&a, 120, 24);
    assert!(
        screen.contains(&format!("(first {})", codexmcp::tui::files::MAX_ENTRIES)),
        "{screen}"
    );
}

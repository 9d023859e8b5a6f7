//! What the App draws from Codex's words: Markdown rendered in the chat and the events pane,
//! and command output's colours as cell styles — never as bytes on the screen.

use codexmcp::engine::CodexEvent;
use codexmcp::engine::event::{ItemKind, Status};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::tui::{app, codex, item, render, send};

fn buffer(a: &codexmcp::tui::app::App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| codexmcp::tui::ui::render(f, a)).unwrap();
    t.backend().buffer().clone()
}

/// Codex finished item `id` of `run`.
fn done(a: &mut codexmcp::tui::app::App, run: u64, id: &str, kind: ItemKind) {
    codex(
        a,
        run,
        CodexEvent::ItemCompleted {
            item: item(id, kind),
        },
    );
}

/// The cell where `needle` starts on screen.
fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    let area = buf.area;
    for y in 0..area.height {
        let row: Vec<String> = (0..area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        let line = row.concat();
        if let Some(byte) = line.find(needle) {
            let col = line[..byte].chars().count() as u16;
            return (col, y);
        }
    }
    panic!("{needle:?} not on screen")
}

#[test]
fn command_output_keeps_its_colours_as_styles() {
    let mut a = app();
    let run = send(&mut a, "test it");
    let out = "\x1b[1;31mFAILED\x1b[0m 1 test\n\x1b[32mpassed\x1b[0m 9 tests\x1b]0;t\x07";
    done(
        &mut a,
        run,
        "item_1",
        ItemKind::CommandExecution {
            command: "cargo test".into(),
            aggregated_output: out.into(),
            exit_code: Some(101),
            status: Status::Failed,
        },
    );
    let buf = buffer(&a, 140, 24);
    let (x, y) = find(&buf, "FAILED");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    let (x, y) = find(&buf, "passed");
    assert_eq!(buf[(x, y)].fg, Color::Green);
    let (x, y) = find(&buf, "9 tests");
    assert_eq!(
        buf[(x, y)].fg,
        Color::DarkGray,
        "uncoloured output stays dim"
    );
    let screen = render(&a, 140, 24);
    assert!(
        !screen.contains('\x1b') && !screen.contains('\x07'),
        "{screen}"
    );
    assert!(
        screen.contains("␛]0;t␇"),
        "other sequences still shown: {screen}"
    );
}

#[test]
fn answers_and_reasoning_read_as_rendered_markdown() {
    let mut a = app();
    let run = send(&mut a, "plan");
    done(
        &mut a,
        run,
        "item_0",
        ItemKind::Reasoning {
            text: "**Choosing** a `Vec`".into(),
        },
    );
    done(
        &mut a,
        run,
        "item_1",
        ItemKind::AgentMessage {
            text: "## Done\n\nUse **`cargo run`**:\n\n- one\n- two\n\n```sh\nls -la\n```".into(),
        },
    );
    let buf = buffer(&a, 140, 30);
    let screen = render(&a, 140, 30);
    for raw in ["**", "`", "## ", "```"] {
        assert!(!screen.contains(raw), "{raw:?} on screen:\n{screen}");
    }
    assert!(screen.contains("Choosing a Vec"), "{screen}");
    assert!(
        screen.contains("• one") && screen.contains("ls -la"),
        "{screen}"
    );
    let (x, y) = find(&buf, "cargo run");
    assert!(
        buf[(x, y)].modifier.contains(Modifier::BOLD),
        "bold inline code"
    );
    let (x, y) = find(&buf, "Done");
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD), "a heading");
}

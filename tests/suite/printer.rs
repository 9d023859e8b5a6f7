//! The human output of `codexmcp exec`, snapshotted from real captured streams.

use std::path::{Path, PathBuf};

use codexmcp::engine::jsonl::ExecParser;
use codexmcp::headless::HumanPrinter;

fn render(name: &str, color: bool) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exec/0.169.0")
        .join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(path).expect("fixture");
    let mut parser = ExecParser::default();
    let mut printer = HumanPrinter::new(color, PathBuf::from("/nowhere"));
    text.lines()
        .filter_map(|l| printer.line(&parser.parse_str(l)))
        // Durations depend on the clock; the thread id on the capture.
        .map(|l| regex_free_scrub(&l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces `, 0.0s)` style durations and the thread id with placeholders.
fn regex_free_scrub(line: &str) -> String {
    let mut out = line.to_string();
    if let Some(i) = out.find("s)")
        && let Some(start) = out[..i].rfind(", ")
    {
        out.replace_range(start + 2..i + 1, "<t>");
    }
    if out.starts_with("thread ") {
        out = "thread <id>".into();
    }
    out
}

#[test]
fn reasoning_and_commands() {
    insta::assert_snapshot!(render("reasoning_command", false));
}

#[test]
fn failed_command() {
    insta::assert_snapshot!(render("command_failed", false));
}

#[test]
fn patches_and_failures() {
    insta::assert_snapshot!(render("patch_add_update_delete", false));
    insta::assert_snapshot!(render("retry_then_fail", false));
}

#[test]
fn colour_only_when_asked() {
    assert!(render("message", true).contains("\x1b["));
    assert!(!render("message", false).contains('\x1b'));
}

#[test]
fn hostile_text_is_sanitized_in_every_line() {
    let mut parser = ExecParser::default();
    let mut printer = HumanPrinter::new(false, PathBuf::from("/w"));
    let line = r#"{"type":"item.completed","item":{"id":"i","type":"command_execution","command":"echo \u001b]52;c;aGk=\u0007x","aggregated_output":"\u001b[31mred\u001b[0m\n\u001b[2Jclear","exit_code":0,"status":"completed"}}"#;
    let out = printer.line(&parser.parse_str(line)).expect("a line");
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
    assert!(
        out.contains("echo ␛]52;c;aGk=␇x") && out.contains("red") && out.contains("clear"),
        "{out:?}"
    );
}

/// The meters reported during a turn close its token line: the context window's fill and the
/// rate limits, red at 90 % and over.
#[test]
fn the_turn_ends_with_the_meters() {
    use codexmcp::engine::CodexEvent;
    use codexmcp::engine::event::{RateWindow, Usage};
    let usage = Usage {
        input_tokens: 900,
        output_tokens: 100,
        ..Usage::default()
    };
    let events = [
        CodexEvent::UsageUpdated {
            total: usage,
            context_tokens: 1000,
            context_window: Some(10_000),
        },
        CodexEvent::RateLimits {
            windows: vec![RateWindow {
                name: "primary".into(),
                used_percent: 93.0,
                window_minutes: Some(300),
                resets_at: None,
            }],
        },
        CodexEvent::TurnCompleted {
            usage,
            total: usage,
        },
    ];
    let print = |color: bool| {
        let mut printer = HumanPrinter::new(color, PathBuf::from("/nowhere"));
        events
            .iter()
            .filter_map(|e| printer.line(e))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        print(false),
        "tokens: 900 in (0 cached), 100 out; thread total 1000\nctx 1.0k/10.0k 10%  limits 5h 93%"
    );
    assert!(
        print(true).contains("\x1b[31mlimits 5h 93%"),
        "{:?}",
        print(true)
    );
}

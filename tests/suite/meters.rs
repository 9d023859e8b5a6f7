//! The meters on every backend: Codex's `token_count` record read from a rollout and from
//! the old MCP server's message, and the meters' wording and warning levels.

use codexmcp::engine::CodexEvent;
use codexmcp::engine::event::{RateWindow, Usage};
use codexmcp::engine::token_count::{events, last_record, message, rollout_path};
use codexmcp::present::meters::{Level, context, limits};
use serde_json::json;

#[test]
fn a_record_gives_the_context_and_the_limits() {
    let payload = json!({
        "type": "token_count",
        "info": {
            "last_token_usage": {"input_tokens": 900, "output_tokens": 100, "total_tokens": 1000},
            "model_context_window": 258400
        },
        "rate_limits": {"primary": {"used_percent": 91.0, "window_minutes": 300}, "secondary": null}
    });
    let got = events(&payload, Usage::default());
    assert_eq!(
        got[0],
        CodexEvent::UsageUpdated {
            total: Usage::default(),
            context_tokens: 1000,
            context_window: Some(258400)
        }
    );
    let CodexEvent::RateLimits { windows } = &got[1] else {
        panic!("{got:?}")
    };
    assert_eq!(windows.len(), 1);
    assert_eq!(
        (windows[0].used_percent, windows[0].window_minutes),
        (91.0, Some(300))
    );
}

#[test]
fn hostile_numbers_are_clamped_and_an_empty_record_says_nothing() {
    let payload = json!({"info": null, "rate_limits": {"primary": {"used_percent": 1e9}}});
    let got = events(&payload, Usage::default());
    let [CodexEvent::RateLimits { windows }] = got.as_slice() else {
        panic!("{got:?}")
    };
    assert_eq!(windows[0].used_percent, 100.0);
    assert!(
        events(
            &json!({"info": null, "rate_limits": null}),
            Usage::default()
        )
        .is_empty()
    );
    // A per-turn summary (no window key) leaves the context meter alone.
    let summary = json!({"info": {"last_token_usage": {"total_tokens": 5}}});
    assert!(events(&summary, Usage::default()).is_empty());
}

#[test]
fn meter_events_survive_the_old_servers_message() {
    let total = Usage {
        input_tokens: 70,
        output_tokens: 30,
        ..Usage::default()
    };
    let sent = [
        CodexEvent::UsageUpdated {
            total,
            context_tokens: 40,
            context_window: Some(1000),
        },
        CodexEvent::RateLimits {
            windows: vec![RateWindow {
                name: "secondary".into(),
                used_percent: 12.0,
                window_minutes: Some(10080),
                resets_at: Some(1_900_000_000),
            }],
        },
    ];
    for event in sent {
        let msg = message(&event).unwrap();
        assert_eq!(events(&msg, total), vec![event]);
    }
    assert_eq!(message(&CodexEvent::TurnStarted), None);
}

#[test]
fn the_last_whole_record_of_the_newest_rollout_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let id = "01a21139-70ba-7000-8000-000000000001";
    let day = dir.path().join("2026/11/29");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::create_dir_all(dir.path().join("2026/11/28")).unwrap();
    let file = day.join(format!("rollout-2026-11-29T03-44-14-{id}.jsonl"));
    let record = |n: u64| {
        json!({"type": "event_msg", "payload": {"type": "token_count",
            "info": {"last_token_usage": {"total_tokens": n}}}})
        .to_string()
    };
    let text = format!(
        "{}\n{}\n{{\"type\":\"event_msg\",\"payload\":{{\"type\":\"token_co",
        record(1),
        record(2)
    );
    std::fs::write(&file, text).unwrap();
    assert_eq!(rollout_path(dir.path(), id), Some(file.clone()));
    assert_eq!(rollout_path(dir.path(), "another"), None);
    assert_eq!(rollout_path(dir.path(), ""), None);
    let got = last_record(&file).unwrap();
    assert_eq!(got["info"]["last_token_usage"]["total_tokens"], 2);
}

fn window(name: &str, used: f64, minutes: Option<u64>) -> RateWindow {
    RateWindow {
        name: name.into(),
        used_percent: used,
        window_minutes: minutes,
        resets_at: None,
    }
}

#[test]
fn meters_read_and_warn() {
    assert_eq!(
        context(41_000, Some(258_000)),
        ("ctx 41.0k/258.0k 16%".into(), Level::Calm)
    );
    assert_eq!(context(800, None), ("ctx 800".into(), Level::Calm));
    assert_eq!(context(80, Some(100)).1, Level::Near);
    let got = limits(&[window("primary", 91.0, Some(300)), window("x", 5.0, None)]);
    assert_eq!(got, Some(("limits 5h 91% · x 5%".into(), Level::Over)));
    assert_eq!(limits(&[]), None);
    let hostile = limits(&[window("\u{1b}[2Jevil", 1.0, Some(10_080))]).unwrap();
    assert_eq!(hostile.0, "limits 7d 1%");
    let named = limits(&[window("\u{1b}[2Jevil", 1.0, None)]).unwrap();
    assert!(!named.0.contains('\u{1b}'), "{named:?}");
}

//! The exec JSONL parser on streams captured from real Codex 0.153, 0.169 and 0.171 runs
//! (`tests/fixtures/exec`), and on hostile input.

use std::path::Path;

use codexmcp::engine::event::{CodexEvent, ItemKind, Status};
use codexmcp::engine::jsonl::{ExecParser, LineReader, MAX_LINE};

fn parse_fixture(version: &str, name: &str) -> Vec<CodexEvent> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exec")
        .join(version)
        .join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut p = ExecParser::default();
    text.lines().map(|l| p.parse_str(l)).collect()
}

const SCENARIOS: &[&str] = &[
    "message",
    "reasoning_command",
    "command_failed",
    "patch_add_update_delete",
    "http_500",
    "retry_then_fail",
    "resume",
    "web_search",
];

#[test]
fn every_captured_line_of_every_version_is_understood() {
    for version in ["0.153.0", "0.169.0", "0.171.0"] {
        for name in SCENARIOS {
            let events = parse_fixture(version, name);
            assert!(!events.is_empty(), "{version}/{name} is empty");
            assert!(
                matches!(events[0], CodexEvent::ThreadStarted { .. }),
                "{version}/{name} starts with thread.started"
            );
            for e in &events {
                let unknown =
                    matches!(e, CodexEvent::Unknown { .. } | CodexEvent::Malformed { .. })
                        || e.item()
                            .is_some_and(|i| matches!(i.kind, ItemKind::Other { .. }));
                assert!(!unknown, "{version}/{name}: not understood: {e:?}");
            }
        }
    }
}

#[test]
fn every_version_produces_the_same_event_shapes() {
    let shape = |events: Vec<CodexEvent>| -> Vec<String> {
        events
            .iter()
            .map(|e| {
                serde_json::to_value(e)
                    .map(|v| format!("{}:{}", v["type"], v["item"]["kind"]))
                    .unwrap_or_default()
            })
            .collect()
    };
    for name in SCENARIOS {
        let pinned = shape(parse_fixture("0.171.0", name));
        for older in ["0.153.0", "0.169.0"] {
            assert_eq!(shape(parse_fixture(older, name)), pinned, "{older}/{name}");
        }
    }
}

#[test]
fn commands_patches_and_failures_carry_their_payloads() {
    let events = parse_fixture("0.169.0", "command_failed");
    let failed = events
        .iter()
        .filter(|e| matches!(e, CodexEvent::ItemCompleted { .. }))
        .filter_map(CodexEvent::item)
        .find_map(|i| match &i.kind {
            ItemKind::CommandExecution {
                exit_code,
                status,
                command,
                ..
            } => Some((*exit_code, *status, command.clone())),
            _ => None,
        });
    let (code, status, command) = failed.expect("a command item");
    assert_eq!((code, status), (Some(2), Status::Failed));
    assert!(command.contains("ls /nonexistent"), "{command}");

    let events = parse_fixture("0.169.0", "patch_add_update_delete");
    let kinds: Vec<String> = events
        .iter()
        .filter(|e| matches!(e, CodexEvent::ItemCompleted { .. }))
        .filter_map(CodexEvent::item)
        .filter_map(|i| match &i.kind {
            ItemKind::FileChange { changes, .. } => Some(
                changes
                    .iter()
                    .map(|c| c.kind.clone())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["add", "update", "delete"]);

    let events = parse_fixture("0.169.0", "retry_then_fail");
    assert!(
        matches!(&events[3], CodexEvent::Error { message } if message.starts_with("Reconnecting... 1/1"))
    );
    assert!(
        matches!(events.last(), Some(CodexEvent::TurnFailed { message }) if message.contains("stream disconnected"))
    );
}

#[test]
fn web_search_keeps_both_ids() {
    for version in ["0.153.0", "0.169.0", "0.171.0"] {
        let events = parse_fixture(version, "web_search");
        let search = events
            .iter()
            .filter(|e| matches!(e, CodexEvent::ItemCompleted { .. }))
            .filter_map(CodexEvent::item)
            .find_map(|i| match &i.kind {
                ItemKind::WebSearch {
                    search_id, query, ..
                } => Some((i.id.clone(), search_id.clone(), query.clone())),
                _ => None,
            });
        let (id, search_id, query) =
            search.unwrap_or_else(|| panic!("{version}: no web_search item"));
        assert!(id.starts_with("item_"), "{version}: item id kept: {id}");
        assert_eq!(search_id.as_deref(), Some("ws_1"), "{version}");
        assert_eq!(query, "rust tui");
    }
}

#[test]
fn usage_per_turn_is_derived_from_the_cumulative_total() {
    let mut p = ExecParser::default();
    let line = |n: u64| {
        format!(
            r#"{{"type":"turn.completed","usage":{{"input_tokens":{n},"cached_input_tokens":0,"output_tokens":{}}}}}"#,
            n / 2
        )
    };
    let totals: Vec<(u64, u64)> = [10, 20, 30]
        .iter()
        .map(|&n| match p.parse_str(&line(n)) {
            CodexEvent::TurnCompleted { usage, total } => (usage.input_tokens, total.input_tokens),
            e => panic!("{e:?}"),
        })
        .collect();
    assert_eq!(totals, [(10, 10), (10, 20), (10, 30)]);
    // Older CLIs omit fields: they count as zero.
    match ExecParser::default()
        .parse_str(r#"{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":1}}"#)
    {
        CodexEvent::TurnCompleted { usage, .. } => {
            assert_eq!((usage.input_tokens, usage.cache_write_input_tokens), (5, 0))
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn garbage_and_unknown_types_become_events_not_panics() {
    let mut p = ExecParser::default();
    let cases = [
        ("not json at all", "malformed"),
        (
            "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_1\",\"type\":\"agent_mess",
            "malformed",
        ),
        ("[1,2,3]", "malformed"),
        ("{\"no_type\":1}", "malformed"),
        ("{\"type\":\"thread.started\"}", "malformed"),
        ("{\"type\":\"turn.exploded\",\"x\":1}", "unknown"),
        (
            "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_9\",\"type\":\"hologram\",\"beam\":true}}",
            "item.completed",
        ),
        ("", "malformed"),
    ];
    for (line, want) in cases {
        let v = serde_json::to_value(p.parse_str(line)).expect("serializes");
        assert_eq!(v["type"], want, "{line:?} -> {v}");
    }
    let other = p.parse_str("{\"type\":\"item.completed\",\"item\":{\"id\":\"item_9\",\"type\":\"hologram\",\"beam\":true}}");
    assert!(
        matches!(other.item().map(|i| &i.kind), Some(ItemKind::Other { item_type, raw }) if item_type == "hologram" && raw["beam"] == true)
    );
}

#[test]
fn invalid_utf8_and_escape_sequences_survive_parsing() {
    let mut bytes =
        br#"{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"bad "#
            .to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(br#" \u001b[2J\u001b]0;pwned\u0007 end"}}"#);
    let line = codexmcp::engine::jsonl::Line {
        bytes,
        truncated: false,
    };
    let ev = ExecParser::default().parse_line(&line);
    let Some(ItemKind::AgentMessage { text }) = ev.item().map(|i| i.kind.clone()) else {
        panic!("{ev:?}")
    };
    assert!(
        text.contains('\u{fffd}') && text.contains('\x1b'),
        "kept verbatim in the event: {text:?}"
    );
    let shown = codexmcp::text::sanitize(&text);
    assert!(
        !shown.contains('\x1b') && !shown.contains('\x07') && shown.ends_with(" end"),
        "{shown:?}"
    );
}

#[tokio::test]
async fn a_50_mb_line_is_truncated_and_the_stream_goes_on() {
    let mut data = Vec::with_capacity(51 * 1024 * 1024);
    data.extend_from_slice(br#"{"type":"turn.started"}"#);
    data.push(b'\n');
    data.extend_from_slice(
        br#"{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":""#,
    );
    data.resize(data.len() + 50 * 1024 * 1024, b'x');
    data.extend_from_slice(b"\"}}\n");
    data.extend_from_slice(
        br#"{"type":"turn.completed","usage":{"input_tokens":1,"output_tokens":1}}"#,
    ); // no final newline
    let mut reader = LineReader::new(&data[..]);
    let mut parser = ExecParser::default();
    let mut events = Vec::new();
    while let Some(line) = reader.next_line().await.expect("read") {
        assert!(line.bytes.len() <= MAX_LINE);
        events.push(parser.parse_line(&line));
    }
    assert_eq!(events.len(), 3);
    assert!(matches!(events[0], CodexEvent::TurnStarted));
    assert!(
        matches!(&events[1], CodexEvent::Malformed { reason, line } if reason.contains("truncated") && line.len() < 1024)
    );
    assert!(matches!(events[2], CodexEvent::TurnCompleted { .. }));
}

#[tokio::test]
async fn crlf_and_tiny_buffers_frame_correctly() {
    let data = b"{\"type\":\"turn.started\"}\r\n\n{\"type\":\"turn.started\"}\n";
    let mut reader = LineReader::with_limit(tokio::io::BufReader::with_capacity(3, &data[..]), 64);
    let mut lines = Vec::new();
    while let Some(l) = reader.next_line().await.expect("read") {
        lines.push(String::from_utf8(l.bytes).expect("utf8"));
    }
    assert_eq!(
        lines,
        [
            "{\"type\":\"turn.started\"}",
            "",
            "{\"type\":\"turn.started\"}"
        ]
    );
}

/// What a real app-server (0.169.0 and 0.171.0, `tests/fixtures/app-server/`) sends during a
/// turn, through the decoder: every turn completes, the versions agree event for event, and
/// the declined file change is seen as declined.
#[test]
fn captured_app_server_turns_decode_alike_on_every_version() {
    use codexmcp::engine::app_server_events::Decoder;
    let decode = |version: &str, name: &str| -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/app-server")
            .join(version)
            .join(format!("{name}.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut decoder = Decoder::new(Default::default());
        let mut out = Vec::new();
        for line in text.lines() {
            let msg: serde_json::Value = serde_json::from_str(line).unwrap();
            // Notifications only: responses have no method, server requests have an id too.
            let (Some(method), None) = (msg["method"].as_str(), msg.get("id")) else {
                continue;
            };
            for ev in decoder.decode(method, &msg["params"]) {
                let v = serde_json::to_value(&ev).unwrap();
                out.push(format!(
                    "{}:{}:{}",
                    v["type"], v["item"]["kind"], v["item"]["status"]
                ));
            }
        }
        assert!(
            out.last().is_some_and(|l| l.contains("turn.completed")),
            "{version}/{name}: {out:?}"
        );
        out
    };
    for name in ["message", "command", "approval"] {
        let pinned = decode("0.171.0", name);
        // The command's output delta comes or not with how the shell chunks its output.
        let strip = |v: Vec<String>| -> Vec<String> {
            v.into_iter()
                .filter(|l| !l.contains("item.delta"))
                .collect()
        };
        assert_eq!(
            strip(decode("0.169.0", name)),
            strip(pinned.clone()),
            "{name}"
        );
        if name == "approval" {
            assert!(
                pinned
                    .iter()
                    .any(|l| l.contains("file_change") && l.contains("declined")),
                "{pinned:?}"
            );
        }
    }
}

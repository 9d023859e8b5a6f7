//! An MCP client gets what the deployer allows and nothing more: one policy gate for every
//! call, whether its settings come from its arguments, the server's defaults, or a stored
//! thread it continues (which another front end may have started with wider settings).

use serde_json::{Value, json};

use crate::support::codex::Sandbox;
use crate::support::mcp_raw::RawMcp;
use crate::support::mock_openai::MockServer;

async fn serve(sbx: &Sandbox, args: &[&str]) -> RawMcp {
    let cmd = sbx.codexmcp(&[&["mcp-server"], args].concat());
    RawMcp::start(tokio::process::Command::from(cmd)).await
}

async fn call(mcp: &mut RawMcp, id: i64, tool: &str, args: Value) -> Value {
    mcp.call(id, tool, args).await;
    mcp.response(id, 90).await["result"].clone()
}

fn refused(r: &Value, needle: &str) {
    assert_eq!(r["isError"], true, "{r}");
    let text = r["content"][0]["text"].as_str().unwrap_or_default();
    assert!(text.contains(needle), "{needle:?} not in {text:?}");
}

fn stored_sandbox(sbx: &Sandbox, thread: &str) -> String {
    let meta = sbx
        .root
        .path()
        .join("data/codexmcp/sessions")
        .join(thread)
        .join("meta.json");
    let v: Value = serde_json::from_slice(&std::fs::read(meta).unwrap()).unwrap();
    v["policy"]["sandbox"].as_str().unwrap().to_string()
}

/// `--max-sandbox read-only --allow-cwd DIR` holds: a call that names no sandbox runs
/// read-only (the server's own default no longer widens it), one that asks for more is refused
/// naming the flag, a cwd outside (also through a link inside) is refused, and a server
/// started with `-s` beyond its own maximum does not start at all.
#[tokio::test]
async fn an_explicit_limit_is_the_default_and_cannot_be_widened() {
    let server = MockServer::start(vec![]).await;
    let sbx = Sandbox::new(&server.base_url());
    let out = sbx.output();
    std::fs::create_dir_all(&out).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), out.join("escape")).unwrap();

    let bad = sbx
        .run(&[
            "mcp-server",
            "-s",
            "workspace-write",
            "--max-sandbox",
            "read-only",
        ])
        .await;
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("wider than --max-sandbox read-only"),
        "{}",
        bad.stderr
    );

    let dir = out.to_str().unwrap();
    let mut mcp = serve(&sbx, &["--max-sandbox", "read-only", "--allow-cwd", dir]).await;
    let r = call(&mut mcp, 1, "codex", json!({"prompt": "look around"})).await;
    assert_eq!(r["isError"], false, "{r}");
    let thread = r["structuredContent"]["threadId"].as_str().unwrap();
    assert_eq!(stored_sandbox(&sbx, thread), "read-only");

    let asked = server.requests().len();
    let r = call(
        &mut mcp,
        2,
        "codex",
        json!({"prompt": "x", "sandbox": "workspace-write"}),
    )
    .await;
    refused(&r, "--max-sandbox workspace-write");
    let r = call(
        &mut mcp,
        3,
        "codex",
        json!({"prompt": "x", "cwd": sbx.work()}),
    )
    .await;
    refused(&r, "--allow-cwd");
    let escape = out.join("escape");
    let r = call(&mut mcp, 4, "codex", json!({"prompt": "x", "cwd": escape})).await;
    refused(&r, "--allow-cwd");
    assert_eq!(
        server.requests().len(),
        asked,
        "nothing refused reached the model"
    );
}

/// Threads another front end started with wider settings — `danger-full-access`, another
/// folder, a config key clients may not set — cannot be continued through `codex-reply`: each
/// is refused naming the limit, before Codex starts. A thread within the limits continues.
#[tokio::test]
async fn codex_reply_holds_a_stored_thread_to_the_limits() {
    let server = MockServer::start(vec![]).await;
    let sbx = Sandbox::new(&server.base_url());
    let elsewhere = sbx.root.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let thread = |args: Vec<String>| {
        let sbx = &sbx;
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = sbx.run(&args).await;
            assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
            run.thread_id()
        }
    };
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let full = thread(words(&["exec", "--json", "-s", "danger-full-access", "x"])).await;
    let far = thread(words(&[
        "exec",
        "--json",
        "-C",
        elsewhere.to_str().unwrap(),
        "x",
    ]))
    .await;
    let keyed = thread(words(&[
        "exec",
        "--json",
        "-c",
        "tools.web_search=false",
        "x",
    ]))
    .await;
    let fine = thread(words(&["exec", "--json", "x"])).await;

    let mut mcp = serve(&sbx, &[]).await;
    let asked = server.requests().len();
    let reply = |id: &str| json!({"prompt": "go on", "threadId": id});
    let r = call(&mut mcp, 1, "codex-reply", reply(&full)).await;
    refused(&r, "--max-sandbox danger-full-access");
    let r = call(&mut mcp, 2, "codex-reply", reply(&far)).await;
    refused(&r, "--allow-cwd");
    let r = call(&mut mcp, 3, "codex-reply", reply(&keyed)).await;
    refused(&r, "--allow-config tools.web_search");
    assert_eq!(
        server.requests().len(),
        asked,
        "no refused thread reached the model"
    );
    let r = call(&mut mcp, 4, "codex-reply", reply(&fine)).await;
    assert_eq!(r["isError"], false, "{r}");
    assert_eq!(r["structuredContent"]["threadId"], fine.as_str());
}

//! `codexmcp mcp-server` as the way any agent delegates to Codex: warm by default (one
//! app-server, threads let go of between calls), every tool (`codex-sessions`, `codex-diff`,
//! `codex-fork`, `codex-review`, `codex-undo`, `codex-redo` beside `codex` / `codex-reply`),
//! approvals as elicitations, streamable HTTP behind a bearer token — each driven by clients this project did not write: the official
//! Python and TypeScript MCP SDKs, and Codex itself.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};

use super::mcp::{interop, python};
use crate::support::codex::{Sandbox, codexmcp_bin, output, procs_with_cmdline, wait_for};
use crate::support::mcp_raw::RawMcp;
use crate::support::mock_openai::{MockServer, Step};

/// Runs `program args` with the sandbox's environment; its last stdout line as JSON.
async fn client(sbx: &Sandbox, program: PathBuf, args: Vec<String>, env: &[(&str, &str)]) -> Value {
    let base = sbx.codexmcp(&[]);
    let mut cmd = std::process::Command::new(&program);
    cmd.args(&args).current_dir(sbx.work());
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.envs(env.iter().copied());
    let run = output(cmd).await;
    assert_eq!(
        run.code,
        Some(0),
        "{program:?} {args:?}:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    serde_json::from_str(run.stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn node_sdk() -> PathBuf {
    let sdk = interop("node/node_modules/@modelcontextprotocol/sdk");
    assert!(
        sdk.is_dir(),
        "{} is missing: run scripts/test.sh (npm ci)",
        sdk.display()
    );
    interop("node/ts_client.mjs")
}

/// A file under $HOME, outside every root Codex may write: writing it needs an approval.
fn outside(tag: &str) -> PathBuf {
    let dir = PathBuf::from(std::env::var("HOME").unwrap())
        .join(format!(".codexmcp-mcp-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("outside.txt")
}

/// A turn that asks to write `target` (approval) and then writes `inside.txt` in its folder.
fn asking_turn(target: &Path) -> Vec<Step> {
    vec![
        Step::shell(&format!(
            "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: {}\n+approved\n*** End Patch\nEOF",
            target.display()
        )),
        Step::shell("printf 'in\\n' > inside.txt"),
        Step::message("wrote both"),
        // codex-review of that turn.
        Step::message(&super::verbs::review_answer()),
    ]
}

fn tools_script(args: Vec<String>) -> Vec<String> {
    let mut all = vec![interop("mcp_sdk_tools.py").display().to_string()];
    all.extend(args);
    all
}

/// Every check of one run of `mcp_sdk_tools.py` that answered its approval.
fn check_tools_report(r: &Value, sbx: &Sandbox, target: &Path) {
    assert_eq!(
        r["tools"],
        json!([
            "codex",
            "codex-diff",
            "codex-fork",
            "codex-redo",
            "codex-reply",
            "codex-review",
            "codex-sessions",
            "codex-undo"
        ]),
        "{r}"
    );
    assert!(
        !r["asked"].as_array().unwrap().is_empty(),
        "an elicitation came: {r}"
    );
    assert!(
        r["asked"][0].as_str().unwrap().contains("outside.txt"),
        "the question names the change: {r}"
    );
    assert_eq!(std::fs::read_to_string(target).unwrap(), "approved\n");
    let codex = &r["codex"]["structured"];
    assert_eq!(codex["content"], "wrote both", "{r}");
    assert!(
        codex["usage"]["output_tokens"].as_u64().unwrap() > 0,
        "{codex}"
    );
    assert_eq!(codex["changedFiles"][0]["path"], "inside.txt", "{codex}");
    let thread = codex["threadId"].as_str().unwrap();
    let sessions = r["sessions"]["structured"]["sessions"].as_array().unwrap();
    assert!(sessions.iter().any(|s| s["threadId"] == thread), "{r}");
    let diff = &r["diff"]["structured"];
    assert_eq!(
        (diff["turn"].as_u64(), diff["turns"].as_u64()),
        (Some(1), Some(1)),
        "{diff}"
    );
    assert!(diff["diff"].as_str().unwrap().contains("+in"), "{diff}");
    let fork = &r["fork"]["structured"];
    assert_eq!(
        (fork["fromThreadId"].as_str(), fork["atTurn"].as_u64()),
        (Some(thread), Some(1)),
        "{r}"
    );
    assert!(
        fork["threadId"].as_str().is_some_and(|t| t != thread),
        "{r}"
    );
    let review = &r["review"]["structured"];
    assert_eq!(
        review["findings"][0]["title"], "[P1] Division by zero",
        "{r}"
    );
    assert_eq!(review["findings"][0]["line"], 2, "{r}");
    assert_eq!(r["undo"]["isError"], false, "{r}");
    assert!(
        r["undo"]["structured"]["report"]
            .as_str()
            .unwrap()
            .contains("inside.txt"),
        "{r}"
    );
    let undone = &r["undo"]["structured"];
    assert_eq!(
        (undone["turn"].as_u64(), &undone["removed"]),
        (Some(1), &json!(["inside.txt"])),
        "{r}"
    );
    // The redo put it back, and the second undo took it again: same thread id throughout.
    let redone = &r["redo"]["structured"];
    assert_eq!(r["redo"]["isError"], false, "{r}");
    assert_eq!(
        (redone["threadId"].as_str(), &redone["restored"]),
        (Some(thread), &json!(["inside.txt"])),
        "{r}"
    );
    assert_eq!(
        r["undo_again"]["structured"]["removed"],
        json!(["inside.txt"]),
        "{r}"
    );
    assert!(!sbx.output().join("inside.txt").exists(), "undone");
}

/// The Python SDK over stdio: the approval reaches it as an elicitation it accepts, and
/// `codex-sessions`, `codex-diff`, `codex-fork`, `codex-review`, `codex-undo` and `codex-redo`
/// work on the thread.
#[tokio::test]
async fn the_python_sdk_answers_approvals_and_uses_every_tool() {
    let target = outside("py-stdio");
    let server = MockServer::start(asking_turn(&target)).await;
    let sbx = Sandbox::new(&server.base_url());
    let args = [
        "stdio",
        &codexmcp_bin().display().to_string(),
        &sbx.work().display().to_string(),
    ]
    .map(String::from)
    .to_vec();
    let mut all = args;
    all.push(target.display().to_string());
    let r = client(&sbx, python(), tools_script(all), &[]).await;
    check_tools_report(&r, &sbx, &target);
}

/// A client that cannot answer (no elicitation capability): the request is declined, the turn
/// goes on, and the result says why the change was not made.
#[tokio::test]
async fn without_elicitation_approvals_are_declined_and_said() {
    let target = outside("py-noelicit");
    let server = MockServer::start(asking_turn(&target)).await;
    let sbx = Sandbox::new(&server.base_url());
    let args = vec![
        "stdio".into(),
        codexmcp_bin().display().to_string(),
        sbx.work().display().to_string(),
        target.display().to_string(),
    ];
    let r = client(&sbx, python(), tools_script(args), &[("ELICIT", "0")]).await;
    assert!(r["asked"].as_array().unwrap().is_empty(), "{r}");
    assert!(!target.exists(), "declined");
    let text = r["codex"]["text"][0].as_str().unwrap();
    assert!(
        text.contains(
            "1 approval request was declined: this MCP client declares no elicitation capability"
        ),
        "{text}"
    );
}

/// Starts `mcp-server --listen 127.0.0.1:0` with a token; the URL it prints and the child.
async fn listen(sbx: &Sandbox, token: &str, extra: &[&str]) -> (String, tokio::process::Child) {
    let mut args = vec![
        "mcp-server",
        "--listen",
        "127.0.0.1:0",
        "--token-env",
        "MCP_TOKEN",
    ];
    args.extend_from_slice(extra);
    let mut cmd = sbx.codexmcp(&args);
    cmd.env("MCP_TOKEN", token).stderr(Stdio::piped());
    let mut child = tokio::process::Command::from(cmd)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .expect("the server says where it listens")
            .unwrap()
            .expect("the server exited before listening");
        if let Some(url) = line.split("listening on ").nth(1) {
            break url.to_string();
        }
    };
    // The rest of what it says is drained, so its stderr never fills.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (url, child)
}

/// Streamable HTTP: the Python and TypeScript SDKs with the token get everything stdio gives;
/// without it (or with a wrong one) the answer is 401; the server does not start without a
/// token, nor on a public address without --allow-host; SIGTERM stops it.
#[tokio::test]
async fn streamable_http_behind_a_bearer_token() {
    let target = outside("py-http");
    let server = MockServer::start(asking_turn(&target)).await;
    let sbx = Sandbox::new(&server.base_url());
    let token = "0123456789abcdef0123456789abcdef";
    let (url, mut child) = listen(&sbx, token, &[]).await;
    let args = vec![
        "http".into(),
        url.clone(),
        token.into(),
        target.display().to_string(),
    ];
    let r = client(&sbx, python(), tools_script(args), &[]).await;
    check_tools_report(&r, &sbx, &target);

    for header in [None, Some("Bearer wrong-token-wrong-token-wrong")] {
        let status = post_status(&url, header).await;
        assert_eq!(status, 401, "{header:?}");
    }
    server.push(Step::message("hello from http"));
    server.push(Step::message("again"));
    let ts = client(
        &sbx,
        "node".into(),
        vec![
            node_sdk().display().to_string(),
            "http".into(),
            url,
            token.into(),
        ],
        &[],
    )
    .await;
    assert_eq!(
        ts["first"]["structuredContent"]["content"], "hello from http",
        "{ts}"
    );
    assert_eq!(ts["reply"]["structuredContent"]["content"], "again", "{ts}");

    let pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait())
        .await
        .expect("SIGTERM stops it")
        .unwrap();
    assert_eq!(status.code(), Some(0));

    let no_token = sbx.run(&["mcp-server", "--listen", "127.0.0.1:0"]).await;
    assert_eq!(no_token.code, Some(2), "{}", no_token.stderr);
    assert!(
        no_token.stderr.contains("--token-env"),
        "{}",
        no_token.stderr
    );
    let mut public = sbx.codexmcp(&[
        "mcp-server",
        "--listen",
        "0.0.0.0:0",
        "--token-env",
        "MCP_TOKEN",
    ]);
    public.env("MCP_TOKEN", token);
    let public = output(public).await;
    assert_eq!(public.code, Some(2), "{}", public.stderr);
    assert!(public.stderr.contains("--allow-host"), "{}", public.stderr);
}

/// An MCP initialize POSTed by hand: the HTTP status.
async fn post_status(url: &str, auth: Option<&str>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
    let mut req = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(a) = auth {
        req.push_str(&format!("Authorization: {a}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp).await;
    resp.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// The TypeScript SDK over stdio.
#[tokio::test]
async fn the_typescript_sdk_over_stdio() {
    let server =
        MockServer::start(vec![Step::message("hello from ts"), Step::message("again")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let args = vec![
        node_sdk().display().to_string(),
        "stdio".into(),
        codexmcp_bin().display().to_string(),
        sbx.work().display().to_string(),
    ];
    let r = client(&sbx, "node".into(), args, &[]).await;
    let tools = r["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 8, "{r}");
    assert!(tools.contains(&json!("codex-redo")), "{r}");
    assert_eq!(
        r["first"]["structuredContent"]["content"], "hello from ts",
        "{r}"
    );
    let thread = &r["first"]["structuredContent"]["threadId"];
    assert_eq!(&r["reply"]["structuredContent"]["threadId"], thread, "{r}");
    let listed = r["sessions"]["structuredContent"]["sessions"]
        .as_array()
        .unwrap();
    assert!(listed.iter().any(|s| &s["threadId"] == thread), "{r}");
}

/// Warm by default: each call runs on an app-server started ahead of it, which exits when the
/// call ends — Codex frees a thread's one writer only then — so `codexmcp exec --resume`
/// continues a thread the server served, and the server takes it back after. And a deployer
/// can choose the tools.
#[tokio::test]
async fn the_warm_server_lets_go_of_threads_and_serves_the_chosen_tools() {
    let steps = vec![
        Step::message("first"),
        Step::message("continued elsewhere"),
        Step::message("back on the server"),
    ];
    let server = MockServer::start(steps).await;
    let sbx = Sandbox::new(&server.base_url());
    let cmd = sbx.codexmcp(&["mcp-server", "--tools", "codex,codex-reply,codex-sessions"]);
    let mut mcp = RawMcp::start(tokio::process::Command::from(cmd)).await;
    mcp.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await;
    let listed = mcp.response(1, 10).await;
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["codex", "codex-reply", "codex-sessions"]);
    let home = sbx.codex_home().display().to_string();
    let servers = || {
        procs_with_cmdline("app-server")
            .into_iter()
            .filter(|p| {
                std::fs::read(format!("/proc/{p}/environ"))
                    .is_ok_and(|e| String::from_utf8_lossy(&e).contains(&home))
            })
            .collect::<Vec<_>>()
    };
    assert!(
        wait_for(10, || servers().len() == 1).await,
        "an app-server waits for the first call"
    );
    let first = servers();
    mcp.call(2, "codex", json!({"prompt": "start"})).await;
    let r = mcp.response(2, 60).await;
    let thread = r["result"]["structuredContent"]["threadId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        wait_for(10, || {
            let now = servers();
            now.len() == 1 && now != first
        })
        .await,
        "the server of the call exited and the next one waits: {first:?} → {:?}",
        servers()
    );
    let elsewhere = sbx.run(&["exec", "--resume", &thread, "go on"]).await;
    assert_eq!(
        elsewhere.code,
        Some(0),
        "{}\n{}",
        elsewhere.stdout,
        elsewhere.stderr
    );
    assert!(
        elsewhere.stdout.contains("continued elsewhere"),
        "{}",
        elsewhere.stdout
    );
    mcp.call(
        4,
        "codex-reply",
        json!({"threadId": thread, "prompt": "and back"}),
    )
    .await;
    let back = mcp.response(4, 60).await;
    assert_eq!(back["result"]["isError"], false, "{back}");
    assert!(back.to_string().contains("back on the server"), "{back}");
    mcp.call(3, "codex-undo", json!({"threadId": thread})).await;
    let refused = mcp.response(3, 10).await;
    assert!(
        refused["error"].to_string().contains("unknown tool"),
        "{refused}"
    );
    let bad = sbx.run(&["mcp-server", "--tools", "codex,bogus"]).await;
    assert_eq!(bad.code, Some(2));
    assert!(
        bad.stderr.contains("no tool named \"bogus\""),
        "{}",
        bad.stderr
    );
}

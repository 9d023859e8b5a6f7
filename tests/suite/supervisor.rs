//! One supervisor for every front end: SIGTERM and SIGHUP stop a turn the way Ctrl+C does
//! (Codex interrupted cleanly, the thread resumable, no process left), and nothing Codex
//! started outlives codexmcp — not even when codexmcp itself is killed with SIGKILL.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::support::codex::{Run, Sandbox, procs_with_cmdline, procs_with_env, wait_for};
use crate::support::mock_openai::{MockServer, Step};

/// Starts `codexmcp exec --json` on a turn whose command sleeps; returns once it runs.
async fn running(sbx: &Sandbox, marker: &str) -> std::process::Child {
    let mut cmd = sbx.codexmcp(&["exec", "--json", "wait a while"]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("spawn");
    assert!(
        wait_for(60, || !procs_with_cmdline(marker).is_empty()).await,
        "the command never started"
    );
    child
}

async fn finish(child: std::process::Child) -> Run {
    Run::from(
        tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
            .await
            .expect("join"),
    )
}

#[tokio::test]
async fn sigterm_interrupts_the_turn_like_ctrl_c() {
    for (signal, marker) in [
        (Signal::SIGTERM, "sleep 42.17"),
        (Signal::SIGHUP, "sleep 42.19"),
    ] {
        let server = MockServer::start(vec![Step::shell(marker)]).await;
        let sbx = Sandbox::new(&server.base_url());
        let child = running(&sbx, marker).await;
        kill(Pid::from_raw(child.id() as i32), signal).expect("signal");
        let run = finish(child).await;
        assert_eq!(run.code, Some(130), "{signal}: {}", run.stderr);
        let events = run.events();
        assert_eq!(
            events
                .iter()
                .rev()
                .find(|e| e["type"] != "turn.diff")
                .map(|e| e["type"].clone()),
            Some(serde_json::Value::from("turn.interrupted")),
            "{signal}"
        );
        sbx.assert_nothing_left(signal.as_ref()).await;
        assert!(
            procs_with_cmdline(marker).is_empty(),
            "{signal}: the command survived"
        );
        // The thread stays resumable after the signal.
        server.push(Step::message("resumed fine"));
        let id = run.thread_id();
        let again = sbx.run(&["exec", "--json", "--resume", &id, "go on"]).await;
        assert_eq!(again.code, Some(0), "{signal}: {}", again.stderr);
    }
}

#[tokio::test]
async fn sigkill_of_codexmcp_leaves_no_codex_behind() {
    let marker = "sleep 42.23";
    let server = MockServer::start(vec![Step::shell(marker)]).await;
    let sbx = Sandbox::new(&server.base_url());
    let child = running(&sbx, marker).await;
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).expect("SIGKILL");
    let run = finish(child).await;
    assert_eq!(run.code, None, "killed by a signal");
    let home = format!("CODEX_HOME={}", sbx.codex_home().display());
    assert!(
        wait_for(10, || procs_with_env(&home).is_empty()).await,
        "Codex outlived codexmcp: {:?}",
        procs_with_env(&home)
    );
    assert!(
        wait_for(5, || procs_with_cmdline(marker).is_empty()).await,
        "the command Codex ran outlived codexmcp"
    );
}

/// Every signal that ends a process, in the order a user or a supervisor would send them.
const SIGNALS: [Signal; 4] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGKILL,
];

/// After `signal`, no process of the sandbox and no command Codex started is left.
async fn nothing_left(sbx: &Sandbox, marker: &str, signal: Signal) {
    sbx.assert_nothing_left(signal.as_ref()).await;
    assert!(
        wait_for(5, || procs_with_cmdline(marker).is_empty()).await,
        "{signal}: the command Codex ran survived"
    );
}

#[tokio::test]
async fn every_signal_stops_exec_agent_and_leaves_nothing() {
    for (n, signal) in SIGNALS.into_iter().enumerate() {
        let marker = format!("sleep 43.1{n}");
        let agent = MockServer::start(vec![Step::call(
            "codex",
            serde_json::json!({"prompt": "wait a while"}),
        )])
        .await;
        let codex = MockServer::start(vec![Step::shell(&marker)]).await;
        let sbx = Sandbox::new(&codex.base_url());
        let mut cmd = sbx.codexmcp(&["exec", "--agent", "--json", "wait a while"]);
        cmd.env("OPENAI_API_KEY", "sk-test-agent")
            .env("OPENAI_BASE_URL", agent.base_url())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = cmd.spawn().expect("spawn");
        assert!(
            wait_for(60, || !procs_with_cmdline(&marker).is_empty()).await,
            "{signal}: the command never started"
        );
        kill(Pid::from_raw(child.id() as i32), signal).expect("signal");
        let run = finish(child).await;
        let want = (signal != Signal::SIGKILL).then_some(130);
        assert_eq!(run.code, want, "{signal}: {}\n{}", run.stdout, run.stderr);
        nothing_left(&sbx, &marker, signal).await;
    }
}

#[tokio::test]
async fn every_signal_stops_mcp_server_and_its_running_call() {
    for (n, signal) in SIGNALS.into_iter().enumerate() {
        let marker = format!("sleep 43.2{n}");
        let server = MockServer::start(vec![Step::shell(&marker)]).await;
        let sbx = Sandbox::new(&server.base_url());
        let cmd = sbx.codexmcp(&["mcp-server"]);
        let mut mcp =
            crate::support::mcp_raw::RawMcp::start(tokio::process::Command::from(cmd)).await;
        mcp.call(
            1,
            "codex",
            serde_json::json!({"prompt": "wait a long time"}),
        )
        .await;
        assert!(
            wait_for(60, || !procs_with_cmdline(&marker).is_empty()).await,
            "{signal}: the command never started"
        );
        let pid = mcp.child.id().expect("running") as i32;
        kill(Pid::from_raw(pid), signal).expect("signal");
        let status = tokio::time::timeout(std::time::Duration::from_secs(20), mcp.child.wait())
            .await
            .unwrap_or_else(|_| panic!("{signal}: the server did not exit"))
            .expect("wait");
        let want = (signal != Signal::SIGKILL).then_some(0);
        assert_eq!(status.code(), want, "{signal}: a clean exit, or killed");
        nothing_left(&sbx, &marker, signal).await;
    }
}

/// A client that goes away mid-turn (closes the server's stdin): the running call interrupts
/// its turn cleanly — Codex gets its interrupt and records it, rather than being killed once
/// rmcp gives up waiting — and the server exits, leaving nothing.
#[tokio::test]
async fn a_client_leaving_mid_turn_interrupts_the_call_cleanly() {
    let marker = "sleep 43.41";
    let server = MockServer::start(vec![Step::shell(marker)]).await;
    let sbx = Sandbox::new(&server.base_url());
    let cmd = sbx.codexmcp(&["mcp-server"]);
    let mut mcp = crate::support::mcp_raw::RawMcp::start(tokio::process::Command::from(cmd)).await;
    mcp.call(1, "codex", serde_json::json!({"prompt": "wait"}))
        .await;
    assert!(
        wait_for(60, || !procs_with_cmdline(marker).is_empty()).await,
        "the command never started"
    );
    let mut child = mcp.close_input();
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait())
        .await
        .expect("the server exits when its client leaves")
        .expect("wait");
    assert_eq!(status.code(), Some(0));
    nothing_left(&sbx, marker, Signal::SIGTERM).await;
    let log = sbx.log();
    assert!(log.contains("the client closed stdin"), "{log}");
    assert!(
        log.contains("app-server turn finished") && log.contains("status=Interrupted"),
        "the turn was not interrupted:\n{log}"
    );
}

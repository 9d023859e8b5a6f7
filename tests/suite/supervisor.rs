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
            events.last().map(|e| e["type"].clone()),
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

#[tokio::test]
async fn sigterm_stops_mcp_server_and_its_running_call_cleanly() {
    let marker = "sleep 42.29";
    let server = MockServer::start(vec![Step::shell(marker)]).await;
    let sbx = Sandbox::new(&server.base_url());
    let cmd = sbx.codexmcp(&["mcp-server"]);
    let mut mcp = crate::support::mcp_raw::RawMcp::start(tokio::process::Command::from(cmd)).await;
    mcp.call(
        1,
        "codex",
        serde_json::json!({"prompt": "wait a long time"}),
    )
    .await;
    assert!(
        wait_for(60, || !procs_with_cmdline(marker).is_empty()).await,
        "the command never started"
    );
    let pid = mcp.child.id().expect("running") as i32;
    kill(Pid::from_raw(pid), Signal::SIGTERM).expect("SIGTERM");
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), mcp.child.wait())
        .await
        .expect("the server exits on SIGTERM")
        .expect("wait");
    assert_eq!(status.code(), Some(0), "a clean exit");
    let home = format!("CODEX_HOME={}", sbx.codex_home().display());
    assert!(
        wait_for(5, || procs_with_env(&home).is_empty()).await,
        "processes left: {:?}",
        procs_with_env(&home)
    );
    assert!(
        procs_with_cmdline(marker).is_empty(),
        "the command survived"
    );
}

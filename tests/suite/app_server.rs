//! The app-server backend with the real pinned Codex: deltas, resume of an exec-created
//! thread, interrupt, approvals both ways, a crash mid-turn.

use std::sync::Arc;

use serde_json::Value;

use crate::support::codex::{
    CODEX_VERSION, Sandbox, codex_bin, procs_with_cmdline, procs_with_env, wait_for,
};
use crate::support::mock_openai::{MockServer, Out, Step};
use codexmcp::engine::app_handle::Handle;
use codexmcp::engine::{self, EngineConfig, TurnSpec, TurnStatus};

fn types(events: &[Value], t: &str) -> usize {
    events.iter().filter(|e| e["type"] == t).count()
}

#[tokio::test]
async fn a_turn_streams_deltas_and_resumes_an_exec_thread() {
    let server = MockServer::start(vec![
        Step::message("first, through exec"),
        Step::outs(vec![
            Out::Reasoning("**Thinking** it over".into()),
            Out::Message("Hello from the app server, word by word".into()),
        ]),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let first = sbx
        .run(&["exec", "--json", "remember the word heron"])
        .await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let thread = first.thread_id();
    let run = sbx
        .run(&[
            "exec",
            "--backend",
            "app-server",
            "--json",
            "--resume",
            &thread,
            "and now?",
        ])
        .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let events = run.events();
    assert_eq!(run.thread_id(), thread, "the exec-created thread continues");
    let deltas: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "item.delta" && e["stream"] == "agent_message")
        .filter_map(|e| e["delta"].as_str())
        .collect();
    assert!(deltas.len() >= 5, "streamed in pieces: {deltas:?}");
    assert_eq!(deltas.concat(), "Hello from the app server, word by word");
    assert_eq!(types(&events, "turn.completed"), 1);
    let last = server.requests().last().unwrap().text();
    assert!(
        last.contains("remember the word heron") && last.contains("first, through exec"),
        "history came along"
    );
}

/// A patch that writes outside the workspace: with `on-request`, Codex asks first.
fn outside_patch(path: &std::path::Path) -> Step {
    Step::shell(&format!(
        "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: {}\n+approved\n*** End Patch\nEOF",
        path.display()
    ))
}

#[tokio::test]
async fn approvals_accepted_and_declined() {
    for (decision, written) in [("accept", true), ("decline", false)] {
        let server = MockServer::start(vec![]).await;
        let sbx = Sandbox::new(&server.base_url());
        // Outside every writable root of workspace-write (the working dir, /tmp, $TMPDIR — and
        // a checkout may itself live under /tmp), so Codex must ask: under $HOME.
        let outside = std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(format!(
            ".codexmcp-approval-test-{}-{decision}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&outside);
        std::fs::create_dir_all(&outside).unwrap();
        let target = outside.join("outside.txt");
        server.push(outside_patch(&target));
        server.push(Step::message("done"));
        let args = [
            "exec",
            "--backend",
            "app-server",
            "--approval-policy",
            "on-request",
            "--approvals",
            decision,
            "--json",
            "write it",
        ];
        let run = sbx.run(&args).await;
        assert_eq!(
            run.code,
            Some(0),
            "{decision}: {}\n{}",
            run.stdout,
            run.stderr
        );
        let events = run.events();
        let asked = events
            .iter()
            .find(|e| e["type"] == "approval.requested")
            .unwrap_or_else(|| panic!("{decision}: no request in {}", run.stdout));
        assert_eq!(asked["kind"], "file_change");
        assert!(
            asked["diff"].as_str().unwrap_or("").contains("outside.txt"),
            "{asked}"
        );
        let resolved = events
            .iter()
            .find(|e| e["type"] == "approval.resolved")
            .unwrap();
        assert_eq!(
            (resolved["decision"].as_str(), resolved["by"].as_str()),
            (Some(decision), Some("policy"))
        );
        assert_eq!(target.is_file(), written, "{decision}: {}", run.stdout);
        assert!(
            sbx.log().contains("approval decided by policy"),
            "every decision is logged"
        );
        let _ = std::fs::remove_dir_all(&outside);
    }
}

#[tokio::test]
async fn interrupt_ends_the_turn_and_nothing_keeps_running() {
    let server = MockServer::start(vec![Step::shell("sleep 40.77")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let mut cmd = sbx.codexmcp(&["exec", "--backend", "app-server", "--json", "wait"]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    assert!(
        wait_for(60, || !procs_with_cmdline("sleep 40.77").is_empty()).await,
        "never started"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("turn.interrupted"));
    let home = format!("CODEX_HOME={}", sbx.codex_home().display());
    assert!(
        wait_for(10, || procs_with_cmdline("sleep 40.77").is_empty()
            && procs_with_env(&home).is_empty())
        .await,
        "left: {:?}",
        procs_with_env(&home)
    );
}

fn config(sbx: &Sandbox) -> EngineConfig {
    EngineConfig {
        backend: engine::Backend::AppServer(Arc::new(Handle::default())),
        ..sbx.engine_config()
    }
}

#[tokio::test]
async fn a_server_crash_mid_turn_is_a_clear_error_and_the_thread_resumes() {
    let server = MockServer::start(vec![
        Step::shell("sleep 41.93"),
        Step::message("back again"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let cfg = config(&sbx);
    let mut turn = engine::start_turn(
        &cfg,
        TurnSpec {
            prompt: "long job".into(),
            ..TurnSpec::default()
        },
    )
    .unwrap();
    assert!(wait_for(60, || !procs_with_cmdline("sleep 41.93").is_empty()).await);
    let home = format!("CODEX_HOME={}", sbx.codex_home().display());
    for pid in procs_with_env(&home).into_iter().filter(|p| {
        std::fs::read_to_string(format!("/proc/{p}/cmdline"))
            .unwrap_or_default()
            .contains("app-server")
    }) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
    }
    let mut events = Vec::new();
    while let Some(e) = turn.events.recv().await {
        events.push(e);
    }
    let outcome = turn.finish().await;
    let TurnStatus::Failed(e) = &outcome.status else {
        panic!("expected a failure, got {:?}", outcome.status)
    };
    assert_eq!(e.kind(), "crashed");
    assert!(e.to_string().contains("app-server"), "{e}");
    let thread = outcome.thread_id.clone().expect("the thread id survived");
    // The next turn restarts the server and continues the same thread.
    let mut turn = engine::start_turn(
        &cfg,
        TurnSpec {
            prompt: "go on".into(),
            resume: Some(thread.clone()),
            ..TurnSpec::default()
        },
    )
    .unwrap();
    while turn.events.recv().await.is_some() {}
    let again = turn.finish().await;
    assert_eq!(again.status, TurnStatus::Completed);
    assert_eq!(again.thread_id.as_deref(), Some(thread.as_str()));
    assert_eq!(again.last_message.as_deref(), Some("back again"));
}

#[tokio::test]
async fn codex_own_thread_and_skill_lists_feed_the_pickers() {
    let server = MockServer::start(vec![Step::message("made by exec")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let skill = sbx.codex_home().join("skills/listed-by-codex");
    std::fs::create_dir_all(&skill).unwrap();
    std::fs::write(
        skill.join("SKILL.md"),
        "---\nname: listed-by-codex\ndescription: Found through skills/list\n---\n",
    )
    .unwrap();
    // A thread made by `codex exec` itself, which codexmcp's store has never seen.
    let mut cmd = std::process::Command::new(codex_bin(&CODEX_VERSION));
    cmd.args([
        "exec",
        "--json",
        "--skip-git-repo-check",
        "-s",
        "workspace-write",
        "-C",
    ])
    .arg(sbx.work())
    .arg("a thread codexmcp never saw")
    .env("CODEX_HOME", sbx.codex_home())
    .stdin(std::process::Stdio::null());
    // Off the runtime: the scripted server answers on this test's runtime.
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    let id = serde_json::from_str::<Value>(&first).unwrap()["thread_id"]
        .as_str()
        .unwrap()
        .to_string();
    let cfg = config(&sbx);
    let threads: Vec<codexmcp::session::SessionRecord> = engine::app_lists::threads(&cfg)
        .await
        .into_iter()
        .map(codexmcp::session::SessionRecord::from_codex)
        .collect();
    let t = threads
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("{id} not in {threads:?}"));
    assert!(t.title.contains("a thread codexmcp never saw"), "{t:?}");
    let skills = engine::app_lists::skills(&cfg, &sbx.output()).await;
    let s = skills
        .iter()
        .find(|s| s.name == "listed-by-codex")
        .unwrap_or_else(|| panic!("{skills:?}"));
    assert_eq!(s.description, "Found through skills/list");
    // `/model`'s picker: the models Codex offers, with the efforts each takes.
    let models = engine::app_lists::models(&cfg).await;
    assert!(
        models
            .iter()
            .any(|m| !m.id.is_empty() && !m.efforts.is_empty()),
        "{models:?}"
    );
    cfg.shutdown().await;
}

#[tokio::test]
async fn the_legacy_0153_app_server_works_the_same() {
    let server = MockServer::start(vec![
        Step::shell("echo legacy > legacy.txt"),
        Step::message("Legacy app server streamed this"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let legacy = codex_bin(crate::support::codex::LEGACY_VERSION);
    let run = sbx
        .run(&[
            "exec",
            "--backend",
            "app-server",
            "--codex-bin",
            legacy.to_str().unwrap(),
            "--json",
            "go",
        ])
        .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let events = run.events();
    assert!(sbx.output().join("legacy.txt").is_file());
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "item.completed" && e["item"]["kind"] == "command_execution")
    );
    let text: String = events
        .iter()
        .filter(|e| e["type"] == "item.delta" && e["stream"] == "agent_message")
        .filter_map(|e| e["delta"].as_str())
        .collect();
    assert_eq!(text, "Legacy app server streamed this");
}

/// A Codex whose app-server cannot start: the turn runs on exec, says so, and what is
/// recorded and listed is the backend that really ran.
#[tokio::test]
async fn a_failed_app_server_falls_back_and_records_exec() {
    let server = MockServer::start(vec![Step::message("ran on exec")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let wrapper = sbx.root.path().join("codex-without-app-server");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n[ \"$1\" = app-server ] && {{ echo 'no app-server here' >&2; exit 3; }}\nexec '{}' \"$@\"\n",
            codex_bin(&CODEX_VERSION).display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut cmd = sbx.codexmcp(&["exec", "--json", "--backend", "app-server", "hello"]);
    cmd.env("CODEX_BIN", &wrapper);
    // Off the runtime's thread: the scripted server runs on it.
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let run = crate::support::codex::Run::from(out);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("using the exec backend"),
        "{}",
        run.stderr
    );
    let list = sbx.run(&["sessions", "--json"]).await;
    let listing: Value = serde_json::from_str(&list.stdout).unwrap();
    let record = &listing["sessions"][0];
    assert_eq!(record["id"], run.thread_id().as_str());
    assert_eq!(record["backend"], "exec", "{listing}");
}

/// An app-server that never answers `thread/start` must not hang the turn: Ctrl+C (SIGINT)
/// ends it at once as interrupted.
#[tokio::test]
async fn a_silent_app_server_does_not_hang_an_interrupt() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let fake = sbx.root.path().join("silent-codex");
    std::fs::write(
        &fake,
        "#!/usr/bin/env python3\n\
         import json, sys\n\
         if sys.argv[1:2] == ['--version']:\n    print('codex-cli 0.169.0'); sys.exit(0)\n\
         for line in sys.stdin:\n\
         \x20   m = json.loads(line)\n\
         \x20   if m.get('method') == 'initialize':\n\
         \x20       print(json.dumps({'id': m['id'], 'result': {'userAgent': 'silent'}}), flush=True)\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut cmd = tokio::process::Command::from(sbx.codexmcp(&[
        "exec",
        "--json",
        "--backend",
        "app-server",
        "hello",
    ]));
    // The sandbox's CODEX_HOME names a custom provider: no key is needed.
    cmd.env("CODEX_BIN", &fake)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true); // a hung run is killed when the test gives up on it
    let child = cmd.spawn().unwrap();
    // Give it time to reach thread/start, which is never answered.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id().unwrap() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = tokio::time::timeout(std::time::Duration::from_secs(15), child.wait_with_output())
        .await
        .expect("the interrupt is honoured while thread/start waits")
        .unwrap();
    let run = crate::support::codex::Run::from(out);
    assert_eq!(run.code, Some(130), "{}", run.stderr);
    sbx.assert_nothing_left("after the interrupt").await;
}

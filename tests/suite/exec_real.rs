//! `codexmcp exec` end to end with the real pinned Codex and the scripted model server:
//! files really written, threads really resumed, failures classified, no process left behind.

use std::time::Duration;

use serde_json::Value;

use crate::support::codex::{Sandbox, procs_with_cmdline, procs_with_env, wait_for};
use crate::support::mock_openai::{MockServer, Out, Step};

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn items_of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["type"] == "item.completed" && e["item"]["kind"] == kind)
        .map(|e| &e["item"])
        .collect()
}

const PATCH: &str = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: snake.py\n+print('snake')\n*** End Patch\nEOF";

#[tokio::test]
async fn a_prompt_writes_a_file_and_every_event_comes_through() {
    let server = MockServer::start(vec![
        Step::outs(vec![
            Out::Reasoning("**Plan** write the file".into()),
            Out::Shell(PATCH.into()),
        ]),
        Step::shell("echo made > made.txt && cat snake.py"),
        Step::message("Wrote snake.py"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx.run(&["exec", "--json", "Create a snake game"]).await;
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(sbx.output().join("snake.py"))
            .ok()
            .as_deref(),
        Some("print('snake')\n")
    );
    assert!(
        sbx.output().join("made.txt").is_file(),
        "the command ran in ./output"
    );

    let events = run.events();
    let t = types(&events);
    assert_eq!(t.first().map(String::as_str), Some("thread.started"));
    // The turn's events, then what it changed in the working dir.
    assert_eq!(t[t.len() - 2..], ["turn.completed", "turn.diff"]);
    let changed = &events.last().unwrap()["files"];
    assert!(
        changed
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "made.txt" && f["status"] == "created"),
        "{changed}"
    );
    assert_eq!(
        items_of(&events, "reasoning")[0]["text"],
        "**Plan** write the file"
    );
    let change = items_of(&events, "file_change");
    assert_eq!(change[0]["changes"][0]["kind"], "add");
    assert!(
        change[0]["changes"][0]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("output/snake.py"))
    );
    let cmd = items_of(&events, "command_execution");
    assert_eq!(cmd[0]["exit_code"], 0);
    assert!(
        cmd[0]["aggregated_output"]
            .as_str()
            .is_some_and(|o| o.contains("print('snake')"))
    );
    assert_eq!(
        items_of(&events, "agent_message")[0]["text"],
        "Wrote snake.py"
    );
    let done = &events[events.len() - 2];
    assert_eq!(
        done["usage"]["input_tokens"], 30,
        "three model calls of 10 input tokens"
    );
    assert_eq!(
        done["usage"], done["total"],
        "first turn: per-turn usage equals the total"
    );
    // The prompt reached the model; defaults were applied.
    let first = &server.requests()[0];
    assert!(first.text().contains("Create a snake game"));
    let meta = first.header("x-codex-turn-metadata").unwrap_or_default();
    assert!(meta.contains("workspace-write"), "default sandbox: {meta}");
    assert!(run.stderr.contains(&format!("thread: {}", run.thread_id())));
}

#[tokio::test]
async fn human_mode_prints_readable_lines_and_the_resume_hint() {
    let server = MockServer::start(vec![Step::shell("echo hi"), Step::message("All done")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx.run(&["exec", "say hi"]).await;
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.lines()
            .any(|l| l.starts_with("✓ $ ") && l.contains("echo hi") && l.contains("exit 0")),
        "{out}"
    );
    assert!(out.contains("codex:\nAll done"), "{out}");
    assert!(
        out.contains("thread: ") && out.contains("codexmcp exec --resume "),
        "{out}"
    );
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

#[tokio::test]
async fn resume_continues_the_same_thread_with_its_history() {
    let server = MockServer::start(vec![
        Step::message("first answer"),
        Step::message("second answer"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let first = sbx
        .run(&["exec", "--json", "remember the word pelican"])
        .await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let id = first.thread_id();
    let second = sbx
        .run(&["exec", "--json", "--resume", &id, "what was the word?"])
        .await;
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert_eq!(second.thread_id(), id);
    let reqs = server.requests();
    let last = reqs.last().expect("requests").text();
    assert!(last.contains("remember the word pelican") && last.contains("what was the word?"));
    assert!(
        last.contains("first answer"),
        "the model's earlier answer is in the history"
    );
    // Per-turn usage is derived from the cumulative figure via the stored session.
    let done = second
        .events()
        .into_iter()
        .find(|e| e["type"] == "turn.completed")
        .expect("turn.completed");
    assert_eq!(done["total"]["input_tokens"], 20);
    assert_eq!(done["usage"]["input_tokens"], 10);
    // `codexmcp sessions` lists the thread with its title.
    let list = sbx.run(&["sessions"]).await;
    assert!(
        list.stdout.contains(&id) && list.stdout.contains("remember the word pelican"),
        "{}",
        list.stdout
    );
}

#[tokio::test]
async fn an_unknown_thread_id_is_a_clear_error() {
    let server = MockServer::start(vec![]).await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx
        .run(&[
            "exec",
            "--resume",
            "00000000-0000-4000-8000-000000000000",
            "hello",
        ])
        .await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout
            .contains("unknown thread id 00000000-0000-4000-8000-000000000000"),
        "{}",
        run.stdout
    );
    // A name that is not an id is refused before Codex could silently start a new thread.
    let named = sbx.run(&["exec", "--resume", "my-thread", "hello"]).await;
    assert_eq!(named.code, Some(1));
    assert!(
        named.stderr.contains("unknown thread id my-thread"),
        "{}",
        named.stderr
    );
    assert!(
        server.requests().is_empty(),
        "no model call for a bad resume"
    );
}

#[tokio::test]
async fn http_500_and_401_fail_with_a_classified_message() {
    let server = MockServer::start(vec![Step::http(500, "mock internal failure")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx.run(&["exec", "--json", "hello"]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let err = run
        .events()
        .into_iter()
        .find(|e| e["type"] == "engine.error")
        .expect("engine.error");
    assert_eq!(err["kind"], "model_http", "{err}");
    // Codex replaces a 5xx body with its own text; the kind and the endpoint are what we can name.
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("the model endpoint returned an error")),
        "{err}"
    );

    server.push(Step::http(401, "Incorrect API key provided"));
    let run = sbx.run(&["exec", "hello"]).await;
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("not authenticated"), "{}", run.stdout);
    assert!(
        run.stdout.contains("OPENAI_API_KEY"),
        "says what to set: {}",
        run.stdout
    );
}

#[tokio::test]
async fn a_missing_binary_says_how_to_install_it() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let mut cmd = sbx.codexmcp(&["exec", "hello"]);
    cmd.env("CODEX_BIN", sbx.root.path().join("no-such-codex"));
    let run = crate::support::codex::Run::from(cmd.output().expect("run"));
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("Codex CLI not found") && run.stderr.contains("install-codex.sh"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn interrupt_stops_the_turn_and_the_command_it_ran() {
    let server = MockServer::start(vec![Step::shell("sleep 41.31")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let mut cmd = sbx.codexmcp(&["exec", "--json", "wait a while"]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("spawn");
    assert!(
        wait_for(60, || !procs_with_cmdline("sleep 41.31").is_empty()).await,
        "the command never started"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT");
    let run = crate::support::codex::Run::from(
        tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
            .await
            .expect("join"),
    );
    assert_eq!(run.code, Some(130), "{}", run.stderr);
    let events = run.events();
    assert_eq!(
        events
            .iter()
            .rev()
            .find(|e| e["type"] != "turn.diff")
            .map(|e| e["type"].clone()),
        Some(Value::from("turn.interrupted"))
    );
    let home = format!("CODEX_HOME={}", sbx.codex_home().display());
    assert!(
        wait_for(5, || procs_with_env(&home).is_empty()).await,
        "processes left: {:?}",
        procs_with_env(&home)
    );
    assert!(
        procs_with_cmdline("sleep 41.31").is_empty(),
        "the command survived the interrupt"
    );
    // The thread stays resumable.
    server.push(Step::message("resumed fine"));
    let id = run.thread_id();
    let again = sbx.run(&["exec", "--json", "--resume", &id, "go on"]).await;
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert_eq!(again.thread_id(), id);
}

#[tokio::test]
async fn idle_timeout_is_visible_and_leaves_no_process() {
    let server = MockServer::start(vec![Step::Stall {
        hold: Duration::from_secs(120),
    }])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx
        .run(&["exec", "--idle-timeout", "2", "hang please"])
        .await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout.contains("no output from Codex for 2s"),
        "{}",
        run.stdout
    );
    let home = format!("CODEX_HOME={}", sbx.codex_home().display());
    assert!(
        wait_for(5, || procs_with_env(&home).is_empty()).await,
        "processes left: {:?}",
        procs_with_env(&home)
    );
}

#[tokio::test]
async fn dotenv_key_reaches_codex_as_codex_api_key() {
    let server = MockServer::start(vec![Step::message("authenticated")]).await;
    let sbx = Sandbox::with_provider_extra(&server.base_url(), "env_key = \"CODEX_API_KEY\"");
    std::fs::write(
        sbx.work().join(".env"),
        "OPENAI_API_KEY=\"sk-test-from-dotenv\"\n",
    )
    .expect(".env");
    let run = sbx.run(&["exec", "hello"]).await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let auth = server.requests()[0]
        .header("authorization")
        .map(str::to_string);
    assert_eq!(
        auth.as_deref(),
        Some("Bearer sk-test-from-dotenv"),
        "quotes stripped, key passed on"
    );
    assert!(
        !sbx.log().contains("sk-test-from-dotenv"),
        "the key never reaches the log"
    );
    let data = sbx.root.path().join("data");
    let stored = std::process::Command::new("grep")
        .arg("-r")
        .arg("sk-test-from-dotenv")
        .arg(&data)
        .output()
        .expect("grep");
    assert!(
        stored.stdout.is_empty(),
        "the key never reaches the session store"
    );
}

#[tokio::test]
async fn prompt_from_stdin_and_usage_errors() {
    let server = MockServer::start(vec![Step::message("from stdin")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let mut cmd = sbx.codexmcp(&["exec", "--json", "-"]);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"piped prompt text")
        .expect("write");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(0));
    assert!(server.requests()[0].text().contains("piped prompt text"));
    // An empty prompt and a bad flag are usage errors (exit 2).
    let mut empty = sbx.codexmcp(&["exec", "-"]);
    empty.stdin(std::process::Stdio::piped());
    let out = empty.output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let bad = sbx.run(&["exec", "--no-such-flag", "x"]).await;
    assert_eq!(bad.code, Some(2));
}

#[tokio::test]
async fn without_a_key_it_says_exactly_what_is_missing() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    // A CODEX_HOME with no provider of its own and no auth.json: the built-in OpenAI provider.
    std::fs::remove_file(sbx.codex_home().join("config.toml")).unwrap();
    let run = sbx
        .run(&["exec", "Write a Python script that converts CSV to JSON"])
        .await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("no API key") && run.stderr.contains("export OPENAI_API_KEY"),
        "{}",
        run.stderr
    );
    assert!(
        !sbx.output()
            .join("..")
            .join("output")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    );
}

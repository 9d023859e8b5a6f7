//! `codexmcp batch` against the real pinned Codex and the scripted model: every task runs in
//! its own folder (or its own worktree of a repository) as a normal stored thread, results land
//! in `results.jsonl`, a re-run skips what finished and runs what was edited; a rate limit is
//! waited out and tried again, a timeout and a failure are said; a signal interrupts every
//! running turn and leaves nothing running; one task by `--index` prints its result line, and
//! `--collect` merges such lines; `--emit k8s` writes manifests a strict validator accepts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::support::codex::{Sandbox, git, wait_for};
use crate::support::mock_openai::{Fallback, MockServer, Step};

fn write_tasks(sbx: &Sandbox, lines: &[Value]) -> PathBuf {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let path = sbx.work().join("tasks.jsonl");
    std::fs::write(&path, text).unwrap();
    path
}

fn results(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn by_id<'a>(rs: &'a [Value], id: &str) -> &'a Value {
    rs.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {rs:?}"))
}

#[tokio::test]
async fn a_batch_runs_every_task_in_its_place_and_a_rerun_skips_what_finished() {
    let server = MockServer::start(vec![]).await;
    server.set_fallback(Fallback::ShellThenMessage("printf done > out.txt".into()));
    let sbx = Sandbox::new(&server.base_url());
    let shared = sbx.work().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    let repo = sbx.work().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join("README"), "repo\n").unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "start"]);
    let json = |v: &str| -> Value { serde_json::from_str(v).unwrap() };
    let tasks = write_tasks(
        &sbx,
        &[
            json(r#"{"id": "one", "prompt": "first task"}"#),
            json(r#"{"id": "two", "prompt": "second task"}"#),
            json(r#"{"id": "in-shared", "prompt": "third task", "cwd": "shared"}"#),
            json(r#"{"id": "in-repo", "prompt": "fourth task", "repo": "repo", "ref": "main"}"#),
        ],
    );
    let out = sbx.work().join("out");
    let args = [
        "batch",
        tasks.to_str().unwrap(),
        "--jobs",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    let first = sbx.run(&[&args[..], &["--json"]].concat()).await;
    assert_eq!(first.code, Some(0), "{}\n{}", first.stdout, first.stderr);
    let events = first.events();
    assert!(
        events.iter().all(|e| e["task"].is_string()),
        "every event names its task"
    );
    let finished = events
        .iter()
        .filter(|e| e["type"] == "task.finished")
        .count();
    assert_eq!(finished, 4);
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "thread.started" && e["task"] == "two")
    );

    let rs = results(&out);
    assert_eq!(rs.len(), 4, "one line per task");
    for r in &rs {
        assert_eq!(r["status"], "done", "{r}");
        assert_eq!(r["changed_files"], serde_json::json!(["out.txt"]), "{r}");
        assert!(r["usage"]["output_tokens"].as_u64().unwrap() > 0, "{r}");
        assert!(
            r["duration_ms"].as_u64().is_some() && r["final_message"] == "done",
            "{r}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(out.join("one/out.txt")).unwrap(),
        "done"
    );
    assert!(shared.join("out.txt").is_file(), "cwd is used in place");
    let wt = out.join("worktrees/in-repo");
    assert!(wt.join("out.txt").is_file() && wt.join("README").is_file());
    assert!(
        !repo.join("out.txt").exists(),
        "the repository's own checkout is untouched"
    );
    // Each task's thread is a normal stored session.
    let thread = by_id(&rs, "two")["thread_id"].as_str().unwrap().to_string();
    let diff = sbx.run(&["diff", &thread, "--stat"]).await;
    assert!(
        diff.stdout.contains("out.txt"),
        "{}\n{}",
        diff.stdout,
        diff.stderr
    );

    // The same command again: nothing runs.
    let asked = server.requests().len();
    let again = sbx.run(&args).await;
    assert_eq!(again.code, Some(0), "{}\n{}", again.stdout, again.stderr);
    assert_eq!(server.requests().len(), asked, "finished tasks are skipped");
    assert!(again.stdout.contains("4 tasks: 4 done"), "{}", again.stdout);

    // An edited task is a new task: it runs, the others do not.
    let mut text = std::fs::read_to_string(&tasks).unwrap();
    text = text.replace("second task", "second task, edited");
    std::fs::write(&tasks, text).unwrap();
    let edited = sbx.run(&args).await;
    assert_eq!(edited.code, Some(0), "{}", edited.stderr);
    let seen: Vec<String> = server.requests()[asked..]
        .iter()
        .map(|r| r.text())
        .collect();
    assert!(
        !seen.is_empty() && seen.iter().all(|t| t.contains("second task, edited")),
        "{seen:?}"
    );
    assert_eq!(results(&out).len(), 4);
}

#[tokio::test]
async fn rate_limits_are_waited_out_timeouts_and_failures_are_said() {
    let server = MockServer::start(vec![
        Step::http(429, "Rate limit reached for requests"),
        Step::message("fine after waiting"),
        Step::Stall {
            hold: Duration::from_secs(60),
        },
        Step::http(500, "the model broke"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let json = |v: &str| -> Value { serde_json::from_str(v).unwrap() };
    let tasks = write_tasks(
        &sbx,
        &[
            json(r#"{"id": "limited", "prompt": "a", "attempts": 2}"#),
            json(r#"{"id": "slow", "prompt": "b", "timeout": 3}"#),
            json(r#"{"id": "broken", "prompt": "c"}"#),
        ],
    );
    let out = sbx.work().join("out");
    let args = [
        "batch",
        tasks.to_str().unwrap(),
        "--jobs",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    let run = sbx.run(&[&args[..], &["--json"]].concat()).await;
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let retry = run
        .events()
        .into_iter()
        .find(|e| e["type"] == "task.retrying")
        .unwrap_or_else(|| panic!("{}\n{}", run.stdout, run.stderr));
    assert_eq!(
        (retry["task"].as_str(), retry["attempt"].as_u64()),
        (Some("limited"), Some(2))
    );
    assert!(
        retry["wait_ms"].as_u64().unwrap() >= 1000,
        "a rate limit waits: {retry}"
    );
    let rs = results(&out);
    let limited = by_id(&rs, "limited");
    assert_eq!(
        (limited["status"].as_str(), limited["attempts"].as_u64()),
        (Some("done"), Some(2))
    );
    assert_eq!(by_id(&rs, "slow")["status"], "timed_out");
    let broken = by_id(&rs, "broken");
    assert_eq!(broken["status"], "failed");
    assert!(
        broken["reason"]
            .as_str()
            .unwrap()
            .contains("the model endpoint returned an error"),
        "{broken}"
    );
    assert!(
        run.stderr.contains("1 timed out") && run.stderr.contains("broken"),
        "{}",
        run.stderr
    );
    sbx.assert_nothing_left("after the batch").await;

    // --retry-failed runs the failed and the timed-out ones again, not the done one.
    server.set_fallback(Fallback::Message("second time lucky".into()));
    let asked = server.requests().len();
    let again = sbx.run(&[&args[..], &["--retry-failed"]].concat()).await;
    assert_eq!(again.code, Some(0), "{}\n{}", again.stdout, again.stderr);
    assert_eq!(server.requests().len() - asked, 2);
    assert!(results(&out).iter().all(|r| r["status"] == "done"));
}

#[tokio::test]
async fn a_signal_interrupts_every_running_turn_and_a_rerun_finishes_them() {
    let hold = Step::Stall {
        hold: Duration::from_secs(120),
    };
    let server = MockServer::start(vec![hold.clone(), hold.clone(), hold]).await;
    let sbx = Sandbox::new(&server.base_url());
    let json = |v: &str| -> Value { serde_json::from_str(v).unwrap() };
    let tasks = write_tasks(
        &sbx,
        &[
            json(r#"{"id": "a", "prompt": "a"}"#),
            json(r#"{"id": "b", "prompt": "b"}"#),
            json(r#"{"id": "c", "prompt": "c"}"#),
            json(r#"{"id": "d", "prompt": "d"}"#),
        ],
    );
    let out = sbx.work().join("out");
    let args = [
        "batch",
        tasks.to_str().unwrap(),
        "--jobs",
        "3",
        "--out",
        out.to_str().unwrap(),
    ];
    let child = sbx
        .codexmcp(&args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        wait_for(30, || server.requests().len() >= 3).await,
        "three turns run"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let done = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert_eq!(done.status.code(), Some(130), "{stdout}");
    let rs = results(&out);
    assert_eq!(
        rs.len(),
        3,
        "the running ones are recorded, the waiting one is not: {rs:?}"
    );
    assert!(rs.iter().all(|r| r["status"] == "interrupted"), "{rs:?}");
    assert!(stdout.contains("1 not run"), "{stdout}");
    sbx.assert_nothing_left("after the signal").await;

    server.set_fallback(Fallback::Message("done now".into()));
    let again = sbx.run(&args).await;
    assert_eq!(again.code, Some(0), "{}\n{}", again.stdout, again.stderr);
    assert!(results(&out).iter().all(|r| r["status"] == "done"));
}

#[tokio::test]
async fn one_task_by_index_and_the_results_collected() {
    let server = MockServer::start(vec![]).await;
    server.set_fallback(Fallback::Message("indexed".into()));
    let sbx = Sandbox::new(&server.base_url());
    let json = |v: &str| -> Value { serde_json::from_str(v).unwrap() };
    let tasks = write_tasks(
        &sbx,
        &[
            json(r#"{"id": "first", "prompt": "the first task's prompt"}"#),
            json(r#"{"id": "second", "prompt": "the second task's prompt"}"#),
        ],
    );
    let out = sbx.work().join("pods");
    let t = tasks.to_str().unwrap();
    let one = sbx
        .run(&["batch", t, "--index", "1", "--out", out.to_str().unwrap()])
        .await;
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    let line: Value = serde_json::from_str(one.stdout.trim()).unwrap();
    assert_eq!(
        (line["id"].as_str(), line["status"].as_str()),
        (Some("second"), Some("done"))
    );
    assert!(out.join("second").is_dir(), "its folder is OUT/<id>");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.text().contains("the first task's prompt")),
        "only that task ran"
    );
    // As a pod runs it: the index from the environment.
    let mut pod = sbx.codexmcp(&["batch", t, "--out", out.to_str().unwrap()]);
    pod.env("JOB_COMPLETION_INDEX", "0");
    let zero = crate::support::codex::output(pod).await;
    assert_eq!(zero.code, Some(0), "{}", zero.stderr);
    let missing = sbx.run(&["batch", t, "--index", "7"]).await;
    assert_eq!(missing.code, Some(2));
    assert!(missing.stderr.contains("has 2 tasks"), "{}", missing.stderr);

    // kubectl logs output: result lines among others, from a file and from stdin.
    let logs = sbx.work().join("logs.txt");
    std::fs::write(&logs, format!("some progress\n{}\n", one.stdout.trim())).unwrap();
    let merged = sbx.work().join("merged");
    let m = merged.to_str().unwrap();
    let collected = sbx
        .run(&["batch", "--collect", logs.to_str().unwrap(), "--out", m])
        .await;
    assert_eq!(collected.code, Some(0), "{}", collected.stderr);
    let mut cmd = sbx.codexmcp(&["batch", "--collect", "--out", m]);
    let zero_line = zero.stdout.trim().to_string();
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("noise\n{zero_line}\n").as_bytes())
        .unwrap();
    let fin = child.wait_with_output().unwrap();
    assert_eq!(fin.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&fin.stdout).contains("2 tasks: 2 done"));
    assert_eq!(results(&merged).len(), 2);
}

#[tokio::test]
async fn the_tasks_as_a_kubernetes_indexed_job() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let json = |v: &str| -> Value { serde_json::from_str(v).unwrap() };
    let tasks = write_tasks(
        &sbx,
        &[
            json(r#"{"id": "a", "prompt": "say \"hi\"\nand: more"}"#),
            json(r#"{"id": "b", "prompt": "q"}"#),
        ],
    );
    let file = sbx.work().join("job.yaml");
    let t = tasks.to_str().unwrap();
    let emit = sbx
        .run(&[
            "batch",
            t,
            "--emit",
            "k8s",
            "--image",
            "registry.local/codexmcp:1",
            "--parallelism",
            "2",
            "--namespace",
            "agents",
            "-o",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(emit.code, Some(0), "{}", emit.stderr);
    let yaml = std::fs::read_to_string(&file).unwrap();
    for want in [
        "\"completionMode\": \"Indexed\"",
        "\"completions\": 2",
        "\"parallelism\": 2",
        "\"$(JOB_COMPLETION_INDEX)\"",
        "\"namespace\": \"agents\"",
        "\"backoffLimitPerIndex\"",
        "\"secretKeyRef\"",
        "\"name\": \"tasks-tasks\"",
    ] {
        assert!(yaml.contains(want), "{want} in {yaml}");
    }
    let validate = std::process::Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/kubernetes-validate"),
    )
    .args(["--strict", file.to_str().unwrap()])
    .output()
    .expect("kubernetes-validate from PyPI (scripts/test.sh installs it)");
    assert!(
        validate.status.success(),
        "{}{}",
        String::from_utf8_lossy(&validate.stdout),
        String::from_utf8_lossy(&validate.stderr)
    );

    // Too big for a ConfigMap, or tied to this machine's folders: refused, saying why.
    let big = format!(
        "{{\"id\": \"a\", \"prompt\": \"{}\"}}\n",
        "x".repeat(1_100_000)
    );
    std::fs::write(&tasks, big).unwrap();
    let refused = sbx.run(&["batch", t, "--emit", "k8s"]).await;
    assert_eq!(refused.code, Some(2));
    assert!(refused.stderr.contains("volume"), "{}", refused.stderr);
    std::fs::write(
        &tasks,
        "{\"id\": \"a\", \"prompt\": \"p\", \"cwd\": \".\"}\n",
    )
    .unwrap();
    let local = sbx.run(&["batch", t, "--emit", "k8s"]).await;
    assert_eq!(local.code, Some(2));
    assert!(local.stderr.contains("cwd or repo"), "{}", local.stderr);
    // A bad task file names its line.
    std::fs::write(
        &tasks,
        "{\"id\": \"a\", \"prompt\": \"p\"}\n{\"id\": \"a\", \"prompt\": \"p\"}\n",
    )
    .unwrap();
    let dup = sbx.run(&["batch", t]).await;
    assert_eq!(dup.code, Some(2));
    assert!(
        dup.stderr.contains("line 2") && dup.stderr.contains("twice"),
        "{}",
        dup.stderr
    );
}

/// `batch --tui`: the normal TUI, one read-only tab per task (named by its id) with its prompt,
/// events and files; the first tab logs each end; quitting prints the summary.
#[tokio::test]
async fn the_tui_watches_a_batch_one_tab_per_task() {
    use crate::support::tmux::Tmux;
    let server = MockServer::start(vec![]).await;
    server.set_fallback(Fallback::ShellThenMessage(
        "printf watched > seen.txt".into(),
    ));
    let sbx = Sandbox::new(&server.base_url());
    let json = |v: &str| -> Value { serde_json::from_str(v).unwrap() };
    let tasks = write_tasks(
        &sbx,
        &[
            json(r#"{"id": "alpha", "prompt": "first watched task"}"#),
            json(r#"{"id": "beta", "prompt": "second watched task"}"#),
        ],
    );
    let out = sbx.work().join("out");
    let tmux = Tmux::start(
        &sbx,
        &[
            "batch",
            tasks.to_str().unwrap(),
            "--tui",
            "--jobs",
            "2",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let screen = tmux.wait_for_text("2/2 tasks over", 60).await;
    assert!(
        screen.contains("✓ alpha done") && screen.contains("✓ beta done"),
        "{screen}"
    );
    assert!(
        screen.contains("2 alpha") || screen.contains("2 beta"),
        "tabs named by task: {screen}"
    );
    tmux.keys(&["M-2"]);
    let screen = tmux.wait_for_text("watched task", 15).await;
    assert!(
        screen.contains("seen.txt"),
        "the task's files, live: {screen}"
    );
    tmux.keys(&["C-c", "C-c"]);
    let screen = tmux.wait_for_text("EXITED rc=0", 20).await;
    assert!(screen.contains("2 tasks: 2 done"), "{screen}");
    assert!(results(&out).iter().all(|r| r["status"] == "done"));
}

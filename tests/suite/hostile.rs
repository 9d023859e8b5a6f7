//! Input from outside, as an attacker or a buggy peer would send it: numbers that are not
//! counts, sizes that would allocate gigabytes, a `.env` planted above the working dir, a
//! config that would make codexmcp start itself forever, and session files others could read.

use std::os::unix::fs::PermissionsExt;

use codexmcp::engine::jsonl::ExecParser;
use codexmcp::engine::{CodexEvent, Usage};
use serde_json::json;

use crate::support::codex::{Run, Sandbox, codexmcp_bin, procs_with_env};
use crate::support::mock_openai::{MockServer, Step};

#[test]
fn hostile_usage_figures_still_complete_the_turn() {
    let mut p = ExecParser::default();
    let ev = p.parse_str(
        r#"{"type":"turn.completed","usage":{"input_tokens":-5,"output_tokens":1.9,"cached_input_tokens":1e300,"reasoning_output_tokens":"many"}}"#,
    );
    let CodexEvent::TurnCompleted { total, .. } = ev else {
        panic!("a completed turn stays completed: {ev:?}");
    };
    assert_eq!(
        (
            total.input_tokens,
            total.output_tokens,
            total.cached_input_tokens,
            total.reasoning_output_tokens
        ),
        (0, 1, u64::MAX, 0)
    );
    let mut sum = Usage {
        input_tokens: u64::MAX,
        ..Usage::default()
    };
    sum.add(&total);
    sum.add(&Usage {
        input_tokens: 7,
        ..Usage::default()
    });
    assert_eq!(sum.input_tokens, u64::MAX, "sums saturate");
    assert_eq!(total.total_tokens(), 1);
}

#[test]
fn a_huge_tool_call_index_is_an_error_not_an_allocation() {
    use codexmcp::agent::wire::{Reply, fold_chat};
    let mut reply = Reply::default();
    let mut pending = Vec::new();
    let chunk = json!({"choices": [{"delta": {"tool_calls": [
        {"index": 4_000_000_000u64, "id": "c", "function": {"name": "codex", "arguments": "{}"}}]}}]});
    let err = fold_chat(&mut reply, &mut pending, &chunk).expect_err("refused");
    assert!(err.contains("4000000000"), "{err}");
    assert!(pending.len() <= codexmcp::agent::wire::MAX_TOOL_CALLS);
    let huge = "x".repeat(codexmcp::agent::wire::MAX_CALL_BYTES + 1);
    let chunk = json!({"choices": [{"delta": {"tool_calls": [
        {"index": 0, "function": {"name": "codex", "arguments": huge}}]}}]});
    assert!(fold_chat(&mut reply, &mut pending, &chunk).is_err());
}

#[test]
fn session_files_are_private() {
    use codexmcp::session::{Recorder, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path().join("sessions"));
    let mut rec = Recorder::new(store.clone(), None, "secret output", "/w", "exec");
    rec.observe(&CodexEvent::ThreadStarted {
        thread_id: "th-p".into(),
    });
    rec.finish();
    let mode = |p: std::path::PathBuf| std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.path().join("sessions")), 0o700);
    assert_eq!(mode(dir.path().join("sessions/th-p")), 0o700);
    assert_eq!(mode(dir.path().join("sessions/th-p/meta.json")), 0o600);
    assert_eq!(mode(dir.path().join("sessions/th-p/log.jsonl")), 0o600);
}

/// `codexmcp doctor ARGS` run in `dir`.
async fn doctor_in(sbx: &Sandbox, dir: &std::path::Path, args: &[&str]) -> Run {
    let mut cmd = sbx.codexmcp(&[&["doctor"], args].concat());
    cmd.current_dir(dir);
    Run::from(
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn a_dotenv_above_the_working_dir_is_not_read() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    // Planted one level up: it would widen the sandbox if it were read.
    std::fs::write(
        sbx.work().join(".env"),
        "CODEX_SANDBOX_MODE=danger-full-access\n",
    )
    .unwrap();
    let sub = sbx.work().join("project");
    std::fs::create_dir_all(&sub).unwrap();
    let run = doctor_in(&sbx, &sub, &[]).await;
    assert!(
        !run.stdout.contains("danger-full-access"),
        "the parent's .env was read:\n{}",
        run.stdout
    );
    // The working dir's own .env is still read...
    std::fs::write(sub.join(".env"), "CODEX_SANDBOX_MODE=danger-full-access\n").unwrap();
    let run = doctor_in(&sbx, &sub, &[]).await;
    assert!(run.stdout.contains("danger-full-access"), "{}", run.stdout);
    // ...unless Codex works in that very folder: Codex could have written it.
    let dir = sub.display().to_string();
    let run = doctor_in(&sbx, &sub, &["-C", &dir]).await;
    assert!(
        !run.stdout.contains("danger-full-access"),
        "a .env inside Codex's folder was read:\n{}",
        run.stdout
    );
}

/// `backend = "mcp"` in config.toml on a Codex without `mcp-server`: codexmcp starts its own
/// server, which reads the same file — it must not start another, and so on.
#[tokio::test]
async fn backend_mcp_in_config_does_not_start_servers_forever() {
    let server = MockServer::start(vec![Step::message("one server was enough")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let config = sbx.root.path().join("codexmcp.toml");
    std::fs::write(&config, "backend = \"mcp\"\n").unwrap();
    let mut cmd = sbx.codexmcp(&["exec", "--json", "hello"]);
    cmd.env("CODEXMCP_CONFIG", &config);
    let watch_home = format!("CODEX_HOME={}", sbx.codex_home().display());
    // Count codexmcp's processes while it runs: a loop of servers shows up within a second.
    // (Only codexmcp's own: what Codex runs — its login shell, the shell's rc files — varies
    // with the machine and is not what this is about.)
    let me = codexmcp_bin().display().to_string();
    let most = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = most.clone();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    let at_most = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let busiest = at_most.clone();
    let watcher = std::thread::spawn(move || {
        let cmdline = |p: &i32| {
            let c = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            String::from_utf8_lossy(&c).replace('\0', " ")
        };
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            let all = procs_with_env(&watch_home);
            if all.len() > 40 {
                // Stop the bomb before it hurts the machine.
                for p in &all {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(*p),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
            let ours: Vec<String> = all
                .iter()
                .map(cmdline)
                .filter(|c| c.starts_with(&me))
                .collect();
            if ours.len() > seen.fetch_max(ours.len(), std::sync::atomic::Ordering::SeqCst) {
                *busiest.lock().unwrap() = ours;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    });
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    watcher.join().unwrap();
    let run = Run::from(out);
    assert!(
        // exec, the server it starts, and a guardian each.
        most.load(std::sync::atomic::Ordering::SeqCst) <= 4,
        "{} codexmcp processes at once: {:#?}",
        most.load(std::sync::atomic::Ordering::SeqCst),
        at_most.lock().unwrap()
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("one server was enough"),
        "{}",
        run.stdout
    );
    sbx.assert_nothing_left("after the turn").await;
}

#[test]
fn replay_files_are_framed_bounded_and_lossy() {
    use codexmcp::tui::replay::{open_capture, pause, read_line};
    let data: &[u8] =
        b"{\"type\":\"turn.started\"}\nabcdefghijklmnopqrstuvwxyz\n\xff\xfe bad utf-8\nlast";
    let mut r = std::io::BufReader::with_capacity(4, data);
    let mut buf = Vec::new();
    assert_eq!(read_line(&mut r, &mut buf, 64).unwrap(), Some(false));
    assert_eq!(buf, b"{\"type\":\"turn.started\"}");
    assert_eq!(
        read_line(&mut r, &mut buf, 8).unwrap(),
        Some(true),
        "too long"
    );
    assert_eq!(buf, b"abcdefgh", "kept up to the limit, the rest dropped");
    assert_eq!(read_line(&mut r, &mut buf, 64).unwrap(), Some(false));
    assert!(
        String::from_utf8_lossy(&buf).contains("bad utf-8"),
        "the line after goes on"
    );
    assert_eq!(read_line(&mut r, &mut buf, 64).unwrap(), Some(false));
    assert_eq!(buf, b"last", "a last line without a newline counts");
    assert_eq!(read_line(&mut r, &mut buf, 64).unwrap(), None);

    let ms = std::time::Duration::from_millis;
    assert_eq!(pause(ms(100), 2.0), ms(50));
    assert_eq!(pause(ms(100), 0.0), ms(0), "0 is as fast as possible");
    assert_eq!(
        pause(ms(100), 1e-300),
        ms(5000),
        "a tiny speed waits at most 5 s, no panic"
    );
    assert_eq!(pause(ms(60_000), 1.0), ms(5000));

    assert!(
        open_capture(std::path::Path::new("/dev/zero")).is_err(),
        "a device never ends"
    );
}

#[tokio::test]
async fn replay_speed_must_be_a_number_of_zero_or_more() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    for bad in ["-1", "NaN", "inf", "fast"] {
        let flag = format!("--speed={bad}");
        let run = sbx.run(&["replay", "x.jsonl", &flag]).await;
        assert_eq!(run.code, Some(2), "{bad}: {}", run.stderr);
        assert!(
            run.stderr.contains("is not a speed"),
            "{bad}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_pipe_in_the_tree_is_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    // Opening a FIFO for reading waits for a writer: this returning at all is the test.
    let preview = codexmcp::tui::files::load_preview(dir.path(), &fifo);
    assert!(
        matches!(&preview.body, codexmcp::tui::files::PreviewBody::Refused(why) if why.contains("regular file")),
        "{preview:?}"
    );
}

/// Codex can `ln -s / output/r`: the watcher must not follow it (it would watch, and walk,
/// everything the link reaches).
#[tokio::test]
async fn the_tree_watcher_does_not_follow_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let (out, elsewhere) = (dir.path().join("out"), dir.path().join("elsewhere"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("r")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let tx = codexmcp::tui::TabTx::new(0, tx);
    let _watcher = codexmcp::tui::files::watch(&out, tx).expect("a watcher");
    std::fs::write(elsewhere.join("far.txt"), "x").unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(
        rx.try_recv().is_err(),
        "a change behind the link was watched"
    );
    std::fs::write(out.join("near.txt"), "x").unwrap();
    let got = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await;
    assert!(matches!(
        got,
        Ok(Some(codexmcp::tui::Msg::Tab { msg, .. })) if matches!(*msg, codexmcp::tui::Msg::FilesChanged)
    ));
}

#[tokio::test]
async fn approvals_ask_without_a_person_is_a_usage_error() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    for args in [
        &["exec", "--approvals", "ask", "hello"][..],
        &["mcp-server", "--approvals", "ask"][..],
    ] {
        let run = sbx.run(args).await;
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("needs a person"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// Two processes on one thread would interleave its log and lose usage updates: the second
/// is refused, saying who holds the thread, and the thread is free again once the first ends.
#[tokio::test]
async fn a_thread_has_one_writer_across_processes() {
    use std::io::BufRead;
    let marker = "sleep 42.31";
    let server = MockServer::start(vec![Step::shell(marker)]).await;
    let sbx = Sandbox::new(&server.base_url());
    let mut cmd = sbx.codexmcp(&["exec", "--json", "wait a while"]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut first = cmd.spawn().unwrap();
    let stdout = first.stdout.take().unwrap();
    let id = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|l| {
                let v: serde_json::Value = serde_json::from_str(&l).ok()?;
                (v["type"] == "thread.started")
                    .then(|| v["thread_id"].as_str().map(str::to_string))?
            })
    })
    .await
    .unwrap()
    .expect("a thread id");
    assert!(
        crate::support::codex::wait_for(60, || !crate::support::codex::procs_with_cmdline(marker)
            .is_empty())
        .await
    );
    let second = sbx.run(&["exec", "--resume", &id, "me too"]).await;
    assert_eq!(second.code, Some(1), "{}", second.stderr);
    assert!(
        second.stderr.contains("in use by another codexmcp")
            && second.stderr.contains(&first.id().to_string()),
        "{}",
        second.stderr
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(first.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    tokio::task::spawn_blocking(move || first.wait())
        .await
        .unwrap()
        .unwrap();
    server.push(Step::message("my turn now"));
    let third = sbx.run(&["exec", "--resume", &id, "now me"]).await;
    assert_eq!(third.code, Some(0), "{}", third.stderr);
}

/// `codex-reply` used to continue a read-only thread with the server's default sandbox, and a
/// `sandbox` that was not a string was silently ignored.
#[tokio::test]
async fn codex_reply_keeps_the_threads_own_settings() {
    let codex = MockServer::start(vec![Step::message("first"), Step::message("second")]).await;
    let sbx = Sandbox::new(&codex.base_url());
    let cmd = sbx.codexmcp(&["mcp-server"]);
    let mut mcp = crate::support::mcp_raw::RawMcp::start(tokio::process::Command::from(cmd)).await;
    mcp.call(1, "codex", json!({"prompt": "x", "sandbox": 5}))
        .await;
    let bad = mcp.response(1, 30).await;
    assert_eq!(bad["result"]["isError"], true, "{bad}");
    assert!(
        bad.to_string().contains("`sandbox` must be a string"),
        "{bad}"
    );

    mcp.call(
        2,
        "codex",
        json!({"prompt": "look only", "sandbox": "read-only"}),
    )
    .await;
    let first = mcp.response(2, 60).await;
    let thread = first["result"]["structuredContent"]["threadId"]
        .as_str()
        .expect("a thread id")
        .to_string();
    mcp.call(
        3,
        "codex-reply",
        json!({"threadId": thread, "prompt": "and again"}),
    )
    .await;
    let second = mcp.response(3, 60).await;
    assert_ne!(second["result"]["isError"], true, "{second}");
    let sandbox_of = |i: usize| {
        codex.requests()[i]
            .header("x-codex-turn-metadata")
            .unwrap_or_default()
            .to_string()
    };
    assert!(sandbox_of(0).contains("read-only"), "{}", sandbox_of(0));
    let last = codex.requests().len() - 1;
    assert!(
        sandbox_of(last).contains("read-only") && !sandbox_of(last).contains("workspace-write"),
        "the reply ran with the server's default: {}",
        sandbox_of(last)
    );
}

/// A `.codex-cli/` planted in the working directory (in the image that is Codex's writable
/// `/app/output`) must never run as Codex: installs are looked up beside codexmcp only.
#[tokio::test]
async fn a_codex_planted_in_the_working_dir_is_never_run() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let dir = sbx.work().join("project");
    let native = dir.join(format!(
        ".codex-cli/{}/node_modules/@openai/codex-linux-{}/vendor/{}-unknown-linux-musl/bin/codex",
        codexmcp::engine::locate::PINNED_VERSION,
        if cfg!(target_arch = "aarch64") {
            "arm64"
        } else {
            "x64"
        },
        std::env::consts::ARCH
    ));
    std::fs::create_dir_all(native.parent().unwrap()).unwrap();
    let marker = sbx.work().join("planted-codex-ran");
    std::fs::write(
        &native,
        format!(
            "#!/bin/sh\ntouch '{}'\necho codex-cli {}\n",
            marker.display(),
            codexmcp::engine::locate::PINNED_VERSION
        ),
    )
    .unwrap();
    std::fs::set_permissions(&native, std::fs::Permissions::from_mode(0o755)).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = sbx.codexmcp(&["doctor"]);
    cmd.current_dir(&dir)
        .env_remove("CODEX_BIN")
        .env("CODEXMCP_CODEX_DIR", empty.path())
        .env("PATH", "/usr/bin:/bin");
    let run = Run::from(
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap(),
    );
    assert!(!marker.exists(), "the planted binary ran:\n{}", run.stdout);
    assert!(
        run.stdout.contains("not found") || run.stdout.contains("no Codex"),
        "{}",
        run.stdout
    );
}

/// A replay file is somebody else's capture: its texts are sanitised like live events.
#[test]
fn replayed_events_are_sanitised() {
    use codexmcp::tui::replay::{Step, parse_line};
    let mut raw = ExecParser::default();
    let line = r#"{"type":"item.completed","item":{"id":"i","type":"command_execution","command":"ls \u001b]52;c;aGk=\u0007","aggregated_output":"\u202eevil","exit_code":0,"status":"completed"}}"#;
    let Some(Step::Event(_, CodexEvent::ItemCompleted { item })) = parse_line(line, &mut raw)
    else {
        panic!("an event");
    };
    let shown = format!("{:?}", item.kind);
    assert!(
        !shown.contains("\\u{1b}") && !shown.contains("\\u{202e}"),
        "{shown}"
    );
    assert!(
        shown.contains("ls ␛]52;c;aGk=␇") && shown.contains("<U+202E>evil"),
        "{shown}"
    );
    let prompt = r#"{"entry":"prompt","ts_ms":1,"text":"hi \u001b]0;x"}"#;
    assert_eq!(
        parse_line(prompt, &mut raw),
        Some(Step::Prompt(Some(1), "hi ␛]0;x".into()))
    );
}

//! The TUI in a real terminal: tmux runs the binary against the real pinned Codex and the
//! scripted model; send-keys types, capture-pane reads the screen.

use std::path::PathBuf;
use std::time::Duration;

use crate::support::codex::{Sandbox, procs_with_cmdline, procs_with_env, wait_for};
use crate::support::mock_openai::{MockServer, Out, Step};
use crate::support::tmux::{Tmux, binary};

const PATCH: &str = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: snake.html\n+<canvas id=game></canvas>\n*** End Patch\nEOF";

#[tokio::test]
async fn a_newcomer_session_end_to_end() {
    let server = MockServer::start(vec![
        Step::outs(vec![
            Out::Reasoning("**Sketching** the snake game".into()),
            Out::Shell(PATCH.into()),
        ]),
        Step::message("Snake is ready: open snake.html"),
        Step::message("Added a score counter"),
        Step::message("Skill ran"),
        Step::shell("sleep 37.21"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let skill = sbx.codex_home().join("skills/e2e-skill");
    std::fs::create_dir_all(&skill).unwrap();
    std::fs::write(
        skill.join("SKILL.md"),
        "---\nname: e2e-skill\ndescription: End-to-end marker skill\n---\nE2E-SKILL-BODY-MARKER\n",
    )
    .unwrap();

    let tmux = Tmux::start(&sbx, &[]);
    tmux.wait_for_text("● ready", 20).await;
    tmux.type_text("Create a snake game with HTML, CSS, and JavaScript");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("Snake is ready", 60).await;
    assert!(screen.contains("Sketching"), "reasoning row:\n{screen}");
    assert!(
        screen.contains("✎ add output/snake.html"),
        "file change row:\n{screen}"
    );
    let screen = tmux.wait_for_text("● snake.html", 10).await; // the tree, marked as changed
    let thread = screen
        .lines()
        .find_map(|l| l.split("thread ").nth(1))
        .map(|s| s[..36].to_string())
        .expect("thread id in the status bar");
    assert!(sbx.output().join("snake.html").is_file());

    // A follow-up continues the same thread: the model sees the first prompt again.
    tmux.type_text("Now add a score counter");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("Added a score counter", 60).await;
    assert!(
        screen.contains(&format!("thread {thread}")),
        "same thread:\n{screen}"
    );
    let reqs = server.requests();
    assert!(
        reqs[2].text().contains("Create a snake game")
            && reqs[2].text().contains("Now add a score counter")
    );

    // `$` opens the picker; Tab inserts the skill; Codex injects it into the request.
    tmux.type_text("please use $e2e");
    let screen = tmux.wait_for_text("$e2e-skill", 10).await;
    assert!(
        screen.contains("End-to-end marker skill"),
        "picker shows descriptions:\n{screen}"
    );
    tmux.keys(&["Tab"]);
    tmux.wait_for_text("please use $e2e-skill", 10).await;
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("Skill ran", 60).await;
    assert!(
        server.requests()[3]
            .text()
            .contains("E2E-SKILL-BODY-MARKER"),
        "the skill reached the model"
    );

    // Esc interrupts a running command; nothing keeps running.
    tmux.type_text("wait for it");
    tmux.keys(&["Enter"]);
    assert!(
        wait_for(60, || !procs_with_cmdline("sleep 37.21").is_empty()).await,
        "command never started:\n{}",
        tmux.screen()
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for_text("interrupted", 20).await;
    assert!(
        wait_for(10, || procs_with_cmdline("sleep 37.21").is_empty()).await,
        "the command survived Esc"
    );

    // Ctrl+C twice quits; the terminal is back in cooked mode and no Codex is left.
    tmux.keys(&["C-c"]);
    tmux.wait_for_text("press Ctrl+C again", 5).await;
    tmux.keys(&["C-c"]);
    tmux.wait_for_text("EXITED rc=0", 15).await;
    // `stty -a` prints right after; wait for its output rather than racing it.
    let screen = tmux.wait_for_text("icanon", 10).await;
    assert!(
        screen.contains(&format!("codexmcp --resume {thread}")),
        "{screen}"
    );
    assert!(
        screen.contains(" icanon") && screen.contains(" echo "),
        "terminal restored (stty):\n{screen}"
    );
    let home = format!("CODEX_HOME={}", sbx.codex_home().display());
    assert!(
        wait_for(5, || procs_with_env(&home).is_empty()).await,
        "left: {:?}",
        procs_with_env(&home)
    );
    drop(tmux);

    // Reopen the thread: the stored transcript is back, and the next prompt continues it.
    server.push(Step::message("Welcome back"));
    let tmux = Tmux::start(&sbx, &["--resume", &thread]);
    let screen = tmux.wait_for_text("resumed thread", 20).await;
    assert!(
        screen.contains("Snake is ready") && screen.contains(&format!("thread {thread}")),
        "{screen}"
    );
    tmux.type_text("still there?");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("Welcome back", 60).await;
    let last = server.requests().last().unwrap().text();
    assert!(last.contains("Create a snake game") && last.contains("still there?"));
    tmux.keys(&["C-c", "C-c"]);
    tmux.wait_for_text("EXITED rc=0", 15).await;
}

#[tokio::test]
async fn an_unknown_resume_id_is_a_message_not_a_crash() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    // The stats variable names an existing file: it must be left alone, not overwritten.
    let precious = sbx.work().join("precious.txt");
    std::fs::write(&precious, "keep me\n").unwrap();
    let stats = precious.display().to_string();
    let tmux = Tmux::start_with_env(
        &sbx,
        &["resume", "not-a-thread"],
        &[("CODEXMCP_STATS", stats.as_str())],
    );
    tmux.wait_for_all(&["unknown thread id not-a-thread", "● ready"], 20)
        .await;
    tmux.type_text("/quit");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("EXITED rc=0", 15).await;
    assert!(screen.contains("it must name a new file"), "{screen}");
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me\n");
}

#[tokio::test]
async fn replay_shows_a_recorded_run() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exec/0.169.0/patch_add_update_delete.jsonl");
    let tmux = Tmux::start(&sbx, &["replay", fixture.to_str().unwrap(), "--speed", "0"]);
    let screen = tmux
        .wait_for_text("Added, updated and deleted the files.", 20)
        .await;
    assert!(
        screen.contains("✎ delete") && screen.contains("replay"),
        "{screen}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    tmux.keys(&["C-c", "C-c"]);
    tmux.wait_for_text("EXITED rc=0", 15).await;
}

#[tokio::test]
async fn agent_mode_is_the_default_with_an_endpoint_and_esc_cancels_it() {
    let agent = MockServer::start(vec![
        Step::call("codex", serde_json::json!({"prompt": "Write snake.html"})),
        Step::message("Your snake game is ready in snake.html."),
        Step::call("codex", serde_json::json!({"prompt": "sleep please"})),
    ])
    .await;
    let codex = MockServer::start(vec![
        Step::shell(PATCH),
        Step::message("wrote it"),
        Step::shell("sleep 38.43"),
    ])
    .await;
    let sbx = Sandbox::new(&codex.base_url());
    let tmux = Tmux::start_with_agent(&sbx, &[], &agent.base_url()).await;
    tmux.type_text("Create a snake game");
    tmux.keys(&["Enter"]);
    let screen = tmux
        .wait_for_text("Your snake game is ready in snake.html.", 60)
        .await;
    assert!(
        screen.contains("→ codex: Write snake.html") && screen.contains("✎ add output/snake.html"),
        "{screen}"
    );
    assert!(sbx.output().join("snake.html").is_file());
    // The reply shows before the turn ends; a prompt sent meanwhile would steer the turn.
    tmux.wait_for_text("● ready", 20).await;
    // The next prompt makes the agent continue the thread with a long command; Esc stops both.
    tmux.type_text("now wait");
    tmux.keys(&["Enter"]);
    assert!(
        wait_for(60, || !procs_with_cmdline("sleep 38.43").is_empty()).await,
        "{}",
        tmux.screen()
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for_text("interrupted", 20).await;
    assert!(
        wait_for(10, || procs_with_cmdline("sleep 38.43").is_empty()).await,
        "the command survived Esc"
    );
    tmux.type_text("/quit");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("EXITED rc=0", 15).await;
}

/// The TUI's own process: the binary started without arguments (the guardian has its own).
fn tui_pid(sbx: &Sandbox) -> Option<i32> {
    let home = format!("CODEX_HOME={}", sbx.codex_home().display());
    procs_with_env(&home).into_iter().find(|p| {
        std::fs::read(format!("/proc/{p}/cmdline"))
            .is_ok_and(|c| c.split(|&b| b == 0).filter(|a| !a.is_empty()).count() == 1)
            && std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == binary())
    })
}

/// SIGINT, SIGTERM and SIGHUP (a closed terminal window, `kill`, a supervisor) end the TUI the
/// way /quit does: the turn interrupted, nothing left running, the terminal given back in
/// cooked mode. After SIGKILL nothing can restore the terminal, but nothing is left either.
#[tokio::test]
async fn every_signal_ends_the_tui_and_leaves_nothing() {
    use nix::sys::signal::{Signal, kill};
    for (n, signal) in [
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGKILL,
    ]
    .into_iter()
    .enumerate()
    {
        let marker = format!("sleep 43.3{n}");
        let codex = MockServer::start(vec![Step::shell(&marker)]).await;
        let sbx = Sandbox::new(&codex.base_url());
        let tmux = Tmux::start(&sbx, &[]);
        tmux.wait_for_text("Ask Codex", 20).await;
        tmux.type_text("wait a while");
        tmux.keys(&["Enter"]);
        assert!(
            wait_for(60, || !procs_with_cmdline(&marker).is_empty()).await,
            "{signal}: the command never started\n{}",
            tmux.screen()
        );
        let pid = tui_pid(&sbx).expect("the TUI runs");
        kill(nix::unistd::Pid::from_raw(pid), signal).expect("signal");
        tmux.wait_for_text("EXITED rc=", 20).await;
        // `stty -a` runs right after the echo: wait for its output too ("icanon" or "-icanon").
        let screen = tmux.wait_for_text("icanon", 10).await;
        if signal != Signal::SIGKILL {
            assert!(
                screen.contains(" icanon") && screen.contains(" echo"),
                "{signal}: the terminal stays raw:\n{screen}"
            );
        }
        sbx.assert_nothing_left(signal.as_ref()).await;
        assert!(
            wait_for(5, || procs_with_cmdline(&marker).is_empty()).await,
            "{signal}: the command Codex ran survived"
        );
    }
}

/// In agent mode on the app-server with `on-request`, the approval Codex asks for inside the
/// agent's tool call reaches the modal, and the answer reaches Codex.
#[tokio::test]
async fn agent_mode_approvals_are_answered_in_the_modal() {
    let outside = PathBuf::from(std::env::var("HOME").unwrap())
        .join(format!(".codexmcp-agent-approval-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).unwrap();
    let target = outside.join("approved.txt");
    let agent = MockServer::start(vec![
        Step::call("codex", serde_json::json!({"prompt": "write the file"})),
        Step::message("The file is written."),
    ])
    .await;
    let codex = MockServer::start(vec![
        Step::shell(&format!(
            "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: {}\n+approved\n*** End Patch\nEOF",
            target.display()
        )),
        Step::message("wrote it"),
    ])
    .await;
    let sbx = Sandbox::new(&codex.base_url());
    let tmux = Tmux::start_with_agent(
        &sbx,
        &["--backend", "app-server", "--approval-policy", "on-request"],
        &agent.base_url(),
    )
    .await;
    tmux.type_text("write outside");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("Codex wants to change files", 60).await;
    assert!(!target.exists(), "nothing written before the answer");
    // Past the guard that ignores keys typed as the modal opens.
    tokio::time::sleep(Duration::from_millis(700)).await;
    tmux.keys(&["a"]);
    tmux.wait_for_text("The file is written.", 60).await;
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "approved\n");
    let _ = std::fs::remove_dir_all(&outside);
    tmux.type_text("/quit");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("EXITED rc=0", 15).await;
}

/// `codexmcp demo`: no key, the real Codex against the built-in scripted model, a game built
/// in ./demo-output, a follow-up that edits it on the same thread; nothing left afterwards.
#[tokio::test]
async fn the_demo_builds_a_game_without_a_key() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let cache = sbx.work().join("cache");
    let cache_env = format!("XDG_CACHE_HOME={}", cache.display());
    let tmux = Tmux::start_with_env(
        &sbx,
        &["demo"],
        &[
            ("XDG_CACHE_HOME", cache.to_str().unwrap()),
            ("OPENAI_API_KEY", "sk-must-not-be-used"),
        ],
    );
    let first = tmux
        .wait_for_text("demo model (scripted, no key)", 30)
        .await;
    // The prompt suggests a request; typing replaces it.
    assert!(
        first.contains("Build a small snake game"),
        "the suggestion is in the prompt:\n{first}"
    );
    // `$` shows the demo's own skill.
    tmux.type_text("$expl");
    tmux.wait_for_text("explain-project", 20).await;
    for _ in 0..5 {
        tmux.keys(&["BSpace"]);
    }
    tmux.type_text("Build me a game");
    tmux.keys(&["Enter"]);
    // Codex's words rendered: inline code without its backticks, bold without its stars.
    let screen = tmux.wait_for_text("Open snake/index.html", 90).await;
    assert!(
        screen.contains("game.js"),
        "the tree shows the files:\n{screen}"
    );
    for raw in ["`", "**", "Model metadata"] {
        assert!(!screen.contains(raw), "{raw:?} on screen:\n{screen}");
    }
    assert!(screen.contains("Planning a small snake game"), "{screen}");
    let game = sbx.work().join("demo-output/snake/game.js");
    assert!(
        std::fs::read_to_string(&game)
            .unwrap()
            .contains("SPEED_MS = 120")
    );
    assert!(sbx.work().join("demo-output/snake/README.md").is_file());
    tmux.type_text("Make it faster");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("every 80 ms", 90).await;
    assert!(
        std::fs::read_to_string(&game)
            .unwrap()
            .contains("SPEED_MS = 80")
    );
    tmux.type_text("/quit");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("EXITED rc=0", 20).await;
    assert!(screen.contains("The demo's files are in"), "{screen}");
    let left: Vec<_> = std::fs::read_dir(cache.join("codexmcp"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        !left
            .iter()
            .any(|n| n.to_string_lossy().starts_with("demo-")),
        "the demo home is removed: {left:?}"
    );
    assert!(
        wait_for(10, || procs_with_env(&cache_env).is_empty()).await,
        "processes left: {:?}",
        procs_with_env(&cache_env)
    );
}

#[tokio::test]
async fn the_demo_runs_headless_too() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let cache = sbx.work().join("cache");
    let mut cmd = sbx.codexmcp(&["demo", "--exec", "--dir", "game"]);
    cmd.env("XDG_CACHE_HOME", &cache);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("I built a small snake game"), "{stdout}");
    assert!(sbx.work().join("game/snake/index.html").is_file());
}

/// Review and undo end to end, on exec and on the app-server (whose own server then does the
/// revert): a prompt, `/diff` of what it changed, `/undo`, a follow-up that no longer carries
/// the undone turn.
#[tokio::test]
async fn diff_then_undo_then_a_follow_up() {
    for args in [&[][..], &["--backend", "app-server"][..]] {
        diff_then_undo(args).await;
    }
}

async fn diff_then_undo(args: &[&str]) {
    let codex = MockServer::start(vec![
        Step::shell("printf 'hiss\\n' > snake.txt"),
        Step::message("made snake.txt"),
        Step::message("a fresh start"),
    ])
    .await;
    let sbx = Sandbox::new(&codex.base_url());
    let tmux = Tmux::start(&sbx, args);
    tmux.wait_for_text("Ask Codex", 20).await;
    tmux.type_text("make a snake file");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("made snake.txt", 60).await;
    // The diff comes as the turn ends, just after its last message.
    tmux.wait_for_text("● ready", 20).await;
    assert!(sbx.output().join("snake.txt").is_file());
    tmux.type_text("/diff");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("1 file changed, +1 -0", 10).await;
    tmux.wait_for_text("+hiss", 10).await;
    tmux.keys(&["Escape"]);
    tmux.wait_gone("+hiss", 10).await;
    // The same turn by number, read back from its checkpoints.
    tmux.type_text("/diff 1");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("diff of turn 1 of 1", 10).await;
    tmux.keys(&["Escape"]);
    tmux.wait_gone("diff of turn 1 of 1", 10).await;
    tmux.type_text("/undo");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the conversation is back before the turn", 60)
        .await;
    assert!(
        !sbx.output().join("snake.txt").exists(),
        "the file went with the turn"
    );
    tmux.type_text("start over");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("a fresh start", 60).await;
    let last = codex.requests().last().unwrap().text();
    assert!(
        last.contains("start over") && !last.contains("make a snake file"),
        "{last}"
    );
    tmux.type_text("/quit");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("EXITED rc=0", 15).await;
}

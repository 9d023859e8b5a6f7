//! The habits Codex users bring, with the real pinned Codex against the scripted model:
//! images attached to a prompt, the model chosen during a session, the prompt in an external
//! editor, the context meter, and looking after stored sessions from the command line.

use crate::support::codex::Sandbox;
use crate::support::mock_openai::{MockServer, Step};
use crate::support::tmux::Tmux;

/// A valid 1×1 PNG.
const PNG: &str = "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082";

fn png(path: &std::path::Path) {
    let bytes: Vec<u8> = (0..PNG.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&PNG[i..i + 2], 16).unwrap())
        .collect();
    std::fs::write(path, bytes).unwrap();
}

/// `exec -i` attaches an image on both backends: the model's request carries it as an image
/// input. A missing file or a non-image is refused before anything is sent.
#[tokio::test]
async fn an_attached_image_reaches_the_model_on_exec_and_the_app_server() {
    let server = MockServer::start(vec![Step::message("a green pixel")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let pic = sbx.work().join("pixel.png");
    png(&pic);
    for backend in ["exec", "app-server"] {
        let run = sbx
            .run(&[
                "exec",
                "--backend",
                backend,
                "-i",
                "pixel.png",
                "what is this?",
            ])
            .await;
        assert_eq!(run.code, Some(0), "{backend}: {}", run.stderr);
        let body = server.requests().last().unwrap().body.to_string();
        assert!(
            body.contains("input_image") && body.contains("data:image/png;base64,"),
            "{backend}: {body}"
        );
    }
    let asked = server.requests().len();
    let missing = sbx.run(&["exec", "-i", "nope.png", "look"]).await;
    assert_eq!(missing.code, Some(2));
    assert!(
        missing.stderr.contains("image nope.png"),
        "{}",
        missing.stderr
    );
    std::fs::write(sbx.work().join("notes.txt"), "not a picture").unwrap();
    let text = sbx.run(&["exec", "-i", "notes.txt", "look"]).await;
    assert_eq!(text.code, Some(2));
    assert!(
        text.stderr.contains("not a PNG, JPEG, GIF or WebP image"),
        "{}",
        text.stderr
    );
    assert_eq!(server.requests().len(), asked, "nothing was sent");
}

/// The meters read what Codex reports, on every backend: the context meter is the turn's
/// one request against the model's window, and the rate-limit windows are those of the model
/// server's headers (the app-server streams both; on exec they come from the thread's
/// rollout; over MCP from the server's `token_count`), before `turn.completed`.
#[tokio::test]
async fn the_meters_read_what_codex_reports_on_every_backend() {
    for backend in ["app-server", "exec", "mcp"] {
        let server = MockServer::start(vec![Step::message("hi")]).await;
        for (name, value) in [
            ("x-codex-primary-used-percent", "91"),
            ("x-codex-primary-window-minutes", "300"),
            ("x-codex-primary-reset-at", "1900000000"),
            ("x-codex-secondary-used-percent", "12"),
            ("x-codex-secondary-window-minutes", "10080"),
        ] {
            server.add_sse_header(name, value);
        }
        let sbx = Sandbox::new(&server.base_url());
        let run = sbx
            .run(&["exec", "--backend", backend, "--json", "hello"])
            .await;
        assert_eq!(run.code, Some(0), "{backend}: {}", run.stderr);
        let events = run.events();
        let last = |kind: &str| {
            events
                .iter()
                .rfind(|e| e["type"] == kind)
                .unwrap_or_else(|| panic!("{backend}: no {kind}: {}", run.stdout))
        };
        let at = |kind: &str| events.iter().rposition(|e| e["type"] == kind);
        assert!(
            at("usage.updated") < at("turn.completed"),
            "{backend}: {}",
            run.stdout
        );
        assert!(
            at("rate_limits.updated") < at("turn.completed"),
            "{backend}: {}",
            run.stdout
        );
        let done = last("turn.completed");
        let used = done["usage"]["input_tokens"].as_u64().unwrap()
            + done["usage"]["output_tokens"].as_u64().unwrap();
        let meter = last("usage.updated");
        assert_eq!(
            meter["context_tokens"].as_u64(),
            Some(used),
            "{backend}: {meter}"
        );
        assert!(
            meter["context_window"].as_u64().unwrap() > used,
            "{backend}: {meter}"
        );
        let limits = last("rate_limits.updated");
        let window = |name: &str| {
            limits["windows"]
                .as_array()
                .and_then(|w| w.iter().find(|w| w["name"] == name))
                .unwrap_or_else(|| panic!("{backend}: no {name} window: {limits}"))
        };
        let primary = window("primary");
        assert_eq!(
            primary["used_percent"].as_f64(),
            Some(91.0),
            "{backend}: {limits}"
        );
        assert_eq!(
            primary["window_minutes"].as_u64(),
            Some(300),
            "{backend}: {limits}"
        );
        assert_eq!(
            primary["resets_at"].as_u64(),
            Some(1_900_000_000),
            "{backend}: {limits}"
        );
        let secondary = window("secondary");
        assert_eq!(
            secondary["used_percent"].as_f64(),
            Some(12.0),
            "{backend}: {limits}"
        );
        assert_eq!(
            secondary["window_minutes"].as_u64(),
            Some(10080),
            "{backend}: {limits}"
        );
        // The human output closes the turn with them.
        let text = sbx.run(&["exec", "--backend", backend, "again"]).await;
        assert!(
            text.stdout.contains("limits 5h 91% · 7d 12%") && text.stdout.contains("ctx "),
            "{backend}: {}",
            text.stdout
        );
    }
}

/// `/model` in the TUI: the next request names the other model, and a resume keeps it.
/// Ctrl+G puts what the editor wrote into the prompt.
#[tokio::test]
async fn model_switching_sticks_and_the_editor_fills_the_prompt() {
    let server = MockServer::start(vec![
        Step::message("first answer"),
        Step::message("second answer"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let editor = sbx.work().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'written in the editor\\n' > \"$1\"\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&editor)
        .status()
        .unwrap();
    let editor = editor.display().to_string();
    let tmux = Tmux::start_with_env(&sbx, &[], &[("EDITOR", editor.as_str())]);
    tmux.wait_for_text("ready", 20).await;
    tmux.type_text("/model other-model");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("codex other-model", 10).await;
    tmux.keys(&["C-g"]);
    tmux.wait_for_text("written in the editor", 10).await;
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("first answer", 60).await;
    let first = server.requests().last().unwrap().body.clone();
    assert_eq!(first["model"], "other-model", "{first}");
    assert!(first.to_string().contains("written in the editor"));
    let screen = tmux.screen();
    let id = screen
        .split_whitespace()
        .find(|w| w.len() == 36 && w.matches('-').count() == 4)
        .map(str::to_string);
    tmux.type_text("/quit");
    tmux.keys(&["Enter"]);
    let done = tmux.wait_for_text("resume with", 20).await;
    let id = id
        .or_else(|| {
            done.split_whitespace()
                .find(|w| w.len() == 36 && w.matches('-').count() == 4)
                .map(str::to_string)
        })
        .expect("a thread id on screen");
    let again = sbx.run(&["exec", "--resume", &id, "and again"]).await;
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    let second = server.requests().last().unwrap().body.clone();
    assert_eq!(second["model"], "other-model", "the thread keeps its model");
}

/// `codexmcp sessions --search / rename / rm`.
#[tokio::test]
async fn sessions_are_searched_renamed_and_removed() {
    let server = MockServer::start(vec![
        Step::shell("printf x > x.txt"),
        Step::message("made x"),
        Step::message("plain"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let a = sbx
        .run(&["exec", "--json", "build the zephyr widget"])
        .await;
    let b = sbx.run(&["exec", "--json", "something else"]).await;
    assert_eq!(
        (a.code, b.code),
        (Some(0), Some(0)),
        "{}{}",
        a.stderr,
        b.stderr
    );
    let (a, b) = (a.thread_id(), b.thread_id());
    let found = sbx.run(&["sessions", "--search", "ZEPHYR", "--json"]).await;
    let listed: serde_json::Value = serde_json::from_str(&found.stdout).unwrap();
    let ids: Vec<&str> = listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(ids, [a.as_str()], "{}", found.stdout);
    // The transcript counts too, not only the title: Codex's answer.
    let by_answer = sbx.run(&["sessions", "--search", "made x"]).await;
    assert!(by_answer.stdout.contains(&a) && !by_answer.stdout.contains(&b));

    let renamed = sbx.run(&["sessions", "rename", &b, "Release notes"]).await;
    assert_eq!(renamed.code, Some(0), "{}", renamed.stderr);
    assert!(
        sbx.run(&["sessions"])
            .await
            .stdout
            .contains("Release notes")
    );

    let removed = sbx.run(&["sessions", "rm", &a]).await;
    assert_eq!(removed.code, Some(0), "{}", removed.stderr);
    let listing = sbx.run(&["sessions"]).await.stdout;
    assert!(!listing.contains(&a) && listing.contains(&b), "{listing}");
    let diff = sbx.run(&["diff", &a]).await;
    assert!(
        diff.stderr.contains("no checkpointed turn"),
        "its checkpoints went"
    );
    let unknown = sbx
        .run(&["sessions", "rm", "00000000-0000-4000-8000-000000000000"])
        .await;
    assert_eq!(unknown.code, Some(1));
}

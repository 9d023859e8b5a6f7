//! Benchmark: time from the model's first token to its first visible cell, app-server vs exec
//! backend, on the same scripted stream (a 40-word answer, one word every 25 ms).
//!
//! The scripted server notes when the first text delta leaves it; the engine's events drive a
//! real `App` and every event is rendered to a 120×30 TestBackend, and the clock stops when a
//! cell shows the answer's first word. Real Codex 0.169 (`scripts/install-codex.sh`).
//!
//!     cargo run --release --example first_token -- [RUNS]

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mock_openai.rs"]
mod mock_openai;

use std::sync::Arc;
use std::time::{Duration, Instant};

use codexmcp::engine::{self, EngineConfig, TurnSpec};
use codexmcp::tui::Msg;
use codexmcp::tui::app::{App, Info};
use codexmcp::tui::keymap::Keymap;
use mock_openai::{MockServer, Out, Step};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const WORDS: usize = 40;

fn answer() -> String {
    (0..WORDS)
        .map(|i| {
            if i == 0 {
                "Zebrafish".to_string()
            } else {
                format!("word{i}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn visible(term: &Terminal<TestBackend>) -> bool {
    let buf = term.backend().buffer();
    let area = buf.area;
    (0..area.height).any(|y| {
        let line: String = (0..area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        line.contains("Zebrafish")
    })
}

async fn one(
    backend: &str,
    server: &MockServer,
    home: &std::path::Path,
    work: &std::path::Path,
) -> Duration {
    let codex = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".codex-cli/0.169.0/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex");
    let backend = match backend {
        "app-server" => engine::Backend::AppServer(Arc::new(engine::app_handle::Handle::default())),
        _ => engine::Backend::Exec,
    };
    let cfg = EngineConfig {
        codex: engine::CodexBinary {
            path: codex,
            source: engine::locate::Source::Flag,
            version: None,
        },
        cwd: work.to_path_buf(),
        sandbox: "workspace-write".parse().unwrap(),
        approval_policy: "never".parse().unwrap(),
        model: None,
        reasoning_effort: None,
        network: false,
        overrides: vec![],
        idle_timeout: None,
        env: vec![("CODEX_HOME".into(), home.display().to_string())],
        backend,
        approvals: engine::ApprovalMode::Decline,
        notice: None,
    };
    server.push(Step::Respond {
        outs: vec![Out::Message(answer())],
        delay: Duration::from_millis(25),
    });
    let mut app = App::new(Keymap::default(), Info::default());
    app.update(Msg::Replay {
        prompt: Some("go".into()),
        event: None,
    });
    let run = app.session().turn().running().map(|t| t.run).unwrap();
    let mut term = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let mut turn = engine::start_turn(
        &cfg,
        TurnSpec {
            prompt: "go".into(),
            ..TurnSpec::default()
        },
    )
    .unwrap();
    let mut seen_at = None;
    while let Some(event) = turn.events.recv().await {
        app.update(Msg::Codex { run, event });
        term.draw(|f| codexmcp::tui::ui::render(f, &app)).unwrap();
        if seen_at.is_none() && visible(&term) {
            seen_at = Some(Instant::now());
        }
    }
    turn.finish().await;
    let first = *server.first_tokens().last().expect("a streamed answer");
    seen_at
        .expect("the answer showed")
        .saturating_duration_since(first)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    codexmcp::agent::install_tls();
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let server = MockServer::start(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let (home, work) = (dir.path().join("home"), dir.path().join("work"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(home.join("config.toml"), format!("model = \"mock-model\"\nmodel_provider = \"mock\"\n[model_providers.mock]\nname = \"mock\"\nbase_url = \"{}\"\nwire_api = \"responses\"\nrequest_max_retries = 0\nstream_max_retries = 0\n", server.base_url())).unwrap();
    println!(
        "first token → first visible cell ({WORDS}-word answer, 25 ms per word, {runs} runs each)"
    );
    let mut results = Vec::new();
    for backend in ["exec", "app-server"] {
        let _ = one(backend, &server, &home, &work).await; // warm up
        let mut times = Vec::new();
        for _ in 0..runs {
            times.push(one(backend, &server, &home, &work).await);
        }
        let m = median(times.clone());
        println!(
            "{backend:>11}: median {:7.1} ms  (min {:.1}, max {:.1})",
            m.as_secs_f64() * 1e3,
            times.iter().min().unwrap().as_secs_f64() * 1e3,
            times.iter().max().unwrap().as_secs_f64() * 1e3
        );
        results.push(m);
    }
    println!(
        "exec / app-server: {:.1}×",
        results[0].as_secs_f64() / results[1].as_secs_f64().max(1e-9)
    );
}

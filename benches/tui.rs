//! TUI costs without a terminal: applying Codex events to the App (goal: ≥ 100k events/s)
//! and drawing one full frame with a full event pane on a 160×48 TestBackend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use codexmcp::engine::event::{ItemKind, Status};
use codexmcp::engine::{CodexEvent, Item};
use codexmcp::tui::Msg;
use codexmcp::tui::app::{App, Info};
use codexmcp::tui::keymap::Keymap;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn events(n: usize) -> Vec<CodexEvent> {
    (0..n)
        .map(|i| {
            let id = format!("item_{i}");
            let kind = match i % 4 {
                0 => ItemKind::Reasoning {
                    text: format!("**Thinking** about step {i}"),
                },
                1 => ItemKind::CommandExecution {
                    command: format!("/bin/bash -lc 'echo {i}'"),
                    aggregated_output: "line one\nline two\nline three\n".into(),
                    exit_code: Some(0),
                    status: Status::Completed,
                },
                2 => ItemKind::AgentMessage {
                    text: format!("message {i}"),
                },
                _ => ItemKind::Error {
                    message: format!("warning {i}"),
                },
            };
            CodexEvent::ItemCompleted {
                item: Item { id, kind },
            }
        })
        .collect()
}

fn fresh() -> App {
    let mut app = App::new(
        Keymap::default(),
        Info {
            cwd: PathBuf::from("/w"),
            ..Info::default()
        },
    );
    app.update(Msg::Replay {
        prompt: Some("bench".into()),
        event: None,
    });
    app
}

fn bench(c: &mut Criterion) {
    let evs = events(100_000);
    let mut g = c.benchmark_group("tui");
    g.sample_size(10);
    g.throughput(Throughput::Elements(evs.len() as u64));
    g.bench_function("apply_100k_events", |b| {
        b.iter_batched(
            || (fresh(), evs.clone()),
            |(mut app, evs)| {
                for e in evs {
                    app.update(Msg::Replay {
                        prompt: None,
                        event: Some(e),
                    });
                }
                app
            },
            BatchSize::LargeInput,
        )
    });
    g.throughput(Throughput::Elements(1));
    let mut app = fresh();
    for e in events(5_000) {
        app.update(Msg::Replay {
            prompt: None,
            event: Some(e),
        });
    }
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    g.bench_function("render_full_frame_160x48", |b| {
        b.iter(|| {
            term.draw(|f| codexmcp::tui::ui::render(f, &app))
                .unwrap()
                .area
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

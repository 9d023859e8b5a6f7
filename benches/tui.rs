//! TUI costs without a terminal: applying Codex events to the App (goal: ≥ 100k events/s)
//! and drawing one full frame with a full event pane on a 160×48 TestBackend; rendering a
//! 2,000-line Markdown answer with 20 code blocks, first and again at a new width.

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
    markdown(c);
}

/// 2,000 lines: 20 sections of prose, a list and a 40-line Rust block each.
fn long_answer() -> String {
    let mut s = String::new();
    for i in 0..20 {
        s.push_str(&format!("## Part {i}\n\nSome **bold** words, `inline code` and a [link](https://example.com) in a paragraph long enough to wrap at any width we draw it in.\n\n"));
        for j in 0..40 {
            s.push_str(&format!("- item {j} with *emphasis*\n"));
        }
        s.push_str("\n```rust\n");
        for j in 0..40 {
            s.push_str(&format!(
                "fn f{j}(x: u32) -> u32 {{ x * {j} + 1 }} // {j}\n"
            ));
        }
        s.push_str("```\n\n");
    }
    s
}

fn markdown(c: &mut Criterion) {
    use codexmcp::tui::render::{Theme, fit, highlight, markdown};
    highlight::warm();
    let src = long_answer();
    let theme = Theme::dark();
    let mut g = c.benchmark_group("markdown");
    g.sample_size(10);
    g.bench_function("render_2000_lines_20_code_blocks", |b| {
        b.iter(|| markdown::render(&src, &theme).len())
    });
    let paras = markdown::render(&src, &theme);
    g.bench_function("rewrap_2000_lines_at_a_new_width", |b| {
        b.iter(|| fit(&paras, 97).len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

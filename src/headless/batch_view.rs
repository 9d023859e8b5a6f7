//! How a batch looks while it runs: on a terminal, one line per running task (id, time so far,
//! what it is doing) and a total bar with an estimate of the time left, redrawn at most ten
//! times a second (indicatif); plain lines when stdout is not a terminal; or, with `--json`,
//! one event per line, each naming its task.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::batch::Report;
use crate::batch::results::{Status, TaskResult};
use crate::engine::CodexEvent;
use crate::text::one_line;

/// Redraws a second at most.
const HZ: u8 = 10;

pub enum View {
    Json,
    Plain {
        to_stderr: bool,
    },
    Bars {
        multi: MultiProgress,
        total: ProgressBar,
        running: HashMap<String, ProgressBar>,
    },
}

impl View {
    pub fn json() -> Self {
        Self::Json
    }

    /// Plain lines, on stderr when stdout carries something else (`--index`).
    pub fn plain(to_stderr: bool) -> Self {
        Self::Plain { to_stderr }
    }

    /// Bars for `tasks` tasks on the terminal.
    pub fn bars(tasks: usize) -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout_with_hz(HZ));
        let total = multi.add(ProgressBar::new(tasks as u64));
        total.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} tasks  {elapsed} so far, ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Self::Bars {
            multi,
            total,
            running: HashMap::new(),
        }
    }

    pub fn show(&mut self, report: Report) {
        match self {
            Self::Json => json_line(&report),
            Self::Plain { to_stderr } => {
                if let Some(line) = plain_line(&report) {
                    match to_stderr {
                        true => eprintln!("{line}"),
                        false => println!("{line}"),
                    }
                }
            }
            Self::Bars {
                multi,
                total,
                running,
            } => match report {
                Report::Started { id } => {
                    let bar = multi.insert_before(total, ProgressBar::new_spinner());
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner} {prefix:<24} {elapsed:>5}  {wide_msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.set_prefix(one_line(&id, 24));
                    bar.enable_steady_tick(Duration::from_millis(200));
                    running.insert(id, bar);
                }
                Report::Event { id, event } => {
                    if let (Some(bar), Some(text)) = (running.get(&id), doing(&event)) {
                        bar.set_message(text);
                    }
                }
                Report::Finished(r) => {
                    if let Some(bar) = running.remove(&r.id) {
                        bar.finish_and_clear();
                        multi.remove(&bar);
                    }
                    total.inc(1);
                    let _ = multi.println(finished_line(&r));
                }
                other => {
                    if let Report::Skipped(_) = other {
                        total.inc(1);
                    }
                    if let Some(line) = plain_line(&other) {
                        let _ = multi.println(line);
                    }
                }
            },
        }
    }

    /// Takes the bars off the screen (the summary follows).
    pub fn done(&mut self) {
        if let Self::Bars { total, multi, .. } = self {
            total.finish_and_clear();
            let _ = multi.clear();
        }
        let _ = std::io::stdout().flush();
    }
}

/// What a task is doing, from its latest event (`None`: nothing worth a redraw).
fn doing(event: &CodexEvent) -> Option<String> {
    match event {
        CodexEvent::ItemStarted { item } => Some(crate::present::item(item, false).title),
        CodexEvent::ItemCompleted { item } => Some(crate::present::item(item, true).title),
        other => crate::present::notice(other).map(|(_, text)| text),
    }
    .map(|t| one_line(&t, 120))
}

fn finished_line(r: &TaskResult) -> String {
    let mark = match r.status {
        Status::Done => "✓",
        _ => "✗",
    };
    let why = r
        .reason
        .as_deref()
        .map(|w| format!(": {}", one_line(w, 200)))
        .unwrap_or_default();
    format!(
        "{mark} {} {} in {:.1} s{why}",
        one_line(&r.id, 64),
        r.status.as_str(),
        r.duration_ms as f64 / 1000.0
    )
}

fn plain_line(report: &Report) -> Option<String> {
    Some(match report {
        Report::Skipped(r) => format!(
            "= {} {} in an earlier run",
            one_line(&r.id, 64),
            r.status.as_str()
        ),
        Report::Started { id } => format!("▸ {} started", one_line(id, 64)),
        Report::Event { .. } => return None,
        Report::Retrying {
            id,
            attempt,
            wait,
            reason,
        } => format!(
            "↻ {} try {attempt} in {:.0} s: {}",
            one_line(id, 64),
            wait.as_secs_f64(),
            one_line(reason, 200)
        ),
        Report::Finished(r) => finished_line(r),
    })
}

fn json_line(report: &Report) {
    let v = match report {
        Report::Skipped(r) => json!({"type": "task.skipped", "task": r.id, "status": r.status}),
        Report::Started { id } => json!({"type": "task.started", "task": id}),
        Report::Event { id, event } => {
            let mut v = serde_json::to_value(event).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("task".into(), json!(id));
            }
            v
        }
        Report::Retrying {
            id,
            attempt,
            wait,
            reason,
        } => json!({"type": "task.retrying", "task": id, "attempt": attempt,
            "wait_ms": wait.as_millis() as u64, "reason": reason}),
        Report::Finished(r) => json!({"type": "task.finished", "task": r.id, "result": r}),
    };
    println!("{v}");
}

//! Readable lines for Codex events: what `codexmcp exec` prints without `--json`. What an
//! event says comes from `present` (shared with the TUI's rows); this lays it out as log
//! lines with glyphs and optional colour.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::engine::CodexEvent;
use crate::engine::event::{RateWindow, Status};
use crate::present::meters::{self, Level};
use crate::present::{self, Kind, Shown, State};
use crate::text::one_line;

/// Formats events as readable lines. Pure apart from the clock used for durations.
pub struct HumanPrinter {
    color: bool,
    cwd: PathBuf,
    started: HashMap<String, Instant>,
    /// The meters as last reported, printed with the turn's token line.
    context: Option<(u64, Option<u64>)>,
    limits: Vec<RateWindow>,
}

const RED: &str = "31";
const GREEN: &str = "32";
const YELLOW: &str = "33";
const CYAN: &str = "36";
const DIM: &str = "2";

impl HumanPrinter {
    pub fn new(color: bool, cwd: PathBuf) -> Self {
        Self {
            color,
            cwd,
            started: HashMap::new(),
            context: None,
            limits: Vec::new(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// The line(s) for one event, or `None` for events not worth a line.
    pub fn line(&mut self, event: &CodexEvent) -> Option<String> {
        Some(match event {
            CodexEvent::ThreadStarted { thread_id } => {
                self.paint(DIM, &format!("thread {}", one_line(thread_id, 80)))
            }
            CodexEvent::ItemStarted { item } => {
                self.started.insert(item.id.clone(), Instant::now());
                let shown = present::item(item, false);
                match shown.kind {
                    Kind::Command => {
                        self.paint(CYAN, &format!("$ {} …", one_line(&shown.text, 200)))
                    }
                    _ => return None,
                }
            }
            CodexEvent::ItemUpdated { item } => {
                let shown = present::item(item, false);
                match shown.kind {
                    Kind::Todo => shown.body.join("\n"),
                    _ => return None,
                }
            }
            CodexEvent::ItemCompleted { item } => {
                let took = self.started.remove(&item.id).map(|t| t.elapsed());
                self.completed(&present::item(item, true), took)
            }
            CodexEvent::UsageUpdated {
                context_tokens,
                context_window,
                ..
            } => {
                self.context = Some((*context_tokens, *context_window));
                return None;
            }
            CodexEvent::RateLimits { windows } => {
                self.limits = windows.clone();
                return None;
            }
            CodexEvent::TurnCompleted { usage, total } => {
                let mut out = self.paint(
                    DIM,
                    &format!(
                        "tokens: {} in ({} cached), {} out; thread total {}",
                        usage.input_tokens,
                        usage.cached_input_tokens,
                        usage.output_tokens,
                        total.total_tokens()
                    ),
                );
                let context = self.context.map(|(used, w)| meters::context(used, w));
                let shown: Vec<String> = context
                    .into_iter()
                    .chain(meters::limits(&self.limits))
                    .map(|(text, level)| {
                        let colour = match level {
                            Level::Over => RED,
                            Level::Near => YELLOW,
                            Level::Calm => DIM,
                        };
                        self.paint(colour, &text)
                    })
                    .collect();
                if !shown.is_empty() {
                    out.push('\n');
                    out.push_str(&shown.join("  "));
                }
                out
            }
            other => {
                let (kind, text) = present::notice(other)?;
                let colour = match kind {
                    Kind::Error => RED,
                    Kind::Warning => YELLOW,
                    _ => DIM,
                };
                self.paint(colour, &text)
            }
        })
    }

    fn completed(&self, s: &Shown, took: Option<std::time::Duration>) -> String {
        let ok = s.state != State::Failed;
        match s.kind {
            Kind::Message => format!("{}\n{}", self.paint(GREEN, "codex:"), s.text),
            Kind::Reasoning => self.paint(DIM, &format!("thinking: {}", s.title)),
            Kind::Command => {
                let mut facts = vec![match (s.exit_code, s.status) {
                    (Some(c), _) => format!("exit {c}"),
                    (None, Some(st)) => format!("{st:?}").to_lowercase(),
                    (None, None) => "done".into(),
                }];
                if let Some(t) = took {
                    facts.push(format!("{:.1}s", t.as_secs_f64()));
                }
                let head = format!(
                    "{} $ {} ({})",
                    if ok { "✓" } else { "✗" },
                    one_line(&s.text, 200),
                    facts.join(", ")
                );
                let mut out = self.paint(if ok { CYAN } else { RED }, &head);
                let output: Vec<&String> = s.body.iter().filter(|l| !l.trim().is_empty()).collect();
                for l in &output[output.len().saturating_sub(5)..] {
                    out.push('\n');
                    out.push_str(&self.paint(DIM, &format!("  │ {}", one_line(l, 160))));
                }
                out
            }
            Kind::FileChange => {
                let mut lines: Vec<String> = s
                    .changes
                    .iter()
                    .map(|(kind, path)| {
                        format!(
                            "✎ {} {}",
                            one_line(kind, 20),
                            one_line(&self.relative(path), 200)
                        )
                    })
                    .collect();
                if let Some(st) = s.status.filter(|st| *st != Status::Completed) {
                    lines.push(format!("  (patch {st:?})").to_lowercase());
                }
                self.paint(GREEN, &lines.join("\n"))
            }
            Kind::Tool => {
                let status = s.status.map(|st| format!("{st:?}")).unwrap_or_default();
                let mut l = format!("⚙ {} ({status})", s.title).to_lowercase();
                if let Some(e) = s.body.first() {
                    l.push_str(&format!(": {e}"));
                }
                self.paint(if ok { CYAN } else { RED }, &l)
            }
            Kind::Search => self.paint(CYAN, &format!("search: {}", s.title)),
            Kind::Todo => s.body.join("\n"),
            Kind::Warning | Kind::Error => self.paint(YELLOW, &format!("warning: {}", s.title)),
            Kind::Info => self.paint(DIM, &format!("({})", s.title)),
        }
    }

    fn relative(&self, path: &str) -> String {
        Path::new(path)
            .strip_prefix(&self.cwd)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| path.to_string())
    }
}

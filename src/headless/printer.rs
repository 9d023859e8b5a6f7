//! Readable lines for Codex events: what `codexmcp exec` prints without `--json`. Text is
//! sanitised once more here (it already was by the session): what reaches a terminal never
//! depends on where an event came from.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::engine::CodexEvent;
use crate::engine::event::{ItemKind, Status};
use crate::text::{one_line, sanitize};

/// Formats events as readable lines. Pure apart from the clock used for durations.
pub struct HumanPrinter {
    color: bool,
    cwd: PathBuf,
    started: HashMap<String, Instant>,
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
            CodexEvent::TurnStarted | CodexEvent::ItemDelta { .. } => return None,
            CodexEvent::ApprovalRequested {
                kind,
                command,
                reason,
                ..
            } => self.paint(
                YELLOW,
                &format!(
                    "approval requested ({kind}): {}{}",
                    one_line(command.as_deref().unwrap_or("file changes"), 200),
                    reason
                        .as_deref()
                        .map(|r| format!(" — {}", one_line(r, 200)))
                        .unwrap_or_default()
                ),
            ),
            CodexEvent::ApprovalResolved { decision, by, .. } => self.paint(
                YELLOW,
                &format!("approval: {decision} (by {})", one_line(by, 40)),
            ),
            CodexEvent::ItemStarted { item } => {
                self.started.insert(item.id.clone(), Instant::now());
                match &item.kind {
                    ItemKind::CommandExecution { command, .. } => {
                        self.paint(CYAN, &format!("$ {} …", one_line(command, 200)))
                    }
                    _ => return None,
                }
            }
            CodexEvent::ItemUpdated { item } => match &item.kind {
                ItemKind::TodoList { items } => self.todos(items),
                _ => return None,
            },
            CodexEvent::ItemCompleted { item } => {
                let took = self.started.remove(&item.id).map(|t| t.elapsed());
                self.completed(&item.kind, took)?
            }
            CodexEvent::TurnCompleted { usage, total } => self.paint(
                DIM,
                &format!(
                    "tokens: {} in ({} cached), {} out; thread total {}",
                    usage.input_tokens,
                    usage.cached_input_tokens,
                    usage.output_tokens,
                    total.total_tokens()
                ),
            ),
            CodexEvent::TurnFailed { message } => {
                self.paint(RED, &format!("turn failed: {}", one_line(message, 400)))
            }
            CodexEvent::TurnInterrupted { reason } => {
                self.paint(YELLOW, &format!("interrupted: {}", one_line(reason, 200)))
            }
            CodexEvent::Error { message } => {
                self.paint(YELLOW, &format!("warning: {}", one_line(message, 400)))
            }
            CodexEvent::EngineError { message, .. } => {
                self.paint(RED, &format!("error: {}", one_line(message, 600)))
            }
            CodexEvent::Unknown { event_type, .. } => self.paint(
                DIM,
                &format!("(unknown event {})", one_line(event_type, 60)),
            ),
            CodexEvent::Malformed { reason, .. } => self.paint(
                YELLOW,
                &format!(
                    "warning: unreadable output from codex ({})",
                    one_line(reason, 120)
                ),
            ),
        })
    }

    fn completed(&self, kind: &ItemKind, took: Option<std::time::Duration>) -> Option<String> {
        Some(match kind {
            ItemKind::AgentMessage { text } => {
                format!("{}\n{}", self.paint(GREEN, "codex:"), sanitize(text.trim()))
            }
            ItemKind::Reasoning { text } => {
                self.paint(DIM, &format!("thinking: {}", one_line(text, 300)))
            }
            ItemKind::CommandExecution {
                command,
                aggregated_output,
                exit_code,
                status,
            } => {
                let ok = *status == Status::Completed && exit_code.unwrap_or(0) == 0;
                let mut facts = vec![match exit_code {
                    Some(c) => format!("exit {c}"),
                    None => format!("{status:?}").to_lowercase(),
                }];
                if let Some(t) = took {
                    facts.push(format!("{:.1}s", t.as_secs_f64()));
                }
                let head = format!(
                    "{} $ {} ({})",
                    if ok { "✓" } else { "✗" },
                    one_line(command, 200),
                    facts.join(", ")
                );
                let mut out = self.paint(if ok { CYAN } else { RED }, &head);
                for l in tail_lines(aggregated_output, 5) {
                    out.push('\n');
                    out.push_str(&self.paint(DIM, &format!("  │ {l}")));
                }
                out
            }
            ItemKind::FileChange { changes, status } => {
                let mut lines: Vec<String> = changes
                    .iter()
                    .map(|c| {
                        format!(
                            "✎ {} {}",
                            one_line(&c.kind, 20),
                            one_line(&self.relative(&c.path), 200)
                        )
                    })
                    .collect();
                if *status != Status::Completed {
                    lines.push(format!("  (patch {status:?})").to_lowercase());
                }
                self.paint(GREEN, &lines.join("\n"))
            }
            ItemKind::McpToolCall {
                server,
                tool,
                error,
                status,
                ..
            } => {
                let mut l = format!(
                    "⚙ {}.{} ({status:?})",
                    one_line(server, 60),
                    one_line(tool, 60)
                )
                .to_lowercase();
                if let Some(e) = error {
                    l.push_str(&format!(": {}", one_line(e, 200)));
                }
                self.paint(
                    if *status == Status::Completed {
                        CYAN
                    } else {
                        RED
                    },
                    &l,
                )
            }
            ItemKind::WebSearch { query, .. } => {
                self.paint(CYAN, &format!("search: {}", one_line(query, 200)))
            }
            ItemKind::TodoList { items } => self.todos(items),
            ItemKind::Error { message } => {
                self.paint(YELLOW, &format!("warning: {}", one_line(message, 400)))
            }
            ItemKind::Other { item_type, .. } => {
                self.paint(DIM, &format!("({} item)", one_line(item_type, 60)))
            }
        })
    }

    fn todos(&self, items: &[crate::engine::event::Todo]) -> String {
        items
            .iter()
            .map(|t| {
                format!(
                    "{} {}",
                    if t.completed { "☑" } else { "☐" },
                    one_line(&t.text, 200)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn relative(&self, path: &str) -> String {
        Path::new(path)
            .strip_prefix(&self.cwd)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| path.to_string())
    }
}

/// The last `n` non-empty lines of command output, sanitized and shortened.
fn tail_lines(output: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| one_line(l, 160))
        .collect()
}

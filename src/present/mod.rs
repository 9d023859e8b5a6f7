//! How a Codex event reads, decided once for every front end.
//!
//! The headless printer and the TUI's event rows used to translate each item kind on their
//! own, so a new kind had to be taught twice and the two drifted. Here [`item`] turns an item
//! into a [`Shown`] — a display kind, a state, a one-line title, detail lines — and [`notice`]
//! turns the other events into one line of text; the front ends only lay them out (glyphs,
//! colours, widths). All text is sanitised here as well, whatever the session already did.

pub mod diff;
pub mod export;
pub mod meters;

pub use diff::{diff_lines, diffstat};

use crate::engine::event::{ItemKind, Status};
use crate::engine::{CodexEvent, Item};
use crate::text::{clean, one_line, sanitize};

/// Detail lines kept per item (the session log keeps everything).
pub const MAX_LINES: usize = 200;

/// What sort of thing a line is about, for glyphs and colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Reasoning,
    Command,
    FileChange,
    Message,
    Tool,
    Search,
    Todo,
    Warning,
    Error,
    Info,
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Running,
    Ok,
    Failed,
    Info,
}

/// An item, ready to lay out.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub kind: Kind,
    pub state: State,
    /// One line: a command as Codex ran it, the start of a message, a query, a plan's count.
    pub title: String,
    /// Detail lines, newest last, at most [`MAX_LINES`]: output, changes, plan steps, errors.
    pub body: Vec<String>,
    /// The whole text (sanitised) of a message or of reasoning, for printing in full; of a
    /// command, the command line as Codex ran it (the title drops the shell wrapper).
    pub text: String,
    pub exit_code: Option<i64>,
    /// The item's own status, when it has one.
    pub status: Option<Status>,
    /// File changes as (change kind, path), whole (lay them out with `one_line`).
    pub changes: Vec<(String, String)>,
    /// The changes as diff lines (sanitised, at most [`diff::MAX_DIFF_LINES`]), when Codex
    /// sent them.
    pub diff: Vec<String>,
}

impl Shown {
    fn new(kind: Kind, state: State, title: String) -> Self {
        Self {
            kind,
            state,
            title,
            body: Vec::new(),
            text: String::new(),
            exit_code: None,
            status: None,
            changes: Vec::new(),
            diff: Vec::new(),
        }
    }
}

/// An item as it reads; `done` when it came with `item.completed`.
pub fn item(item: &Item, done: bool) -> Shown {
    let finished = if done { State::Ok } else { State::Running };
    let by_status = |s: Status| match s {
        Status::InProgress if !done => State::Running,
        Status::Failed | Status::Declined => State::Failed,
        _ => State::Ok,
    };
    match &item.kind {
        ItemKind::Reasoning { text } | ItemKind::AgentMessage { text } => {
            let (kind, state) = match &item.kind {
                ItemKind::Reasoning { .. } => (Kind::Reasoning, State::Info),
                _ => (Kind::Message, State::Ok),
            };
            let mut s = Shown::new(kind, state, one_line(text, 300));
            s.body = lines(text);
            s.text = sanitize(text.trim());
            s
        }
        ItemKind::CommandExecution {
            command,
            aggregated_output,
            exit_code,
            status,
        } => {
            let state = match (status, exit_code) {
                (Status::InProgress, _) if !done => State::Running,
                (_, Some(c)) if *c != 0 => State::Failed,
                (s, _) => by_status(*s),
            };
            let mut s = Shown::new(Kind::Command, state, one_line(&short_command(command), 300));
            s.text = sanitize(command);
            s.body = lines(aggregated_output);
            s.exit_code = *exit_code;
            s.status = Some(*status);
            s
        }
        ItemKind::FileChange { changes, status } => {
            let title = match changes.as_slice() {
                [one] => format!(
                    "{} {}",
                    one_line(&one.kind, 20),
                    one_line(&short_path(&one.path), 200)
                ),
                many => format!("{} files changed", many.len()),
            };
            let mut s = Shown::new(Kind::FileChange, by_status(*status), title);
            s.changes = changes
                .iter()
                .map(|c| (clean(&c.kind), clean(&c.path)))
                .collect();
            s.body = changes
                .iter()
                .map(|c| format!("{} {}", one_line(&c.kind, 20), one_line(&c.path, 300)))
                .collect();
            s.status = Some(*status);
            s.diff = diff::of_changes(changes);
            s
        }
        ItemKind::McpToolCall {
            server,
            tool,
            error,
            status,
            ..
        } => {
            let title = format!("{}.{}", one_line(server, 60), one_line(tool, 60));
            let mut s = Shown::new(Kind::Tool, by_status(*status), title);
            s.body = error.iter().map(|e| one_line(e, 300)).collect();
            s.status = Some(*status);
            s
        }
        ItemKind::WebSearch { query, .. } => {
            Shown::new(Kind::Search, finished, one_line(query, 200))
        }
        ItemKind::TodoList { items } => {
            let done_n = items.iter().filter(|t| t.completed).count();
            let mut s = Shown::new(
                Kind::Todo,
                finished,
                format!("plan {done_n}/{}", items.len()),
            );
            s.body = items
                .iter()
                .map(|t| {
                    let mark = if t.completed { "☑" } else { "☐" };
                    format!("{mark} {}", one_line(&t.text, 200))
                })
                .collect();
            s
        }
        ItemKind::Error { message } => {
            Shown::new(Kind::Warning, State::Info, one_line(message, 400))
        }
        ItemKind::Other { item_type, .. } => Shown::new(
            Kind::Info,
            State::Info,
            format!("{} item", one_line(item_type, 60)),
        ),
    }
}

/// One line for an event that is not an item (approvals, warnings, failures, the unknown);
/// `None` for the ones that are not shown as a line of their own.
pub fn notice(event: &CodexEvent) -> Option<(Kind, String)> {
    Some(match event {
        CodexEvent::ApprovalRequested {
            kind,
            command,
            reason,
            ..
        } => {
            let what = one_line(command.as_deref().unwrap_or("file changes"), 200);
            let why = reason
                .as_deref()
                .map(|r| format!(" — {}", one_line(r, 200)))
                .unwrap_or_default();
            (
                Kind::Warning,
                format!("approval requested ({kind}): {what}{why}"),
            )
        }
        CodexEvent::ApprovalResolved { decision, by, .. } => (
            Kind::Info,
            format!("approval: {decision} (by {})", one_line(by, 40)),
        ),
        CodexEvent::Error { message } => (
            Kind::Warning,
            format!("warning: {}", one_line(message, 400)),
        ),
        CodexEvent::TurnFailed { message } => (
            Kind::Error,
            format!("turn failed: {}", one_line(message, 400)),
        ),
        CodexEvent::EngineError { message, .. } => {
            (Kind::Error, format!("error: {}", one_line(message, 600)))
        }
        CodexEvent::TurnInterrupted { reason } => (
            Kind::Warning,
            format!("interrupted: {}", one_line(reason, 200)),
        ),
        CodexEvent::Malformed { reason, .. } => (
            Kind::Warning,
            format!(
                "warning: unreadable output from codex ({})",
                one_line(reason, 120)
            ),
        ),
        CodexEvent::Unknown { event_type, .. } => (
            Kind::Info,
            format!("(unknown event {})", one_line(event_type, 60)),
        ),
        CodexEvent::PlanUpdated { steps } => {
            let done = steps.iter().filter(|s| s.status == "completed").count();
            let list: Vec<String> = steps
                .iter()
                .take(20)
                .map(|s| {
                    let mark = match s.status.as_str() {
                        "completed" => "✓",
                        "in_progress" => "▸",
                        _ => "·",
                    };
                    format!("{mark} {}", one_line(&s.text, 120))
                })
                .collect();
            (
                Kind::Todo,
                format!("plan ({done}/{} done): {}", steps.len(), list.join("; ")),
            )
        }
        CodexEvent::ThreadCompacted { .. } => (
            Kind::Info,
            "context compacted: the conversation so far is summarised".to_string(),
        ),
        CodexEvent::ThreadStarted { .. }
        | CodexEvent::TurnDiffUpdated { .. }
        | CodexEvent::UsageUpdated { .. }
        | CodexEvent::RateLimits { .. }
        | CodexEvent::TurnStarted
        | CodexEvent::ItemStarted { .. }
        | CodexEvent::ItemUpdated { .. }
        | CodexEvent::ItemCompleted { .. }
        | CodexEvent::TurnCompleted { .. }
        | CodexEvent::ItemDelta { .. } => return None,
    })
}

/// `/bin/bash -lc 'echo hi'` → `echo hi`: the wrapper is noise where room is short.
pub fn short_command(command: &str) -> String {
    for prefix in [
        "/bin/bash -lc ",
        "bash -lc ",
        "/bin/sh -c ",
        "/bin/zsh -lc ",
    ] {
        if let Some(rest) = command.strip_prefix(prefix) {
            let rest = rest.trim();
            if rest.len() >= 2 && rest.starts_with('\'') && rest.ends_with('\'') {
                return rest[1..rest.len() - 1].replace("'\\''", "'");
            }
            return rest.to_string();
        }
    }
    command.to_string()
}

/// The last two parts of a path: `dir/file`.
pub fn short_path(p: &str) -> String {
    let parts: Vec<&str> = p.rsplitn(3, '/').collect();
    match parts.as_slice() {
        [file, dir, _] => format!("{dir}/{file}"),
        _ => p.to_string(),
    }
}

/// Sanitised lines of `text`: the last [`MAX_LINES`], each at most 1,000 characters.
pub fn lines(text: &str) -> Vec<String> {
    let clean = sanitize(text);
    let all: Vec<&str> = clean.lines().collect();
    all[all.len().saturating_sub(MAX_LINES)..]
        .iter()
        .map(|l| l.chars().take(1000).collect())
        .collect()
}

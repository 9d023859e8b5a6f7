//! The Codex event pane's model: one row per Codex item, updated in place.
//!
//! Rows are keyed by (run, item id) because Codex restarts item ids on every `exec resume`.
//! Text is sanitized once, when the event arrives, so rendering never sees raw Codex output.
//! Memory is bounded: at most [`MAX_ROWS`] rows and [`MAX_OUTPUT_LINES`] output lines per row
//! are kept; older rows are dropped and counted (the session log keeps everything), so a
//! session of a million events costs the same memory as one of ten thousand.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::engine::event::{ItemKind, Status};
use crate::engine::{CodexEvent, DeltaStream, Item};
use crate::text::{one_line, sanitize};

pub const MAX_ROWS: usize = 2_000;
pub const MAX_OUTPUT_LINES: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    Running,
    Ok,
    Failed,
    Info,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub run: u64,
    pub id: String,
    pub kind: RowKind,
    pub state: RowState,
    /// One line, sanitized.
    pub title: String,
    /// Extra lines (command output, file list, todo items), sanitized, newest last.
    pub body: Vec<String>,
    pub exit_code: Option<i64>,
    pub started: Option<Instant>,
    pub duration: Option<Duration>,
    pub expanded: bool,
    /// Files this row changed (absolute paths), for marking the tree.
    pub files: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Rows {
    rows: VecDeque<Row>,
    /// (run, id) → absolute sequence number of the row.
    index: HashMap<(u64, String), u64>,
    /// Sequence number of `rows[0]`.
    first_seq: u64,
    pub dropped: u64,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Row> + ExactSizeIterator {
        self.rows.iter()
    }

    pub fn get(&self, i: usize) -> Option<&Row> {
        self.rows.get(i)
    }

    pub fn toggle(&mut self, i: usize) {
        if let Some(r) = self.rows.get_mut(i) {
            r.expanded = !r.expanded;
        }
    }

    fn push(&mut self, row: Row) {
        if self.rows.len() == MAX_ROWS {
            if let Some(old) = self.rows.pop_front() {
                self.index.remove(&(old.run, old.id));
            }
            self.first_seq += 1;
            self.dropped += 1;
        }
        let seq = self.first_seq + self.rows.len() as u64;
        if !row.id.is_empty() {
            self.index.insert((row.run, row.id.clone()), seq);
        }
        self.rows.push_back(row);
    }

    fn find_mut(&mut self, run: u64, id: &str) -> Option<&mut Row> {
        let seq = *self.index.get(&(run, id.to_string()))?;
        let pos = seq.checked_sub(self.first_seq)? as usize;
        self.rows.get_mut(pos)
    }

    /// A free-standing line (errors, notices) that is not a Codex item.
    pub fn note(&mut self, run: u64, kind: RowKind, text: &str) {
        let state = match kind {
            RowKind::Error => RowState::Failed,
            _ => RowState::Info,
        };
        self.push(Row::new(
            run,
            String::new(),
            kind,
            state,
            one_line(text, 500),
        ));
    }

    /// Applies one Codex event; returns paths of files it changed.
    pub fn apply(&mut self, run: u64, event: &CodexEvent, now: Instant) -> Vec<String> {
        match event {
            CodexEvent::ItemStarted { item } | CodexEvent::ItemUpdated { item } => {
                self.upsert(run, item, now, false);
                Vec::new()
            }
            CodexEvent::ItemCompleted { item } => self.upsert(run, item, now, true),
            CodexEvent::ItemDelta {
                item_id,
                stream,
                delta,
            } => {
                self.append(run, item_id, *stream, delta, now);
                Vec::new()
            }
            CodexEvent::ApprovalRequested {
                kind,
                command,
                reason,
                ..
            } => {
                let what = command.clone().unwrap_or_else(|| "file changes".into());
                let why = reason
                    .as_deref()
                    .map(|r| format!(" — {r}"))
                    .unwrap_or_default();
                self.note(
                    run,
                    RowKind::Warning,
                    &format!("approval requested ({kind}): {what}{why}"),
                );
                Vec::new()
            }
            CodexEvent::ApprovalResolved { decision, by, .. } => {
                self.note(
                    run,
                    RowKind::Info,
                    &format!("approval: {decision} (by {by})"),
                );
                Vec::new()
            }
            CodexEvent::Error { message } => {
                self.note(run, RowKind::Warning, message);
                Vec::new()
            }
            CodexEvent::TurnFailed { message } => {
                self.note(run, RowKind::Error, &format!("turn failed: {message}"));
                Vec::new()
            }
            CodexEvent::EngineError { message, .. } => {
                self.note(run, RowKind::Error, message);
                Vec::new()
            }
            CodexEvent::TurnInterrupted { reason } => {
                self.note(run, RowKind::Warning, &format!("interrupted: {reason}"));
                self.stop_running(run, now);
                Vec::new()
            }
            CodexEvent::Malformed { reason, .. } => {
                self.note(
                    run,
                    RowKind::Warning,
                    &format!("unreadable output from codex: {reason}"),
                );
                Vec::new()
            }
            CodexEvent::Unknown { event_type, .. } => {
                self.note(run, RowKind::Info, &format!("unknown event {event_type}"));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Streams text into an item's row (created on the first delta).
    fn append(&mut self, run: u64, id: &str, stream: DeltaStream, delta: &str, now: Instant) {
        if self.find_mut(run, id).is_none() {
            let kind = match stream {
                DeltaStream::Reasoning => RowKind::Reasoning,
                DeltaStream::CommandOutput => RowKind::Command,
                _ => RowKind::Message,
            };
            let title = if kind == RowKind::Command {
                "command output".to_string()
            } else {
                String::new()
            };
            let mut row = Row::new(run, id.to_string(), kind, RowState::Running, title);
            row.started = Some(now);
            self.push(row);
        }
        let Some(row) = self.find_mut(run, id) else {
            return;
        };
        let clean = sanitize(delta);
        let mut text = row.body.join("\n");
        text.push_str(&clean);
        row.body = lines(&text);
        if row.kind != RowKind::Command {
            row.title = one_line(&text, 300);
        }
    }

    /// Marks rows of a run that never completed (interrupt, crash) as failed.
    pub fn stop_running(&mut self, run: u64, now: Instant) {
        for r in self
            .rows
            .iter_mut()
            .filter(|r| r.run == run && r.state == RowState::Running)
        {
            r.state = RowState::Failed;
            r.duration = r.started.map(|s| now.saturating_duration_since(s));
        }
    }

    fn upsert(&mut self, run: u64, item: &Item, now: Instant, done: bool) -> Vec<String> {
        let fresh = Row::from_item(run, item, now, done);
        let files = if done {
            fresh.files.clone()
        } else {
            Vec::new()
        };
        match self.find_mut(run, &item.id) {
            Some(row) => {
                let started = row.started;
                let expanded = row.expanded;
                *row = fresh;
                row.started = started.or(row.started);
                row.expanded = expanded;
                if done {
                    row.duration = row.started.map(|s| now.saturating_duration_since(s));
                }
            }
            None => self.push(fresh),
        }
        files
    }
}

impl Row {
    fn new(run: u64, id: String, kind: RowKind, state: RowState, title: String) -> Self {
        Self {
            run,
            id,
            kind,
            state,
            title,
            body: Vec::new(),
            exit_code: None,
            started: None,
            duration: None,
            expanded: false,
            files: Vec::new(),
        }
    }

    fn from_item(run: u64, item: &Item, now: Instant, done: bool) -> Self {
        let running = if done {
            RowState::Ok
        } else {
            RowState::Running
        };
        let by_status = |s: Status| match s {
            Status::InProgress if !done => RowState::Running,
            Status::Failed | Status::Declined => RowState::Failed,
            _ => RowState::Ok,
        };
        let mut row = match &item.kind {
            ItemKind::Reasoning { text } => {
                let mut r = Row::new(
                    run,
                    item.id.clone(),
                    RowKind::Reasoning,
                    RowState::Info,
                    one_line(text, 300),
                );
                r.body = lines(text);
                r
            }
            ItemKind::AgentMessage { text } => {
                let mut r = Row::new(
                    run,
                    item.id.clone(),
                    RowKind::Message,
                    RowState::Ok,
                    one_line(text, 300),
                );
                r.body = lines(text);
                r
            }
            ItemKind::CommandExecution {
                command,
                aggregated_output,
                exit_code,
                status,
            } => {
                let state = match (status, exit_code) {
                    (Status::InProgress, _) if !done => RowState::Running,
                    (_, Some(c)) if *c != 0 => RowState::Failed,
                    (s, _) => by_status(*s),
                };
                let mut r = Row::new(
                    run,
                    item.id.clone(),
                    RowKind::Command,
                    state,
                    one_line(&strip_shell(command), 300),
                );
                r.body = lines(aggregated_output);
                r.exit_code = *exit_code;
                r
            }
            ItemKind::FileChange { changes, status } => {
                let title = match changes.as_slice() {
                    [one] => format!("{} {}", one.kind, one_line(&short_path(&one.path), 200)),
                    many => format!("{} files changed", many.len()),
                };
                let mut r = Row::new(
                    run,
                    item.id.clone(),
                    RowKind::FileChange,
                    by_status(*status),
                    title,
                );
                r.body = changes
                    .iter()
                    .map(|c| format!("{} {}", c.kind, one_line(&c.path, 300)))
                    .collect();
                r.files = changes.iter().map(|c| c.path.clone()).collect();
                r
            }
            ItemKind::McpToolCall {
                server,
                tool,
                error,
                status,
                ..
            } => {
                let mut r = Row::new(
                    run,
                    item.id.clone(),
                    RowKind::Tool,
                    by_status(*status),
                    one_line(&format!("{server}.{tool}"), 200),
                );
                r.body = error.iter().map(|e| one_line(e, 300)).collect();
                r
            }
            ItemKind::WebSearch { query, .. } => Row::new(
                run,
                item.id.clone(),
                RowKind::Search,
                running,
                one_line(query, 200),
            ),
            ItemKind::TodoList { items } => {
                let done_n = items.iter().filter(|t| t.completed).count();
                let mut r = Row::new(
                    run,
                    item.id.clone(),
                    RowKind::Todo,
                    running,
                    format!("plan {done_n}/{}", items.len()),
                );
                r.body = items
                    .iter()
                    .map(|t| {
                        format!(
                            "{} {}",
                            if t.completed { "☑" } else { "☐" },
                            one_line(&t.text, 200)
                        )
                    })
                    .collect();
                r
            }
            ItemKind::Error { message } => Row::new(
                run,
                item.id.clone(),
                RowKind::Warning,
                RowState::Info,
                one_line(message, 300),
            ),
            ItemKind::Other { item_type, .. } => Row::new(
                run,
                item.id.clone(),
                RowKind::Info,
                RowState::Info,
                format!("{} item", one_line(item_type, 60)),
            ),
        };
        if !done {
            row.started = Some(now);
        }
        row
    }
}

/// `/bin/bash -lc 'echo hi'` → `echo hi`: the wrapper is noise in a narrow pane.
fn strip_shell(command: &str) -> String {
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

fn short_path(p: &str) -> String {
    let parts: Vec<&str> = p.rsplitn(3, '/').collect();
    match parts.as_slice() {
        [file, dir, _] => format!("{dir}/{file}"),
        _ => p.to_string(),
    }
}

fn lines(text: &str) -> Vec<String> {
    let clean = sanitize(text);
    let all: Vec<&str> = clean.lines().collect();
    all[all.len().saturating_sub(MAX_OUTPUT_LINES)..]
        .iter()
        .map(|l| l.chars().take(1000).collect())
        .collect()
}

//! The Codex event pane's model: one row per Codex item, updated in place.
//!
//! Rows are keyed by (run, item id) because Codex restarts item ids on every `exec resume`.
//! Text is sanitized once, when the event arrives, so rendering never sees raw Codex output.
//! Memory is bounded: at most [`MAX_ROWS`] rows and [`MAX_OUTPUT_LINES`] output lines per row
//! are kept; older rows are dropped and counted (the session log keeps everything), so a
//! session of a million events costs the same memory as one of ten thousand.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::time::{Duration, Instant};

use ratatui::text::Line;

use super::render::{self, Para};
use crate::engine::event::ItemKind;
use crate::engine::{CodexEvent, DeltaStream, Item};
use crate::present::{self, lines};
pub use crate::present::{Kind as RowKind, MAX_LINES as MAX_OUTPUT_LINES, State as RowState};
use crate::session::checkpoint::TurnDiff;
use crate::text::{one_line, sanitize};

pub const MAX_ROWS: usize = 2_000;

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
    /// The row's changes as diff lines (sanitised, bounded), shown when it is expanded:
    /// Codex's own diff as the item arrives, codexmcp's checkpoint diff after the turn.
    pub diff: Vec<String>,
    /// `diff` rendered (numbers, colours, emphasis), once, when it is set.
    pub styled_diff: Vec<Para>,
    /// Reasoning and messages: the title and the text rendered as Markdown.
    pub markdown: Option<(Line<'static>, Vec<Para>)>,
    /// Commands: the output with its colours as styles (the body is its plain text).
    pub output: Option<render::ansi::Output>,
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
            // The plan is one checklist row per turn, updated in place.
            CodexEvent::PlanUpdated { steps } => {
                let items = steps
                    .iter()
                    .map(|s| crate::engine::event::Todo {
                        text: match s.status.as_str() {
                            "in_progress" => format!("{} (in progress)", s.text),
                            _ => s.text.clone(),
                        },
                        completed: s.status == "completed",
                    })
                    .collect();
                let item = crate::engine::Item {
                    id: "plan".into(),
                    kind: crate::engine::ItemKind::TodoList { items },
                };
                self.upsert(run, &item, now, false);
                Vec::new()
            }
            CodexEvent::ItemDelta {
                item_id,
                stream,
                delta,
            } => {
                self.append(run, item_id, *stream, delta, now);
                Vec::new()
            }
            other => {
                if let Some((kind, text)) = present::notice(other) {
                    self.note(run, kind, &text);
                }
                if let CodexEvent::TurnInterrupted { .. } = other {
                    self.stop_running(run, now);
                }
                Vec::new()
            }
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
        if row.kind == RowKind::Command {
            row.output
                .get_or_insert_with(|| render::ansi::Output::new(colour()))
                .push(delta);
        }
        let clean = sanitize(delta);
        let mut text = row.body.join("\n");
        text.push_str(&clean);
        row.body = lines(&text);
        if row.kind != RowKind::Command {
            row.title = one_line(&text, 300);
            // The title as it will read (bounded: 300 characters); the text is rendered once,
            // when the item completes.
            row.markdown = Some((inline(&row.title), Vec::new()));
        }
    }

    /// What run `run` changed, after it: each of its file-change rows gets its files' part of
    /// the checkpoint diff (which also sees what commands wrote), and a row of its own sums
    /// up the whole turn. `cwd` turns the diff's relative paths into the rows' absolute ones.
    pub fn attach_diff(&mut self, run: u64, diff: &TurnDiff, cwd: &Path) {
        if diff.files.is_empty() && diff.ignored.is_empty() {
            return;
        }
        for row in self
            .rows
            .iter_mut()
            .filter(|r| r.run == run && r.kind == RowKind::FileChange && !r.files.is_empty())
        {
            let paths: Vec<String> = row
                .files
                .iter()
                .map(|f| {
                    let p = Path::new(f);
                    p.strip_prefix(cwd).unwrap_or(p).display().to_string()
                })
                .collect();
            let lines = present::diff::for_paths(&diff.patch, &paths);
            if !lines.is_empty() {
                row.set_diff(lines);
            }
        }
        let (added, removed) = diff
            .files
            .iter()
            .fold((0, 0), |(a, r), f| (a + f.added, r + f.removed));
        let n = diff.files.len();
        let title = format!(
            "the turn changed {n} file{} (+{added} -{removed})",
            if n == 1 { "" } else { "s" }
        );
        let mut row = Row::new(run, String::new(), RowKind::FileChange, RowState::Ok, title);
        let stat = present::diffstat(&diff.files).unwrap_or_default();
        row.body = stat.lines().skip(1).map(|l| l.trim().to_string()).collect();
        row.body.extend(
            present::diff::ignored_summary(&diff.ignored).map(|l| l.trim_end().to_string()),
        );
        row.files = diff
            .files
            .iter()
            .map(|f| cwd.join(f.path.to_path()).display().to_string())
            .collect();
        row.set_diff(present::diff::for_paths(
            &diff.patch,
            &diff
                .files
                .iter()
                .map(|f| f.path.display())
                .collect::<Vec<_>>(),
        ));
        self.push(row);
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
                let diff = std::mem::take(&mut row.diff);
                let styled = std::mem::take(&mut row.styled_diff);
                *row = fresh;
                row.started = started.or(row.started);
                row.expanded = expanded;
                if row.diff.is_empty() {
                    row.diff = diff;
                    row.styled_diff = styled;
                }
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
            diff: Vec::new(),
            styled_diff: Vec::new(),
            markdown: None,
            output: None,
        }
    }

    fn set_diff(&mut self, lines: Vec<String>) {
        self.styled_diff = render::diff::render(&lines, render::theme::current());
        self.diff = lines;
    }

    fn from_item(run: u64, item: &Item, now: Instant, done: bool) -> Self {
        let shown = present::item(item, done);
        let markdown = matches!(shown.kind, RowKind::Reasoning | RowKind::Message).then(|| {
            let theme = render::theme::current();
            (
                inline(&shown.title),
                render::markdown::render(&shown.text, theme),
            )
        });
        let mut row = Row::new(run, item.id.clone(), shown.kind, shown.state, shown.title);
        row.markdown = markdown;
        if let ItemKind::CommandExecution {
            aggregated_output, ..
        } = &item.kind
        {
            row.output = Some(render::ansi::Output::of(aggregated_output, colour()));
        }
        row.body = shown.body;
        row.exit_code = shown.exit_code;
        row.files = shown.changes.into_iter().map(|(_, path)| path).collect();
        if !shown.diff.is_empty() {
            row.set_diff(shown.diff);
        }
        if !done {
            row.started = Some(now);
        }
        row
    }
}

/// One line of Markdown as styled spans, block breaks as spaces.
fn inline(text: &str) -> Line<'static> {
    let paras = render::markdown::render(text, render::theme::current());
    Line::from(
        paras
            .into_iter()
            .flat_map(|p| p.line.spans)
            .collect::<Vec<_>>(),
    )
}

/// Whether colours are drawn at all (not under `NO_COLOR`).
fn colour() -> bool {
    render::theme::current().kind != render::theme::Kind::Plain
}

//! The Codex events pane's state: the rows (one per Codex item, see [`Rows`]) and which one
//! is selected — `None` follows the tail as new rows arrive.

mod draw;

use std::time::Instant;

pub use draw::{Clock, row_lines};

use super::rows::{RowKind, Rows};
use crate::engine::CodexEvent;

#[derive(Debug, Default)]
pub struct EventPane {
    rows: Rows,
    /// Selected row (None = follow the tail).
    selected: Option<usize>,
}

impl EventPane {
    pub fn rows(&self) -> &Rows {
        &self.rows
    }

    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// Applies a Codex event of run `run`; returns the paths of files it changed.
    pub fn apply(&mut self, run: u64, event: &CodexEvent, now: Instant) -> Vec<String> {
        let files = self.rows.apply(run, event, now);
        if let Some(sel) = self.selected {
            // Keep the selection on a row when old rows fall off the front.
            self.selected = Some(sel.min(self.rows.len().saturating_sub(1)));
        }
        files
    }

    /// What run `run` changed, after it (see [`Rows::attach_diff`]).
    pub fn attach_diff(
        &mut self,
        run: u64,
        diff: &crate::session::checkpoint::TurnDiff,
        cwd: &std::path::Path,
    ) {
        self.rows.attach_diff(run, diff, cwd);
    }

    pub fn note(&mut self, run: u64, kind: RowKind, text: &str) {
        self.rows.note(run, kind, text);
    }

    /// Marks what run `run` left running as stopped.
    pub fn stop_running(&mut self, run: u64, now: Instant) {
        self.rows.stop_running(run, now);
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Selects row `i`.
    pub fn select(&mut self, i: usize) {
        self.selected = Some(i.min(self.rows.len().saturating_sub(1)));
    }

    /// Follow the tail again.
    pub fn follow(&mut self) {
        self.selected = None;
    }

    /// Moves the selection by `delta` rows; moving past the end follows the tail.
    pub fn scroll_by(&mut self, delta: i64) {
        let last = self.rows.len().saturating_sub(1);
        let cur = self.selected.unwrap_or(last) as i64;
        let next = cur.saturating_add(delta).clamp(0, last as i64) as usize;
        self.selected = if next >= last && delta > 0 {
            None
        } else {
            Some(next)
        };
    }

    /// Expands or folds the selected row (the last one when following).
    pub fn toggle_selected(&mut self) {
        let i = self.selected.unwrap_or(self.rows.len().saturating_sub(1));
        self.rows.toggle(i);
    }
}

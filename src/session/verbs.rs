//! What a session can do to its thread as a whole, beyond a turn: fork it (a new thread with
//! the turns up to one of them — the stored record and transcript go along), compact its
//! context, and run the next turns in plan mode. Forking and compacting are Codex's own
//! (app-server `thread/fork`, `thread/compact/start`, see [`crate::engine::threads`]);
//! codexmcp keeps its record of the new thread so `--resume`, `diff`, `export` and the MCP
//! tools know it.

use crate::engine::threads::{self, Forked};
use crate::engine::{CodexEvent, EngineError};

use super::Session;
use super::record::{LogEntry, now_ms};

impl Session {
    /// Plan mode for the next turns (Codex's `plan` collaboration mode; app-server only).
    pub fn set_plan(&mut self, on: bool) {
        self.plan = on;
    }

    /// Forks the thread through its turn `through` (1 the first, -1 or `None` the last). The
    /// session stays on its thread; the fork is recorded (its title says whose fork it is) with
    /// the transcript up to that turn.
    pub async fn fork(&self, through: Option<i64>) -> Result<Forked, EngineError> {
        let id = self
            .thread_id
            .clone()
            .ok_or_else(|| EngineError::Thread("fork: no thread yet".into()))?;
        let forked = threads::fork(&self.engine, &id, through).await?;
        if let Some(store) = &self.store
            && let Err(e) = copy_record(store, &id, &forked)
        {
            super::unsaved::say(
                "fork",
                format!("the fork's transcript could not be stored: {e}"),
            );
        }
        Ok(forked)
    }

    /// Compacts the thread's context; returns what Codex reported meanwhile (the compaction
    /// item, the new usage, `thread.compacted`), sanitised like a turn's events.
    pub async fn compact(&mut self) -> Result<Vec<CodexEvent>, EngineError> {
        let id = self
            .thread_id
            .clone()
            .ok_or_else(|| EngineError::Thread("compact: no thread yet".into()))?;
        let mut events = threads::compact(&self.engine, &id, self.total).await?;
        for e in &mut events {
            super::turn::sanitise(e);
            if let CodexEvent::TurnCompleted { total, .. }
            | CodexEvent::UsageUpdated { total, .. } = e
            {
                self.total = *total;
            }
        }
        Ok(events)
    }
}

/// The parent's record and transcript, through the prompt of turn `forked.at_turn`, under the
/// fork's id.
fn copy_record(store: &super::Store, parent: &str, forked: &Forked) -> Result<(), String> {
    let Some(mut record) = store.load(parent).map_err(|e| format!("{e:#}"))? else {
        return Ok(());
    };
    let title = crate::text::one_line(&record.title, 60);
    record.id = forked.thread_id.clone();
    record.title = format!("{title} (fork at turn {})", forked.at_turn);
    record.turns = u32::try_from(forked.at_turn).unwrap_or(u32::MAX);
    record.created_ms = now_ms();
    record.updated_ms = record.created_ms;
    store.save(&record).map_err(|e| format!("{e:#}"))?;
    let log = store.read_log(parent).map_err(|e| format!("{e:#}"))?;
    let mut prompts = 0;
    let kept: Vec<LogEntry> = log
        .entries
        .into_iter()
        .take_while(|e| {
            if let LogEntry::Prompt { .. } = e {
                prompts += 1;
            }
            prompts <= forked.at_turn
        })
        .collect();
    store
        .append(&forked.thread_id, &kept)
        .map_err(|e| format!("{e:#}"))
}

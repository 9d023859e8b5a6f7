//! What a session can do to its thread as a whole, beyond a turn: compact its context (Codex's
//! own `thread/compact/start`, see [`crate::engine::threads`]), run the next turns in plan
//! mode, and say what a review of one of its turns looks at. Forking is in [`super::fork`].

use crate::engine::threads;
use crate::engine::{CodexEvent, EngineError};

use super::Session;

impl Session {
    /// Plan mode for the next turns (Codex's `plan` collaboration mode; app-server only).
    pub fn set_plan(&mut self, on: bool) {
        self.plan = on;
    }

    /// What reviewing turn `turn` of the thread (1 the first, -1 the last) hands Codex, and
    /// that turn's diff (see [`super::checkpoint::Store::turn_review`]).
    pub async fn turn_review(
        &self,
        turn: i64,
    ) -> Result<(crate::engine::review::Target, super::checkpoint::TurnDiff), String> {
        let id = self
            .thread_id
            .clone()
            .ok_or("no thread yet: no turn to review")?;
        let checkpoints = self
            .checkpoints
            .clone()
            .ok_or("no checkpoints: codexmcp's state dir is unavailable (is HOME set?)")?;
        tokio::task::spawn_blocking(move || checkpoints.turn_review(&id, turn))
            .await
            .map_err(|e| format!("stopped: {e}"))?
    }

    /// Compacts the thread's context; returns what Codex reported meanwhile (the compaction
    /// item, the new usage, `thread.compacted`), sanitised like a turn's events.
    pub async fn compact(&mut self) -> Result<Vec<CodexEvent>, EngineError> {
        let id = self
            .thread_id
            .clone()
            .ok_or_else(|| EngineError::Thread("compact: no thread yet".into()))?;
        let codex = self.codex_thread().unwrap_or_else(|| id.clone());
        let mut events = threads::compact(&self.engine, &codex, self.total).await?;
        for e in &mut events {
            // Named as the user knows the thread, whichever Codex thread holds it.
            if let CodexEvent::ThreadCompacted { thread_id } = e {
                thread_id.clone_from(&id);
            }
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

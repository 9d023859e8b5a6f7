//! Undo and redo of a thread's last turn: the files from the checkpoints, the conversation
//! through Codex's threads — and the thread id the user knows stays the handle throughout.
//!
//! An undo restores the files the turn changed (see [`super::undo::restore`]), then moves the
//! conversation to a copy of the Codex thread without its last turn
//! ([`crate::engine::rewind::without_last_turn`]), keeping the thread it left untouched. The
//! session record maps the user's id to the copy (`rewind.backing`) and remembers the thread
//! it left (`rewind.redo`). A redo puts the turn's files back from its checkpoints and maps the
//! id to the thread it left, which still holds the turn exactly: the model's next request sees
//! the same turns as before the undo. A new turn after an undo clears what could be redone.
//! `--resume ID`, `undo ID`, `redo ID`, `diff ID`, `export ID` and the MCP tools all resolve the
//! id through the record, so any number of undos and redos leaves the handle unchanged.

use std::path::PathBuf;

use serde_json::json;

use super::Session;
use super::record::Undid;
use super::undo::{UndoError, Undone, restore};
use crate::text::one_line;

/// What an undo or a redo did.
#[derive(Debug)]
pub struct Rewound {
    /// `true` for a redo.
    pub redo: bool,
    /// The thread, as the user knows it.
    pub thread_id: String,
    /// The turn taken back or put back (1 the first, counted among the turns in effect).
    pub turn: usize,
    /// What happened to the files.
    pub files: Undone,
    /// Why the conversation was not taken back, when it was not (the files were).
    pub conversation: Option<String>,
}

impl Rewound {
    /// `turn.undone` / `turn.redone` {thread_id, turn, restored, removed, failed}.
    pub fn event(&self) -> serde_json::Value {
        let paths = |v: &[super::checkpoint::RelPath]| -> Vec<String> {
            v.iter().map(|p| one_line(&p.display(), 4096)).collect()
        };
        let failed: Vec<_> = self
            .files
            .failed
            .iter()
            .map(|(p, why)| json!({"path": one_line(&p.display(), 4096), "reason": why}))
            .collect();
        let mut event = json!({
            "type": if self.redo { "turn.redone" } else { "turn.undone" },
            "thread_id": one_line(&self.thread_id, 80),
            "turn": self.turn,
            "restored": paths(&self.files.restored),
            "removed": paths(&self.files.removed),
            "failed": failed,
        });
        if let Some(why) = &self.conversation {
            event["conversation_error"] = json!(why);
        }
        event
    }

    /// What to tell the user, one line each.
    pub fn report(&self) -> String {
        let id = one_line(&self.thread_id, 80);
        let mut out = match self.redo {
            false => format!("undid turn {} of {id}\n", self.turn),
            true => format!("redid turn {} of {id}\n", self.turn),
        };
        match (&self.conversation, self.redo) {
            (None, false) => out.push_str("the conversation is back before the turn\n"),
            (None, true) => out.push_str("the conversation has the turn again\n"),
            (Some(why), _) => out.push_str(&format!(
                "the files are restored, but the conversation still has the turn: {why}\n"
            )),
        }
        out.push_str(&self.files.report());
        out
    }
}

/// What an undo or redo works with: the thread, its stores, its folder.
struct Ground {
    id: String,
    store: super::Store,
    checkpoints: super::checkpoint::Store,
    cwd: PathBuf,
}

impl Session {
    fn ground(&self, verb: &str) -> Result<Ground, String> {
        Ok(Ground {
            id: self
                .thread_id
                .clone()
                .ok_or(format!("nothing to {verb}: no thread yet"))?,
            store: self
                .store
                .clone()
                .ok_or("no session store: nothing was checkpointed")?,
            checkpoints: self
                .checkpoints
                .clone()
                .ok_or("no checkpoints: codexmcp's state dir is unavailable (is HOME set?)")?,
            cwd: self.engine.cwd.clone(),
        })
    }

    /// Takes the thread's last turn back: restores the working dir from its checkpoints, moves
    /// the conversation to before the turn, and marks it undone (so undoing again walks back
    /// one more, and a redo can put it back). The thread is locked meanwhile.
    pub async fn undo(&mut self, force: bool) -> Result<Rewound, String> {
        let g = self.ground("undo")?;
        let _lock = g.store.lock(&g.id)?;
        let turns = g.checkpoints.turns(&g.id).map_err(|e| format!("{e:#}"))?;
        let at = turns
            .last()
            .ok_or("nothing to undo: no checkpointed turn is left on this thread")?
            .clone();
        let (before, after) = g
            .checkpoints
            .turn_states(&g.id, &at)
            .map_err(|e| format!("{e:#}"))?;
        let files = self.restore_files(&g, before, after, force, false).await?;
        let codex = self.codex_thread().unwrap_or_else(|| g.id.clone());
        let moved = crate::engine::rewind::without_last_turn(&self.engine, &codex).await;
        g.checkpoints
            .mark_undone(&g.id, &at)
            .map_err(|e| format!("{e:#}"))?;
        let conversation = match moved {
            Ok(copy) => {
                self.remap(&g, |r| {
                    r.redo.push(Undid { thread: codex, at });
                    r.made.push(copy.clone());
                    r.backing = Some(copy.clone());
                })?;
                self.codex_thread = Some(copy);
                None
            }
            Err(e) => {
                // The conversation stayed: a redo puts only the files back.
                self.remap(&g, |r| r.redo.push(Undid { thread: codex, at }))?;
                Some(e.to_string())
            }
        };
        mark(&g, false, turns.len());
        Ok(Rewound {
            redo: false,
            thread_id: g.id,
            turn: turns.len(),
            files,
            conversation,
        })
    }

    /// Puts back what the last undo took away: the turn's files (from its checkpoints, refused
    /// when a file changed since the undo, unless `force`) and the conversation as it was.
    pub async fn redo(&mut self, force: bool) -> Result<Rewound, String> {
        let g = self.ground("redo")?;
        let _lock = g.store.lock(&g.id)?;
        let record = g.store.record(&g.id)?;
        let Some(undid) = record.rewind.redo.last().cloned() else {
            return Err("nothing to redo: no undo since the thread's last turn".into());
        };
        let (before, after) = g
            .checkpoints
            .undone_states(&g.id, &undid.at)
            .map_err(|e| format!("{e:#}"))?;
        // Forward: from the state the undo left (`before`) to the turn's end (`after`).
        let files = self.restore_files(&g, after, before, force, true).await?;
        g.checkpoints
            .mark_redone(&g.id, &undid.at)
            .map_err(|e| format!("{e:#}"))?;
        let back = (undid.thread != g.id).then(|| undid.thread.clone());
        self.remap(&g, |r| {
            r.redo.pop();
            r.backing = back.clone();
        })?;
        self.codex_thread = back;
        let turn = g.checkpoints.turns(&g.id).map_or(0, |t| t.len());
        mark(&g, true, turn);
        Ok(Rewound {
            redo: true,
            thread_id: g.id,
            turn,
            files,
            conversation: None,
        })
    }

    /// Makes the working dir's paths that differ between `to` and `from` as they are in `to`
    /// (refusing when one is no longer as in `from`, unless `force`), off the async workers.
    async fn restore_files(
        &mut self,
        g: &Ground,
        to: super::checkpoint::Manifest,
        from: super::checkpoint::Manifest,
        force: bool,
        redo: bool,
    ) -> Result<Undone, String> {
        let (checkpoints, cwd) = (g.checkpoints.clone(), g.cwd.clone());
        let work = move || restore(&checkpoints, &cwd, &to, &from, force);
        let done = match tokio::task::spawn_blocking(work).await {
            Ok(Ok(d)) => d,
            Ok(Err(UndoError::EditedSince(paths))) if redo => {
                let names: Vec<String> = paths.iter().map(|p| p.display()).collect();
                return Err(format!(
                    "these files changed since the undo, and redo would lose that: {}; use \
                     --force to redo anyway",
                    names.join(", ")
                ));
            }
            Ok(Err(e @ UndoError::EditedSince(_))) => return Err(e.to_string()),
            Ok(Err(UndoError::Io(e))) => return Err(format!("{e:#}")),
            Err(e) => return Err(format!("stopped: {e}")),
        };
        // The working dir changed under the last recorded state: read it afresh next time.
        self.last_state = None;
        self.last_diff = None;
        self.since_taken = None;
        Ok(done)
    }

    /// Changes the record's map from the user's id to Codex's threads.
    fn remap(
        &self,
        g: &Ground,
        change: impl FnOnce(&mut super::record::Rewind),
    ) -> Result<(), String> {
        let mut record = g.store.record(&g.id)?;
        change(&mut record.rewind);
        g.store
            .save(&record)
            .map_err(|e| format!("the thread's record could not be saved: {e:#}"))
    }
}

/// Marks the undo or redo in the thread's log, so its transcript reads as the conversation now
/// stands (see [`super::transcript`]). The files and the conversation moved already; a log that
/// cannot be written costs only the mark, and says so in the log file of codexmcp.
fn mark(g: &Ground, redo: bool, turn: usize) {
    let entry = super::LogEntry::Rewind {
        ts_ms: super::now_ms(),
        redo,
        turn,
    };
    if let Err(e) = g.store.append(&g.id, &[entry]) {
        tracing::warn!(
            "the {} of turn {turn} is not in the transcript: {e:#}",
            if redo { "redo" } else { "undo" }
        );
    }
}

//! Forking a thread: a new thread with the turns up to one of them (Codex's own `thread/fork`,
//! see [`crate::engine::threads::fork`]), recorded by codexmcp so `--resume`, `diff`, `export`
//! and the MCP tools know it — its record, its transcript and its checkpoints up to that turn
//! go along.
//!
//! Beyond Codex, a fork can take the files along: with a worktree name, a new git worktree is
//! made (hardened git, from the repository codexmcp was started in, see [`super::worktree`])
//! and its working folder is put back to how the parent's was after that turn, from the
//! checkpoints — the same way undo puts files back, through the gateway, never following a
//! link ([`super::undo::restore`]). The fork then works in the worktree, so conversation and
//! files fork together and the parent's folder is not touched.

use std::path::Path;

use crate::engine::threads::{self, Forked};

use super::Session;
use super::checkpoint;
use super::record::{Policy, now_ms};
use super::transcript::{InEffect, Keep};
use super::undo::Undone;
use super::worktree::{self, Worktree};

/// A fork, and where its files are when it took them along.
#[derive(Debug)]
pub struct ForkedThread {
    pub forked: Forked,
    /// The worktree the fork works in, with its files as after the fork's last turn.
    pub worktree: Option<Worktree>,
    /// How putting those files there went (with a worktree only).
    pub files: Option<Result<Undone, String>>,
}

impl Session {
    /// Forks the thread through its turn `through` (1 the first, -1 or `None` the last); with
    /// `worktree`, in a new git worktree of that name holding the files as they were after that
    /// turn. The session stays on its thread.
    pub async fn fork(
        &self,
        through: Option<i64>,
        worktree: Option<&str>,
    ) -> Result<ForkedThread, String> {
        let id = self.thread_id.clone().ok_or("fork: no thread yet")?;
        // The worktree first: one that cannot be made forks nothing.
        let made = match worktree {
            Some(name) => {
                if self.checkpoints.is_none() {
                    return Err("fork --worktree: no checkpoints to take the files from".into());
                }
                let root = worktree::default_root().map_err(|e| format!("{e:#}"))?;
                let start = crate::config::start_dir();
                let wt = worktree::create(start, &self.engine.cwd, name, &root)
                    .await
                    .map_err(|e| format!("fork --worktree: {e:#}"))?;
                Some(wt)
            }
            None => None,
        };
        let codex = self.codex_thread().unwrap_or_else(|| id.clone());
        let forked = match threads::fork(&self.engine, &codex, through).await {
            Ok(f) => f,
            Err(e) => {
                if let Some(wt) = &made
                    && let Err(left) = worktree::remove(wt, true).await
                {
                    tracing::warn!("the fork's worktree stays: {left:#}");
                }
                return Err(e.to_string());
            }
        };
        let files = match (&made, &self.checkpoints) {
            (Some(wt), Some(checkpoints)) => {
                Some(files_after(checkpoints, &id, forked.at_turn, &wt.cwd).await)
            }
            _ => None,
        };
        if let Some(store) = &self.store {
            let mut engine = self.engine.clone();
            if let Some(wt) = &made {
                engine.cwd = wt.cwd.clone();
            }
            let copied = copy_record(store, &id, &forked, &Policy::of(&engine)).and_then(|()| {
                match &self.checkpoints {
                    Some(c) => copy_checkpoints(c, &id, &forked),
                    None => Ok(()),
                }
            });
            if let Err(e) = copied {
                super::unsaved::say(
                    "fork",
                    format!("the fork's record could not be stored: {e}"),
                );
            }
        }
        Ok(ForkedThread {
            forked,
            worktree: made,
            files,
        })
    }
}

/// Makes `dir` as `thread`'s working dir was after its checkpointed turn `turn` (1-based).
async fn files_after(
    checkpoints: &checkpoint::Store,
    thread: &str,
    turn: usize,
    dir: &Path,
) -> Result<Undone, String> {
    let turns = checkpoints.turns(thread).map_err(|e| format!("{e:#}"))?;
    let at = turns.get(turn.wrapping_sub(1)).ok_or_else(|| {
        format!(
            "turn {turn} has no checkpoint (the thread has {} checkpointed turns): the worktree \
             holds the commit's files",
            turns.len()
        )
    })?;
    let (_, after) = checkpoints
        .turn_states(thread, at)
        .map_err(|e| format!("{e:#}"))?;
    let (checkpoints, dir) = (checkpoints.clone(), dir.to_path_buf());
    let work = move || -> Result<Undone, String> {
        let now = checkpoints
            .snapshot(&dir, None)
            .map_err(|e| format!("reading the worktree: {e:#}"))?;
        // The worktree as it is now is all there is to undo: one walk of it.
        super::undo::restore_seen(&checkpoints, &dir, &after, &now, &now, true)
            .map_err(|e| e.to_string())
    };
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("stopped: {e}"))?
}

/// The parent's record and transcript, through turn `forked.at_turn` of those in effect, under
/// the fork's id, running with `policy` (its own folder when it has a worktree).
fn copy_record(
    store: &super::Store,
    parent: &str,
    forked: &Forked,
    policy: &Policy,
) -> Result<(), String> {
    let Some(mut record) = store.load(parent).map_err(|e| format!("{e:#}"))? else {
        return Ok(());
    };
    let title = crate::text::one_line(&record.title, 60);
    record.id = forked.thread_id.clone();
    record.title = format!("{title} (fork at turn {})", forked.at_turn);
    record.turns = u32::try_from(forked.at_turn).unwrap_or(u32::MAX);
    record.created_ms = now_ms();
    record.updated_ms = record.created_ms;
    record.cwd.clone_from(&policy.cwd);
    record.policy = Some(policy.clone());
    record.rewind = super::record::Rewind::default();
    store.save(&record).map_err(|e| format!("{e:#}"))?;
    // Two streamed passes: which turns are in effect (an undo later in the log takes back an
    // earlier turn), then their entries, a chunk at a time.
    let err = |e: anyhow::Error| format!("{e:#}");
    let mut live = InEffect::default();
    store.each_entry(parent, |e| live.see(&e)).map_err(err)?;
    let mut keep = Keep::new(live.first(forked.at_turn));
    let (mut chunk, mut failed) = (Vec::new(), None);
    store
        .each_entry(parent, |e| {
            if failed.is_none() && keep.keeps(&e) {
                chunk.push(e);
                if chunk.len() == COPY_CHUNK {
                    failed = store.append(&forked.thread_id, &chunk).err();
                    chunk.clear();
                }
            }
        })
        .map_err(err)?;
    match failed {
        Some(e) => Err(err(e)),
        None => store.append(&forked.thread_id, &chunk).map_err(err),
    }
}

/// Log entries copied to a fork per write.
const COPY_CHUNK: usize = 1024;

/// The parent's checkpoints of its turns through `forked.at_turn`, under the fork's id: `diff`
/// and `undo` work on the fork's turns too.
fn copy_checkpoints(
    checkpoints: &checkpoint::Store,
    parent: &str,
    forked: &Forked,
) -> Result<(), String> {
    let turns = checkpoints.turns(parent).map_err(|e| format!("{e:#}"))?;
    for at in turns.iter().take(forked.at_turn) {
        for side in ["before", "after"] {
            let manifest = checkpoints
                .load(&format!("{parent}/{at}-{side}"))
                .map_err(|e| format!("{e:#}"))?;
            if let Some(m) = manifest {
                checkpoints
                    .save(&format!("{}/{at}-{side}", forked.thread_id), &m)
                    .map_err(|e| format!("{e:#}"))?;
            }
        }
    }
    Ok(())
}

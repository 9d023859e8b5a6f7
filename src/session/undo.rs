//! Putting the working directory back as it was before a turn.
//!
//! The turn's two checkpoints say what it changed; undo reverses exactly that: files it
//! created are removed, files it deleted or modified get their old bytes and mode back,
//! renames are reversed, modes restored. What the turn did not touch is left alone. A file the
//! user changed *after* the turn would lose that work, so undo refuses and names it, unless
//! forced. A file too big to have been stored cannot come back; undo says so rather than
//! pretending.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{Context, Result};

use super::Session;
use super::checkpoint::{Entry, Manifest, Status, Store};
use crate::text::one_line;

/// What an undo did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Undone {
    /// Paths given their earlier content, mode or name back.
    pub restored: Vec<String>,
    /// Paths the turn created, removed.
    pub removed: Vec<String>,
    /// Paths that could not come back (over the size limit when recorded).
    pub lost: Vec<String>,
}

/// Why an undo did nothing.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    #[error(
        "these files changed after the turn, and undo would lose that: {}; use --force to undo anyway",
        .0.join(", ")
    )]
    EditedSince(Vec<String>),
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

/// Restores `dir` from `after` (the turn's end) to `before` (its start). Refuses when a path
/// the turn changed is no longer as the turn left it, unless `force`.
pub fn restore(
    store: &Store,
    dir: &Path,
    before: &Manifest,
    after: &Manifest,
    force: bool,
) -> Result<Undone, UndoError> {
    let changes = store.diff(before, after);
    let now = store.snapshot(dir, Some(after))?;
    if !force {
        let edited: Vec<String> = changes
            .iter()
            .flat_map(|c| match &c.status {
                Status::Renamed { from } => vec![c.path.clone(), from.clone()],
                _ => vec![c.path.clone()],
            })
            .filter(|p| now.files.get(p).map(same_state) != after.files.get(p).map(same_state))
            .collect();
        if !edited.is_empty() {
            return Err(UndoError::EditedSince(edited));
        }
    }
    let mut done = Undone::default();
    for c in &changes {
        let target = dir.join(&c.path);
        match &c.status {
            Status::Created => {
                remove(&target)?;
                done.removed.push(c.path.clone());
            }
            Status::Renamed { from } => {
                remove(&target)?;
                put_back(store, dir, from, &before.files[from], &mut done)?;
            }
            Status::Deleted | Status::Modified | Status::ModeChanged { .. } => {
                put_back(store, dir, &c.path, &before.files[&c.path], &mut done)?;
            }
        }
    }
    Ok(done)
}

/// What must match for a file to be "as the turn left it": content and mode.
fn same_state(e: &Entry) -> (&str, u32, Option<&str>) {
    (e.hash.as_str(), e.mode, e.link.as_deref())
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Writes `entry` back at `rel`: its bytes (or link) and its mode.
fn put_back(store: &Store, dir: &Path, rel: &str, entry: &Entry, done: &mut Undone) -> Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if let Some(link) = &entry.link {
        remove(&path)?;
        std::os::unix::fs::symlink(link, &path)?;
        done.restored.push(rel.to_string());
        return Ok(());
    }
    if !entry.stored {
        done.lost.push(rel.to_string());
        return Ok(());
    }
    let bytes = store.read(&entry.hash)?;
    // Never through a symlink the turn may have left in its place.
    remove(&path)?;
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(entry.mode))?;
    done.restored.push(rel.to_string());
    Ok(())
}

impl Session {
    /// Takes the thread's last turn back: restores the working dir from its checkpoints, asks
    /// Codex to drop the turn from the conversation, and marks it undone (so undoing again
    /// walks back one more). Returns what to tell the user. The thread is locked meanwhile.
    pub async fn undo(&mut self, force: bool) -> Result<String, String> {
        let id = self
            .thread_id
            .clone()
            .ok_or("nothing to undo: no thread yet")?;
        let store = self
            .store
            .clone()
            .ok_or("no session store: nothing was checkpointed")?;
        let checkpoints = self
            .checkpoints
            .clone()
            .ok_or("no checkpoints: codexmcp's state dir is unavailable (is HOME set?)")?;
        let _lock = store.lock(&id)?;
        let turns = checkpoints.turns(&id).map_err(|e| format!("{e:#}"))?;
        let at = turns
            .last()
            .ok_or("nothing to undo: no checkpointed turn is left on this thread")?;
        let (before, after) = checkpoints
            .turn_states(&id, at)
            .map_err(|e| format!("{e:#}"))?;
        let done = match restore(&checkpoints, &self.engine.cwd, &before, &after, force) {
            Ok(d) => d,
            Err(e @ UndoError::EditedSince(_)) => return Err(e.to_string()),
            Err(UndoError::Io(e)) => return Err(format!("{e:#}")),
        };
        // The working dir changed under the last recorded state: read it afresh next time.
        self.last_state = None;
        self.last_diff = None;
        self.since_taken = None;
        let mut report = format!("undid the last turn of {}\n", one_line(&id, 80));
        match crate::engine::rewind::revert_last_turn(&self.engine, &id).await {
            Ok(_) => report.push_str("the conversation is back before the turn\n"),
            Err(e) => report.push_str(&format!(
                "the files are restored, but the conversation still has the turn: {e}\n"
            )),
        }
        checkpoints
            .mark_undone(&id, at)
            .map_err(|e| format!("{e:#}"))?;
        let list = |v: &[String]| {
            v.iter()
                .map(|p| one_line(p, 200))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (what, paths) in [
            ("restored", &done.restored),
            ("removed (the turn created them)", &done.removed),
            ("not restored (too big to have been stored)", &done.lost),
        ] {
            if !paths.is_empty() {
                report.push_str(&format!("{what}: {}\n", list(paths)));
            }
        }
        Ok(report)
    }
}

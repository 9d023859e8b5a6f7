//! A thread's checkpointed turns: which there are, what each changed, and which were undone.
//!
//! Each turn leaves `<ms>-before` and `<ms>-after` manifests beside its thread; undo renames
//! the latter to `<ms>-undone`, so the turns left are the ones still in effect. Turns are
//! numbered from 1 (the first) or from -1 (the last), as `codexmcp diff --turn` and `/diff N`
//! take them.

use anyhow::{Context, Result};

use super::checkpoint::{Manifest, Store, TurnDiff};
use crate::engine::review::Target;

/// The most of a turn's diff handed to the model for a review; a bigger one is cut, and said
/// to be.
const MAX_REVIEWED_PATCH: usize = 400 * 1024;

impl Store {
    /// The turns of `thread` that have checkpoints, oldest first: the `<ms>` of each
    /// `<ms>-before` / `<ms>-after` pair.
    pub fn turns(&self, thread: &str) -> Result<Vec<String>> {
        let dir = self.manifest_path(&format!("{thread}/x"))?;
        let dir = dir.parent().unwrap_or(self.root());
        let mut turns: Vec<(u64, String)> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(std::result::Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let at = name.strip_suffix("-after.json")?.to_string();
                    Some((at.parse().ok()?, at))
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        turns.sort();
        Ok(turns.into_iter().map(|(_, at)| at).collect())
    }

    /// Marks turn `at` of `thread` undone: it leaves [`Store::turns`], so the next undo walks
    /// back one turn further. Its manifests stay (renamed), for the record.
    pub fn mark_undone(&self, thread: &str, at: &str) -> Result<()> {
        let after = self.manifest_path(&format!("{thread}/{at}-after"))?;
        let undone = self.manifest_path(&format!("{thread}/{at}-undone"))?;
        std::fs::rename(&after, &undone).with_context(|| format!("marking {at} undone"))
    }

    /// Puts undone turn `at` of `thread` back among its turns (a redo).
    pub fn mark_redone(&self, thread: &str, at: &str) -> Result<()> {
        let undone = self.manifest_path(&format!("{thread}/{at}-undone"))?;
        let after = self.manifest_path(&format!("{thread}/{at}-after"))?;
        std::fs::rename(&undone, &after).with_context(|| format!("marking {at} redone"))
    }

    /// The two checkpoints of turn `at` of `thread`: (before, after).
    pub fn turn_states(&self, thread: &str, at: &str) -> Result<(Manifest, Manifest)> {
        self.states(thread, at, "after")
    }

    /// The two checkpoints of undone turn `at` of `thread`: (before, after).
    pub fn undone_states(&self, thread: &str, at: &str) -> Result<(Manifest, Manifest)> {
        self.states(thread, at, "undone")
    }

    fn states(&self, thread: &str, at: &str, end: &str) -> Result<(Manifest, Manifest)> {
        let side = |s: &str| -> Result<Manifest> {
            self.load(&format!("{thread}/{at}-{s}"))?
                .with_context(|| format!("no {s} checkpoint for that turn"))
        };
        Ok((side("before")?, side(end)?))
    }

    /// The diff of a stored turn of `thread` (`at` from [`Store::turns`]).
    pub fn turn_diff(&self, thread: &str, at: &str) -> Result<TurnDiff> {
        let (before, after) = self.turn_states(thread, at)?;
        self.diff(&before, &after)
    }

    /// Turn `turn` of `thread` (1 the first, -1 the last): its 1-based number, how many there
    /// are, and its diff; or what to tell the user.
    pub fn numbered_turn(
        &self,
        thread: &str,
        turn: i64,
    ) -> Result<(usize, usize, TurnDiff), String> {
        let turns = self.turns(thread).map_err(|e| format!("{e:#}"))?;
        if turns.is_empty() {
            return Err(format!(
                "no checkpointed turn for thread {}: see `codexmcp sessions`",
                crate::text::one_line(thread, 80)
            ));
        }
        let n = turns.len();
        let index = if turn < 0 { n as i64 + turn } else { turn - 1 };
        let (i, at) = usize::try_from(index)
            .ok()
            .and_then(|i| turns.get(i).map(|at| (i, at)))
            .ok_or_else(|| format!("turn {turn}: this thread has {n} checkpointed turns"))?;
        let diff = self.turn_diff(thread, at).map_err(|e| format!("{e:#}"))?;
        Ok((i + 1, n, diff))
    }

    /// What reviewing turn `turn` of `thread` hands Codex: exactly that turn's checkpoint diff
    /// (shell-written files included, no git needed), as review instructions; and the diff.
    pub fn turn_review(&self, thread: &str, turn: i64) -> Result<(Target, TurnDiff), String> {
        let (n, of, diff) = self.numbered_turn(thread, turn)?;
        if diff.files.is_empty() {
            return Err(format!(
                "turn {n} of {of} changed nothing: nothing to review"
            ));
        }
        let mut patch = diff.patch.clone();
        let cut = patch.len() > MAX_REVIEWED_PATCH;
        if cut {
            let mut end = MAX_REVIEWED_PATCH;
            while !patch.is_char_boundary(end) {
                end -= 1;
            }
            patch.truncate(end);
        }
        let files: Vec<String> = diff.files.iter().map(|f| f.path.display()).collect();
        let target = Target::Custom(format!(
            "Review the changes that one turn of a coding session made in this folder (turn {n} \
             of {of}): {}. They are the unified diff below (not necessarily committed, maybe not \
             in a git repository; files written by commands included){}. Report prioritised \
             findings about bugs, security and correctness in the changed code.\n\n```diff\n{patch}\n```",
            files.join(", "),
            if cut {
                "; the diff is cut at 400 KiB"
            } else {
                ""
            }
        ));
        Ok((target, diff))
    }
}

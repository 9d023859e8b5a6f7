//! A thread's checkpointed turns: which there are, what each changed, and which were undone.
//!
//! Each turn leaves `<ms>-before` and `<ms>-after` manifests beside its thread; undo renames
//! the latter to `<ms>-undone`, so the turns left are the ones still in effect. Turns are
//! numbered from 1 (the first) or from -1 (the last), as `codexmcp diff --turn` and `/diff N`
//! take them.

use anyhow::{Context, Result};

use super::checkpoint::{Manifest, Store, TurnDiff};

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

    /// The two checkpoints of turn `at` of `thread`: (before, after).
    pub fn turn_states(&self, thread: &str, at: &str) -> Result<(Manifest, Manifest)> {
        let side = |s: &str| -> Result<Manifest> {
            self.load(&format!("{thread}/{at}-{s}"))?
                .with_context(|| format!("no {s} checkpoint for that turn"))
        };
        Ok((side("before")?, side("after")?))
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
}

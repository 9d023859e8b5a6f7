//! A session's checkpoints of its working dir, taken around each turn: off the async workers,
//! stoppable by an interrupt (before Codex starts) or by the process going away, reporting
//! their progress when they take a while, and saying once when one could not be taken or kept
//! (the turn's diff and undo depend on them).

use tokio_util::sync::CancellationToken;

use super::{Session, checkpoint, unsaved};

/// A checkpoint that was stopped before it finished.
pub(super) struct Stopped;

/// How often a long checkpoint says how far it has got.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Where a checkpoint that takes a while has got (see [`Session::on_progress`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointProgress {
    /// Still walking: paths seen so far.
    Running(u64),
    /// Done, after this many paths (sent only when `Running` was).
    Done(u64),
}

type Snapshot = Result<checkpoint::Manifest, checkpoint::SnapshotError>;

impl Session {
    /// The working dir now, recorded off the async workers (a large tree takes a while);
    /// `None` when it cannot be (said once, see [`super::unsaved`]). Stops, with the work on
    /// the blocking thread, when `cancel` (the turn's interrupt, before Codex starts) or the
    /// session's stop token is cancelled.
    pub(super) async fn checkpoint(
        &self,
        previous: Option<checkpoint::Manifest>,
        cancel: Option<&CancellationToken>,
    ) -> Result<Option<checkpoint::Manifest>, Stopped> {
        let Some(store) = self.checkpoints.clone() else {
            return Ok(None);
        };
        let cwd = self.engine.cwd.clone();
        let snapshot = self
            .stoppable(cancel, move |stop, progress| {
                store.snapshot_until(&cwd, previous.as_ref(), stop, progress)
            })
            .await?;
        Ok(recorded(snapshot, &self.engine.cwd))
    }

    /// Runs `work` on a blocking thread, asking it to stop (through the flag it polls) when
    /// `cancel` or the session's stop token is cancelled, then returning without waiting for
    /// it; while it runs, its progress goes to the session's progress hook every second.
    async fn stoppable(
        &self,
        cancel: Option<&CancellationToken>,
        work: impl FnOnce(&(dyn Fn() -> bool + Sync), &checkpoint::Progress) -> Snapshot
        + Send
        + 'static,
    ) -> Result<Snapshot, Stopped> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let flag = std::sync::Arc::new(AtomicBool::new(false));
        let progress = std::sync::Arc::new(checkpoint::Progress::default());
        let (seen, counted) = (flag.clone(), progress.clone());
        let task =
            tokio::task::spawn_blocking(move || work(&|| seen.load(Ordering::Relaxed), &counted));
        tokio::pin!(task);
        let interrupted = async {
            match cancel {
                Some(c) => c.cancelled().await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(interrupted);
        let mut tick = tokio::time::interval(PROGRESS_EVERY);
        tick.tick().await;
        let mut reported = false;
        loop {
            tokio::select! {
                done = &mut task => {
                    if reported && let Some(hook) = &self.progress {
                        hook(CheckpointProgress::Done(progress.seen()));
                    }
                    return match done {
                        Ok(Err(checkpoint::SnapshotError::Stopped)) => Err(Stopped),
                        Ok(r) => Ok(r),
                        Err(e) => Ok(Err(checkpoint::SnapshotError::Failed(anyhow::anyhow!("{e}")))),
                    };
                }
                _ = tick.tick() => {
                    if let Some(hook) = &self.progress {
                        hook(CheckpointProgress::Running(progress.seen()));
                        reported = true;
                    }
                }
                _ = &mut interrupted => {
                    flag.store(true, Ordering::Relaxed);
                    return Err(Stopped);
                }
                _ = self.stop.cancelled() => {
                    flag.store(true, Ordering::Relaxed);
                    return Err(Stopped);
                }
            }
        }
    }

    /// What changed since `before`; both states are kept beside the thread for later, and the
    /// first `before` since [`Session::take_changes`] for the changes of a whole request. Only
    /// the session's stop token (the process going away) stops it: an interrupted turn still
    /// gets its diff and undo.
    pub(super) async fn diff_since(
        &mut self,
        before: checkpoint::Manifest,
    ) -> Option<checkpoint::TurnDiff> {
        let store = self.checkpoints.clone()?;
        let cwd = self.engine.cwd.clone();
        let thread = self.thread_id.clone();
        let previous = before.clone();
        let after = {
            let store = store.clone();
            let cwd = cwd.clone();
            self.stoppable(None, move |stop, progress| {
                store.snapshot_until(&cwd, Some(&previous), stop, progress)
            })
            .await
        };
        let after = match after {
            Ok(a) => recorded(a, &cwd)?,
            Err(Stopped) => {
                unsaved::say(
                    "stopped checkpoint",
                    format!(
                        "the checkpoint after the turn was stopped before it finished: {}",
                        unsaved::NO_UNDO
                    ),
                );
                return None;
            }
        };
        let work = move || {
            if let Some(id) = &thread {
                let at = super::now_ms();
                for (side, m) in [("before", &before), ("after", &after)] {
                    let name = format!("{id}/{at}-{side}");
                    if let Err(e) = store.save(&name, m) {
                        let path = store.manifest_path(&name).unwrap_or_default();
                        unsaved::report(
                            "the checkpoint",
                            &path,
                            &format!("{e:#}"),
                            unsaved::NO_UNDO,
                        );
                    }
                }
            }
            let latest = latest_name(&cwd);
            if let Err(e) = store.save(&latest, &after) {
                tracing::warn!("checkpoint not remembered for the next process: {e:#}");
            }
            let diff = store.diff(&before, &after).inspect_err(|e| {
                unsaved::say(
                    "diff failed",
                    format!("the turn's diff could not be made ({e:#})"),
                );
            });
            (before, after, diff.ok())
        };
        let (before, after, diff) = tokio::task::spawn_blocking(work).await.ok()?;
        self.last_state = Some(after);
        match &mut self.since_taken {
            Some((_, turns)) => *turns += 1,
            None => self.since_taken = Some((before, 1)),
        }
        diff
    }

    /// Everything the turns since the last call changed, as one diff (an agent's request can
    /// run several Codex turns); `None` when no checkpointed turn ran since.
    pub async fn take_changes(&mut self) -> Option<checkpoint::TurnDiff> {
        let (first, turns) = self.since_taken.take()?;
        if turns == 1 {
            return self.last_diff.clone();
        }
        let store = self.checkpoints.clone()?;
        let after = self.last_state.clone()?;
        let work = move || store.diff(&first, &after).ok();
        tokio::task::spawn_blocking(work).await.ok().flatten()
    }
}

/// A snapshot's manifest, or `None` when it failed or the tree is too big (said once).
fn recorded(snapshot: Snapshot, cwd: &std::path::Path) -> Option<checkpoint::Manifest> {
    let shown = crate::text::bytes_literal(cwd.as_os_str().as_encoded_bytes());
    match snapshot {
        Ok(m) if !m.truncated => Some(m),
        Ok(_) => {
            unsaved::say(
                &format!("too many files\0{shown}"),
                format!(
                    "{shown} has more than {} files and is not checkpointed: {}",
                    checkpoint::MAX_ENTRIES,
                    unsaved::NO_UNDO
                ),
            );
            None
        }
        Err(e) => {
            unsaved::say(
                &format!("checkpoint failed\0{shown}"),
                format!(
                    "the checkpoint of {shown} failed ({e:#}): {}",
                    unsaved::NO_UNDO
                ),
            );
            None
        }
    }
}

/// Where the latest recorded state of working dir `cwd` is kept, whatever thread recorded it.
pub(super) fn latest_name(cwd: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(cwd.as_os_str().as_encoded_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("latest/{hex}")
}

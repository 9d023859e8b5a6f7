//! Where a session works: its folder, and the git worktree it may have been given (`/new
//! --worktree NAME`, `--worktree`, `--restore`). Moving to another folder gives the session new
//! services and so a new thread; the old services are stopped and fall silent.

use std::path::PathBuf;
use std::time::Instant;

use super::super::chat::Who;
use super::super::effect::Effect;
use super::super::files::FileTree;
use super::SessionView;
use crate::session::worktree::Worktree;

impl SessionView {
    /// `/new --worktree NAME`: the session's next thread works in a new git worktree.
    pub fn new_in_worktree(&mut self, name: &str) {
        if let Err(e) = crate::session::worktree::check_name(name) {
            return self.fail(&format!("{e:#}"));
        }
        self.supersede_turn();
        self.say(Who::Notice, &format!("creating the worktree {name}…"));
        self.effect(Effect::CreateWorktree(name.to_string()));
    }

    /// The session was opened in (or restored to) this worktree.
    pub fn set_worktree(&mut self, wt: Option<Worktree>) {
        self.worktree = wt;
    }

    /// The worktree is there (or is not): the session moves into it, on a new thread.
    pub(super) fn on_worktree(&mut self, made: Result<Worktree, String>, now: Instant) {
        match made {
            Ok(wt) => {
                self.move_to(wt.cwd.clone(), now);
                self.say(
                    Who::Notice,
                    &format!(
                        "new thread in the worktree {} on branch {} (your checkout is untouched)",
                        wt.cwd.display(),
                        wt.branch
                    ),
                );
                self.worktree = Some(wt);
            }
            Err(e) => self.fail(&format!("no worktree: {e}")),
        }
    }

    /// The last session leaves its worktree: back to the folder it was opened from, in the
    /// user's checkout, on a new thread; the worktree is removed when asked (never forced).
    pub fn leave_worktree(&mut self, remove: bool, now: Instant) {
        let Some(wt) = self.worktree.take() else {
            return;
        };
        let inside = wt
            .cwd
            .strip_prefix(&wt.path)
            .unwrap_or(std::path::Path::new(""));
        let home = wt.repo.join(inside);
        self.move_to(home.clone(), now);
        self.say(
            Who::Notice,
            &format!(
                "the last session stays open: it works in {} again, on a new thread",
                home.display()
            ),
        );
        if remove {
            self.effect(Effect::RemoveWorktree(wt));
        }
    }

    /// The session works in `cwd` from now on, with new services (a new session, so a new
    /// thread). The old services are stopped and say nothing more, so a turn still running
    /// there ends here, now.
    fn move_to(&mut self, cwd: PathBuf, now: Instant) {
        if let Some(t) = self.turn.running() {
            self.turn.end(t.run);
            self.events.stop_running(t.run, now);
            self.approvals.clear();
            self.say(
                Who::Notice,
                "the running turn was stopped: the session moved",
            );
        }
        self.info.cwd = cwd.clone();
        self.files = FileTree::new(cwd.clone());
        self.context = None;
        self.effect(Effect::MoveTab(cwd));
        self.effect(Effect::Rescan);
    }
}

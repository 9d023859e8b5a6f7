//! Reviewing what a turn changed: the diffs that reach a session and the diff view they open.
//!
//! Two diffs arrive. While a turn runs on the app-server, Codex's own unified diff of the turn
//! so far (`turn.diff.updated`) keeps a live view current; it only knows Codex's own edits.
//! After the turn, the session's checkpoint diff (every change, whoever made it) replaces it:
//! it marks the tree, fills the turn's file-change rows, and is what `/diff` shows from then on.

use super::super::views::{DiffView, Popup};
use super::{SessionView, Up};
use crate::session::checkpoint::TurnDiff;

impl SessionView {
    /// Codex's diff of the running turn so far; an open live view follows it.
    pub(super) fn on_live_diff(&mut self, unified: &str) {
        let cwd = &self.info.cwd;
        let unified = crate::present::diff::rename_files(unified, |p| under_cwd(cwd, p));
        let diff = crate::present::diff::from_unified(&unified);
        for f in &diff.files {
            let path = self.info.cwd.join(f.path.to_path());
            self.files.mark_changed(path);
        }
        self.ups.push(Up::LiveDiff(diff.clone()));
        self.live_diff = Some(diff);
    }

    /// The checkpoint diff of run `run`, after it.
    pub(super) fn on_turn_diff(&mut self, run: u64, diff: TurnDiff) {
        for f in &diff.files {
            let path = self.info.cwd.join(f.path.to_path());
            self.files.mark_changed(path);
        }
        self.events.attach_diff(run, &diff, &self.info.cwd);
        self.ups.push(Up::FinalDiff(diff.clone()));
        self.live_diff = None;
        self.last_diff = Some(diff);
    }

    /// `/diff` and its key: the running turn's live diff when there is one, else the last
    /// turn's.
    pub fn open_diff(&mut self) {
        let view = match (&self.live_diff, &self.last_diff) {
            (Some(live), _) if self.is_running() => DiffView::live(live),
            (_, Some(last)) => DiffView::new(LAST, last),
            _ if self.is_running() => {
                return self.fail(
                    "no diff yet: it appears when the turn ends (live while it runs on the \
                     app-server backend)",
                );
            }
            _ => {
                return self
                    .fail("no diff yet: the working dir is compared before and after each turn");
            }
        };
        self.ups.push(Up::Open(Popup::Diff(view)));
    }
}

pub const LAST: &str = "the last turn";

/// Codex names files relative to the git repository around the working dir, when there is
/// one: `output/snake.py` for a working dir `<repo>/output`. Shown relative to the working dir
/// like every other diff, when that is where the file is — in the file list and in the patch's
/// headers alike.
fn under_cwd(cwd: &std::path::Path, path: &str) -> String {
    let cwd = crate::config::absolute(cwd);
    let p = std::path::Path::new(path);
    // The longest tail of the working dir that the path starts with is the repository's view
    // of it (the empty tail, the working dir itself, always matches last).
    let ancestors: Vec<&std::path::Path> = cwd.ancestors().collect();
    ancestors
        .into_iter()
        .rev()
        .filter_map(|a| cwd.strip_prefix(a).ok())
        .filter(|sub| !sub.as_os_str().is_empty())
        .chain(std::iter::once(std::path::Path::new("")))
        .find_map(|sub| p.strip_prefix(sub).ok())
        .map_or_else(|| path.to_string(), |rel| rel.display().to_string())
}

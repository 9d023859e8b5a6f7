//! Where a task works: its own folder under the out dir, an existing folder in place, or its
//! own git worktree of a local repository — made with the hardened git of
//! [`crate::session::git`] (no hook, no fsmonitor, the repository named explicitly), detached
//! at the task's ref, under the out dir. A re-run finds the worktree it made and goes on in it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::tasks::{Place, Task};
use crate::session::git::Repo;

/// The task's folder, ready to work in.
pub async fn prepare(task: &Task, out: &Path) -> Result<PathBuf, String> {
    match &task.place {
        Place::Cwd(dir) => Ok(dir.clone()),
        Place::Own => {
            let dir = out.join(&task.id);
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            Ok(dir)
        }
        Place::Repo { repo, git_ref } => {
            let dir = out.join("worktrees").join(&task.id);
            if dir.join(".git").is_file() {
                return Ok(dir); // made by an earlier run of this batch
            }
            let parent = out.join("worktrees");
            std::fs::create_dir_all(&parent).map_err(|e| format!("{}: {e}", parent.display()))?;
            let found = Repo::find(repo, repo).await.map_err(|e| format!("{e:#}"))?;
            found
                .git([
                    OsStr::new("worktree"),
                    OsStr::new("add"),
                    OsStr::new("--detach"),
                    dir.as_os_str(),
                    OsStr::new(git_ref),
                ])
                .await
                .map_err(|e| format!("git worktree add: {e:#}"))?;
            Ok(dir)
        }
    }
}

//! Where a task works: its own folder under the out dir, an existing folder in place, or its
//! own git worktree of a local repository — made with the hardened git of
//! [`crate::session::git`] (no hook, no fsmonitor, the repository named explicitly), detached
//! at the task's ref, under the out dir. A re-run finds the worktree it made and goes on in it.
//! A folder under the out dir that is a link is refused, never followed.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::tasks::{Place, Task};
use crate::session::git::Repo;

/// Where `task` works (whether or not it is there yet).
pub fn folder_of(task: &Task, out: &Path) -> PathBuf {
    match &task.place {
        Place::Cwd(dir) => dir.clone(),
        Place::Own => out.join(&task.id),
        Place::Repo { .. } => out.join("worktrees").join(&task.id),
    }
}

/// The task's folder, ready to work in.
pub async fn prepare(task: &Task, out: &Path) -> Result<PathBuf, String> {
    match &task.place {
        Place::Cwd(dir) => Ok(dir.clone()),
        Place::Own => {
            let dir = folder_of(task, out);
            refuse_link(&dir)?;
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            Ok(dir)
        }
        Place::Repo { repo, git_ref } => {
            let dir = folder_of(task, out);
            refuse_link(&out.join("worktrees"))?;
            refuse_link(&dir)?;
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

/// A task's folder that is a link (another task's Codex could have left one) is refused: the
/// task would work wherever it points.
fn refuse_link(path: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(format!(
            "{} is a symbolic link: a task's folder is never followed elsewhere",
            path.display()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_folder_that_is_a_link_is_refused() {
        let out = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), out.path().join("t")).unwrap();
        let task = super::super::tasks::parse("{\"id\":\"t\",\"prompt\":\"p\"}", Path::new("/"))
            .unwrap()
            .remove(0);
        let refused = prepare(&task, out.path()).await.unwrap_err();
        assert!(refused.contains("symbolic link"), "{refused}");
        let ok = super::super::tasks::parse("{\"id\":\"u\",\"prompt\":\"p\"}", Path::new("/"))
            .unwrap()
            .remove(0);
        assert_eq!(
            prepare(&ok, out.path()).await.unwrap(),
            out.path().join("u")
        );
    }
}

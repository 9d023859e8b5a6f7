//! A git worktree per session, so two sessions can change the same project without touching
//! each other's files.
//!
//! `create` adds a worktree of the repository codexmcp was started in (which must hold the
//! working dir; never one found from Codex's folder, see `super::git`), on a new branch
//! `codexmcp/NAME` from the current commit, in codexmcp's state dir (never inside the user's
//! repository). The user's own checkout — its branch, index and uncommitted changes — is not
//! touched: git only reads the commit. The session then works in the same sub-folder of the
//! worktree as it did in the repository. `remove` takes the worktree away again and keeps the
//! branch, so whatever was committed there stays reachable.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::git::Repo;

/// A worktree a session works in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Worktree {
    /// The worktree's top folder.
    pub path: PathBuf,
    pub branch: String,
    /// The repository it belongs to (its main working tree).
    pub repo: PathBuf,
    /// That repository's git dir (named on every git call, never discovered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_dir: Option<PathBuf>,
    /// Where the session works: the worktree's copy of the folder it was opened from.
    pub cwd: PathBuf,
}

/// A branch-safe name: letters, digits, `-`, `_`, `.`, not starting with `.` or `-`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with(['.', '-'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        bail!("worktree name {name:?}: use letters, digits, '-', '_' and '.' (at most 64)");
    }
    Ok(())
}

/// Adds worktree `name` of the repository codexmcp was started in (found from `start`; it
/// must hold `cwd`, see [`Repo::find`]) under `root`, codexmcp's `worktrees/` folder, on the
/// new branch `codexmcp/<name>`. git runs hardened: no hook, no fsmonitor.
pub async fn create(start: &Path, cwd: &Path, name: &str, root: &Path) -> Result<Worktree> {
    check_name(name)?;
    let found = Repo::find(start, cwd).await?;
    let repo = found.top.clone();
    let real_cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| crate::config::absolute(cwd));
    let sub = real_cwd
        .strip_prefix(&repo)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let folder = repo
        .file_name()
        .map_or_else(|| "repo".into(), |n| n.to_string_lossy().into_owned());
    let path = root
        .join(format!("{folder}-{}", short_hash(&repo)))
        .join(name);
    if path.exists() {
        bail!(
            "a worktree named {name} already exists at {}",
            path.display()
        );
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let branch = format!("codexmcp/{name}");
    found
        .git([
            OsStr::new("worktree"),
            OsStr::new("add"),
            OsStr::new("-b"),
            OsStr::new(&branch),
            path.as_os_str(),
            OsStr::new("HEAD"),
        ])
        .await?;
    let cwd = path.join(sub);
    // An untracked working folder (`output/`) is not in the commit: make it.
    std::fs::create_dir_all(&cwd).with_context(|| format!("creating {}", cwd.display()))?;
    Ok(Worktree {
        path,
        branch,
        repo,
        git_dir: Some(found.git_dir),
        cwd,
    })
}

/// Removes the worktree (refused by git when it has uncommitted changes, unless `force`);
/// the branch stays.
pub async fn remove(wt: &Worktree, force: bool) -> Result<()> {
    let repo = match &wt.git_dir {
        Some(git_dir) => Repo {
            git_dir: git_dir.clone(),
            top: wt.repo.clone(),
        },
        // Recorded before the git dir was: found again from the main working tree.
        None => Repo::find(&wt.repo, &wt.repo).await?,
    };
    let mut args = vec![OsStr::new("worktree"), OsStr::new("remove")];
    if force {
        args.push(OsStr::new("--force"));
    }
    args.push(wt.path.as_os_str());
    repo.git(args).await.map(|_| ())
}

fn short_hash(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(path.as_os_str().as_encoded_bytes());
    d.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// `worktrees/` in codexmcp's state dir.
pub fn default_root() -> Result<PathBuf> {
    let dirs = crate::config::project_dirs()?;
    let state = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Ok(state.join("worktrees"))
}

//! Git worktrees for sessions (filled in below).

/// A worktree a tab works in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worktree {
    pub path: std::path::PathBuf,
    pub branch: String,
    pub repo: std::path::PathBuf,
}

//! git, run so that nothing in a folder Codex can write decides what it does (DESIGN §8,
//! rule 5).
//!
//! git reads a lot from the repository it finds: hooks it runs (`post-checkout` on
//! `worktree add`), an fsmonitor program it starts, a whole config. A folder can be made to
//! look like a repository — even a bare one, with nothing but `HEAD`, `objects/`, `refs/` and
//! a `config` — so git started *in* Codex's folder may find one Codex made, and run its hook
//! as the user, outside any sandbox. So codexmcp never lets git discover a repository from
//! Codex's folder: the repository is the one found from the directory the user started
//! codexmcp in, bare repositories are never discovered (`safe.bareRepository=explicit`), one
//! found *inside* Codex's folder is refused, and every call names it explicitly
//! (`--git-dir`, `--work-tree`) with hooks and fsmonitor off, whatever its config says.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Set on every call, before anything a repository's own config says.
const HARDENED: [&str; 6] = [
    "-c",
    "safe.bareRepository=explicit",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.fsmonitor=false",
];

/// A repository found from a trusted place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// Its git dir (`.git` of the main working tree).
    pub git_dir: PathBuf,
    /// Its main working tree.
    pub top: PathBuf,
}

impl Repo {
    /// The repository around `start` (the directory the user started codexmcp in), which
    /// must hold `codex_dir`; refused when it was found inside `codex_dir` (a repository
    /// Codex could have made), except when it is `codex_dir` itself (the user pointed `-C`
    /// at their repository's root).
    pub async fn find(start: &Path, codex_dir: &Path) -> Result<Self> {
        let out = run(
            None,
            start,
            [
                OsStr::new("rev-parse"),
                OsStr::new("--absolute-git-dir"),
                OsStr::new("--show-toplevel"),
            ],
        )
        .await
        .with_context(|| {
            format!(
                "{} (where codexmcp was started) is not inside a git repository",
                shown(start)
            )
        })?;
        use std::os::unix::ffi::OsStrExt;
        let mut lines = out.split(|&b| b == b'\n');
        let (Some(git_dir), Some(top)) = (lines.next(), lines.next()) else {
            bail!("git rev-parse gave no repository for {}", shown(start));
        };
        let repo = Self {
            git_dir: PathBuf::from(OsStr::from_bytes(git_dir)),
            top: PathBuf::from(OsStr::from_bytes(top)),
        };
        let codex_dir = real(codex_dir);
        if repo.top != codex_dir && repo.top.starts_with(&codex_dir) {
            bail!(
                "the repository at {} lies inside Codex's working dir {}: codexmcp does not run git in a repository Codex could have made",
                shown(&repo.top),
                shown(&codex_dir)
            );
        }
        if !codex_dir.starts_with(&repo.top) {
            bail!(
                "Codex's working dir {} is not in the repository {} that codexmcp was started in; start codexmcp inside the repository",
                shown(&codex_dir),
                shown(&repo.top)
            );
        }
        Ok(repo)
    }

    /// `git <args>` on this repository, hardened; stdout, or stderr as the error.
    pub async fn git<I, S>(&self, args: I) -> Result<Vec<u8>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run(Some(self), &self.top, args).await
    }
}

/// Runs git in `dir` (on `repo`, named explicitly, when given) with [`HARDENED`] settings
/// and no repository from the environment.
async fn run<I, S>(repo: Option<&Repo>, dir: &Path, args: I) -> Result<Vec<u8>>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let mut cmd = tokio::process::Command::new("git");
    cmd.args(HARDENED);
    if let Some(r) = repo {
        cmd.arg("--git-dir")
            .arg(&r.git_dir)
            .arg("--work-tree")
            .arg(&r.top);
    }
    cmd.args(&args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_COMMON_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = cmd
        .output()
        .await
        .context("running git (is it installed?)")?;
    if !out.status.success() {
        let words: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        bail!(
            "git {}: {}",
            crate::text::one_line(&words.join(" "), 200),
            crate::text::one_line(&String::from_utf8_lossy(&out.stderr), 400)
        );
    }
    Ok(out.stdout)
}

/// The real path of a folder (links resolved), or the path itself when it cannot be read.
fn real(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn shown(p: &Path) -> String {
    crate::text::bytes_literal(p.as_os_str().as_encoded_bytes())
}

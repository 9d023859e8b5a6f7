//! Checkpoints of the working directory: what a turn changed, whoever wrote it.
//!
//! `file_change` items miss everything a shell command wrote, and Codex's own rewind does not
//! touch files. So before a turn the session records the working directory, and after it
//! compares. The record lives in codexmcp's state dir, never in the working dir, and never
//! touches the user's `.git`: a content-addressed store of file contents (SHA-256, written once
//! per distinct content) plus one manifest per checkpoint ([`Manifest`]). Chosen over a shadow
//! git repository because it needs no `git` binary (the image has none) and its "nothing
//! changed" path is a stat per file: a file whose status matches the previous manifest the way
//! git's index decides (size, times, inode, device, mode, owner; and last changed before that
//! manifest was taken) keeps its hash without being read.
//!
//! The working dir is Codex's, so it is read only through the gateway ([`super::workdir`]): no
//! link followed, every file opened without blocking and checked on its handle, contents read
//! up to the size cap and no further (a sparse terabyte costs one `fstatat`). A file that
//! cannot be read is recorded with the reason and the walk goes on; a stop request ends it
//! within one read chunk. `.git` folders are skipped.

mod content;
mod diff;
mod manifest;
mod path;
mod snapshot;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

pub use manifest::{Entry, Kind, Manifest};
pub use path::RelPath;
pub use snapshot::SnapshotError;

/// Files larger than this are recorded by their status only.
pub const DEFAULT_MAX_STORED: u64 = crate::config::DEFAULT_CHECKPOINT_MAX_FILE_MB * 1024 * 1024;
/// Entries recorded at most; a bigger tree is marked truncated.
pub const MAX_ENTRIES: usize = 200_000;
/// A file changed this close to (or after) the start of the checkpoint that recorded it may
/// change again within the same timestamp tick: it is read again, never trusted by its status
/// (git's "racy" files). Covers coarse file-system clocks.
pub const RACY_WINDOW_NS: i64 = 2_000_000_000;

/// How the note of a file over the size cap begins.
pub const OVER_CAP: &str = "over the size cap";

/// What happened to one path between two manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    Created,
    Modified,
    Deleted,
    /// Same content, new path.
    Renamed {
        from: RelPath,
    },
    /// Same content, other permission bits.
    ModeChanged {
        from: u32,
        to: u32,
    },
}

/// One changed path, with its line counts when both sides are text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub path: RelPath,
    #[serde(flatten)]
    pub status: Status,
    pub added: usize,
    pub removed: usize,
    /// Why its content could not be checkpointed (so its diff, and its undo, are unknown).
    #[serde(
        default,
        rename = "not_checkpointed",
        skip_serializing_if = "Option::is_none"
    )]
    pub note: Option<String>,
}

/// What one turn changed in the working directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnDiff {
    pub files: Vec<Change>,
    /// The unified diff of the text files (binary and unrecorded ones: one line each).
    pub patch: String,
}

/// The content store and the manifests beside it.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    max_stored: u64,
    racy_ns: i64,
}

impl Store {
    /// `checkpoints/` in codexmcp's state dir.
    pub fn open_default() -> Result<Self> {
        let dirs = crate::config::project_dirs()?;
        let state = dirs
            .state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf();
        let max = crate::config::checkpoint_max_file()?;
        Ok(Self::at(state.join("checkpoints")).with_max_stored(max))
    }

    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            max_stored: DEFAULT_MAX_STORED,
            racy_ns: RACY_WINDOW_NS,
        }
    }

    /// The store's folder: `objects/` (contents by hash) and `manifests/<thread>/`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Files bigger than this (bytes) are recorded by their status only.
    pub fn max_stored(&self) -> u64 {
        self.max_stored
    }

    pub fn with_max_stored(mut self, bytes: u64) -> Self {
        self.max_stored = bytes;
        self
    }

    /// How recent a change must be for a file's status not to be trusted (default
    /// [`RACY_WINDOW_NS`]; tests shorten it to see the status comparison itself work).
    pub fn with_racy_window(mut self, window: std::time::Duration) -> Self {
        self.racy_ns = i64::try_from(window.as_nanos()).unwrap_or(i64::MAX);
        self
    }

    fn object(&self, hash: &str) -> PathBuf {
        let (a, b) = hash.split_at(2.min(hash.len()));
        self.root.join("objects").join(a).join(b)
    }

    fn has(&self, hash: &str) -> bool {
        self.object(hash).is_file()
    }

    /// Stores `bytes` under their hash (once: a content already there is not written again).
    fn put(&self, hash: &str, bytes: &[u8]) -> Result<()> {
        let object = self.object(hash);
        if object.exists() {
            return Ok(());
        }
        if let Some(parent) = object.parent() {
            private_dir(parent)?;
        }
        // Written whole under a temporary name, then renamed: never a torn object.
        let tmp = object.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &object).with_context(|| format!("writing {}", object.display()))
    }

    /// The stored content of `hash`.
    pub fn read(&self, hash: &str) -> Result<Vec<u8>> {
        std::fs::read(self.object(hash)).with_context(|| format!("checkpoint object {hash}"))
    }

    /// Stores `manifest` as `name` (e.g. `<thread>/<turn>`), replacing any earlier one.
    pub fn save(&self, name: &str, manifest: &Manifest) -> Result<()> {
        let path = self.manifest_path(name)?;
        if let Some(parent) = path.parent() {
            private_dir(parent)?;
        }
        let tmp = path.with_extension("tmp");
        let bytes = serde_json::to_vec(manifest)?;
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }

    /// The manifest `name`, if there is one. One that cannot be read (damaged, or from a newer
    /// codexmcp) is an error naming it.
    pub fn load(&self, name: &str) -> Result<Option<Manifest>> {
        let path = self.manifest_path(name)?;
        match std::fs::read(&path) {
            Ok(bytes) => {
                Ok(Some(serde_json::from_slice(&bytes).with_context(|| {
                    format!("reading checkpoint {}", path.display())
                })?))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    pub(in crate::session) fn manifest_path(&self, name: &str) -> Result<PathBuf> {
        anyhow::ensure!(
            !name.is_empty()
                && name.split('/').all(|p| !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')),
            "invalid checkpoint name {name:?}"
        );
        Ok(self.root.join("manifests").join(format!("{name}.json")))
    }
}

fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

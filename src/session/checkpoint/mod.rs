//! Checkpoints of the working directory: what a turn changed, whoever wrote it.
//!
//! `file_change` items miss everything a shell command wrote, and Codex's own rewind does not
//! touch files. So before a turn the session records the working directory, and after it
//! compares. The record lives in codexmcp's state dir, never in the working dir, and never
//! touches the user's `.git`: a content-addressed store of file contents and of one tree object
//! per folder (SHA-256, each distinct one written once), and a small manifest per checkpoint
//! naming its root tree ([`Manifest`]). Chosen over a shadow git repository because it needs no
//! `git` binary (the image has none), and it does what git's index does to answer "what
//! changed?" fast: a file whose status matches its last record the way git's index decides
//! (size, times, inode, device, mode, owner; last changed before that record was taken) keeps
//! its hash without being read, and an unchanged folder is the same tree object as before.
//!
//! The working dir is Codex's, so it is read only through the gateway ([`super::workdir`]): no
//! link followed, every file opened without blocking and checked on its handle, contents read
//! up to the size cap and no further (a sparse terabyte costs one `fstatat`), folders walked in
//! parallel over their handles. A file that cannot be read is recorded with the reason and the
//! walk goes on; a stop request ends it within one read chunk. `.git` (a folder, or a
//! worktree's file) is skipped, and what `.gitignore`/`.ignore` files ignore is recorded by its
//! status only (see `ignore`).

mod changes;
mod content;
mod diff;
mod hash;
mod ignores;
mod manifest;
mod path;
mod snapshot;
mod tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

pub use changes::{Changed, Lookup};
pub use hash::Hash;
pub use manifest::{Entry, Kind, Manifest};
pub use path::RelPath;
pub use snapshot::{Progress, SnapshotError};
pub use tree::Tree;

/// Files larger than this are recorded by their status only.
pub const DEFAULT_MAX_STORED: u64 = crate::config::DEFAULT_CHECKPOINT_MAX_FILE_MB * 1024 * 1024;
/// Entries recorded at most; a bigger tree is marked truncated. Memory does not grow with the
/// tree (a walk holds only the folders it is in), so this only bounds the time.
pub const MAX_ENTRIES: u64 = 2_000_000;
/// A file changed this close to (or after) the start of the checkpoint that recorded it may
/// change again within the same timestamp tick: it is read again, never trusted by its status
/// (git's "racy" files). Covers coarse file-system clocks.
pub const RACY_WINDOW_NS: i64 = 2_000_000_000;
/// How the note of a file over the size cap begins.
pub const OVER_CAP: &str = "over the size cap";
/// The note of a path an ignore file matches.
pub const IGNORED: &str = "ignored: not checkpointed";

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

/// Something that changed where an ignore file says not to look: a folder (with how many
/// files it holds now) or a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoredChange {
    pub path: RelPath,
    pub folder: bool,
    /// Files in the folder now (0 when it is gone).
    pub files: u64,
}

/// What one turn changed in the working directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnDiff {
    pub files: Vec<Change>,
    /// The unified diff of the text files (binary and unrecorded ones: one line each).
    pub patch: String,
    /// Changed in ignored paths: not checkpointed, so without a diff or an undo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<IgnoredChange>,
}

/// The content store and the manifests beside it.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    max_stored: u64,
    racy_ns: i64,
    include_ignored: bool,
    /// Which `objects/xx` folders are known to exist (one `mkdir` each, not one per object).
    made: Arc<[AtomicBool; 256]>,
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
        Ok(Self::at(state.join("checkpoints"))
            .with_max_stored(max)
            .with_ignored(crate::config::checkpoint_include_ignored()))
    }

    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            max_stored: DEFAULT_MAX_STORED,
            racy_ns: RACY_WINDOW_NS,
            include_ignored: false,
            made: Arc::new(std::array::from_fn(|_| AtomicBool::new(false))),
        }
    }

    /// The store's folder: `objects/` (contents and trees by hash) and `manifests/<thread>/`.
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

    /// Checkpoints also what ignore files ignore (`checkpoints.include_ignored`).
    pub fn with_ignored(mut self, include: bool) -> Self {
        self.include_ignored = include;
        self
    }

    fn object(&self, hash: &Hash) -> PathBuf {
        let hex = hash.hex();
        self.root.join("objects").join(&hex[..2]).join(&hex[2..])
    }

    fn has(&self, hash: &Hash) -> bool {
        self.object(hash).is_file()
    }

    /// Stores `bytes` under their hash (once: a content already there is not written again).
    fn put(&self, hash: &Hash, bytes: &[u8]) -> Result<()> {
        let object = self.object(hash);
        if object.exists() {
            return Ok(());
        }
        self.prefix_dir(hash)?;
        // Written whole under a temporary name of its own (two threads may store the same
        // content at once), then renamed: never a torn object.
        let tmp = temp_beside(&object);
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &object).with_context(|| format!("writing {}", object.display()))
    }

    /// Makes `objects/xx` for `hash`, once per process.
    fn prefix_dir(&self, hash: &Hash) -> Result<()> {
        let made = &self.made[usize::from(hash.0[0])];
        if !made.load(Ordering::Relaxed) {
            if let Some(parent) = self.object(hash).parent() {
                private_dir(parent)?;
            }
            made.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The stored content of `hash`.
    pub fn read(&self, hash: &Hash) -> Result<Vec<u8>> {
        std::fs::read(self.object(hash)).with_context(|| format!("checkpoint object {hash}"))
    }

    /// Stores `manifest` as `name` (e.g. `<thread>/<turn>`), replacing any earlier one.
    pub fn save(&self, name: &str, manifest: &Manifest) -> Result<()> {
        let path = self.manifest_path(name)?;
        if let Some(parent) = path.parent() {
            private_dir(parent)?;
        }
        let tmp = path.with_extension("tmp");
        let bytes = manifest::to_json(manifest)?;
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }

    /// The manifest `name`, if there is one. One of an older format is turned into trees; one
    /// that cannot be read (damaged, or from a newer codexmcp) is an error naming it.
    pub fn load(&self, name: &str) -> Result<Option<Manifest>> {
        let path = self.manifest_path(name)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let found = manifest::from_json(&bytes)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("reading checkpoint {}", path.display()))?;
        Ok(Some(match found {
            manifest::Found::Tree(m) => m,
            manifest::Found::Flat {
                files,
                taken_ns,
                truncated,
            } => {
                let entries = files.len() as u64;
                Manifest {
                    root: self.plant(files)?,
                    taken_ns,
                    truncated,
                    entries,
                }
            }
        }))
    }

    /// Tree objects for a flat map of paths (a manifest of an older format); the root's hash.
    /// Folders it does not list (format 1 had none) are made up, with no mode of their own.
    pub fn plant(&self, files: BTreeMap<RelPath, Entry>) -> Result<Hash> {
        // Every folder there is, with its children by name.
        let mut kids: BTreeMap<RelPath, BTreeMap<Vec<u8>, Entry>> = BTreeMap::new();
        kids.insert(RelPath::default(), BTreeMap::new());
        for (path, entry) in files {
            let mut at = RelPath::default();
            let names: Vec<&[u8]> = path.as_bytes().split(|&b| b == b'/').collect();
            for (i, name) in names.iter().enumerate() {
                let here = at.join(name);
                let slot = kids.entry(at.clone()).or_default();
                if i + 1 == names.len() {
                    slot.insert(name.to_vec(), entry.clone());
                } else {
                    slot.entry(name.to_vec())
                        .or_insert_with(|| Entry::blank(Kind::Dir));
                }
                if i + 1 < names.len() || entry.kind == Kind::Dir {
                    kids.entry(here.clone()).or_default();
                }
                at = here;
            }
        }
        let mut order: Vec<RelPath> = kids.keys().cloned().collect();
        order.sort_by_key(|p| std::cmp::Reverse(if p.is_empty() { 0 } else { p.depth() + 1 }));
        let mut made: BTreeMap<RelPath, Hash> = BTreeMap::new();
        for dir in order {
            let children = kids.remove(&dir).unwrap_or_default();
            let entries = children
                .into_iter()
                .map(|(name, mut e)| {
                    if let Some(h) = made.get(&dir.join(&name)) {
                        e.kind = Kind::Dir;
                        e.hash = Some(*h);
                    }
                    (name, e)
                })
                .collect();
            let hash = self.put_tree(&Tree { entries })?;
            made.insert(dir, hash);
        }
        match made.get(&RelPath::default()) {
            Some(h) => Ok(*h),
            None => self.put_tree(&Tree::default()),
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

/// A name beside `path` no other writer (thread or process) uses.
fn temp_beside(path: &Path) -> PathBuf {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_extension(format!("tmp{}-{n}", std::process::id()))
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

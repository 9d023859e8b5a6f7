//! Checkpoints of the working directory: what a turn changed, whoever wrote it.
//!
//! `file_change` items miss everything a shell command wrote, and Codex's own rewind does not
//! touch files. So before a turn the session records the working directory, and after it
//! compares. The record lives in codexmcp's state dir, never in the working dir, and never
//! touches the user's `.git`: a content-addressed store of file contents (SHA-256, written once
//! per distinct content) plus one small manifest per checkpoint (path → kind, mode, size,
//! mtime, inode, content hash). Chosen over a shadow git repository because it needs no `git`
//! binary (the image has none) and its "nothing changed" path is a stat per file: a file whose
//! size, mtime and inode match the previous manifest keeps its hash without being read, as
//! git's index does. `.git` folders are skipped; files over the size limit are hashed but not
//! stored (the manifest says so, and a restore will have to); symlinks are recorded, never
//! followed; anything but regular files and symlinks is skipped.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Files larger than this are recorded by hash and size only.
pub const DEFAULT_MAX_STORED: u64 = crate::config::DEFAULT_CHECKPOINT_MAX_FILE_MB * 1024 * 1024;
/// Entries recorded at most; a bigger tree is marked truncated.
pub const MAX_ENTRIES: usize = 200_000;

/// One recorded path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Permission bits (`st_mode & 0o7777`); symlinks: 0.
    pub mode: u32,
    pub size: u64,
    pub mtime_ns: i64,
    pub ino: u64,
    /// SHA-256 of the content (of the target, for a symlink), hex.
    pub hash: String,
    /// The content is in the store (false: over the size limit).
    pub stored: bool,
    /// For a symlink: where it points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The state of a working directory at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Relative path (`/`-separated) → entry.
    pub files: BTreeMap<String, Entry>,
    /// More than [`MAX_ENTRIES`] paths: the rest was not recorded.
    pub truncated: bool,
}

/// What happened to one path between two manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    Created,
    Modified,
    Deleted,
    /// Same content, new path.
    Renamed {
        from: String,
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
    pub path: String,
    #[serde(flatten)]
    pub status: Status,
    pub added: usize,
    pub removed: usize,
}

/// What one turn changed in the working directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnDiff {
    pub files: Vec<Change>,
    /// The unified diff of the text files (binary and unstored ones: one line each).
    pub patch: String,
}

/// The content store and the manifests beside it.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    max_stored: u64,
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
        }
    }

    /// The store's folder: `objects/` (contents by hash) and `manifests/<thread>/`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Files bigger than this (bytes) are recorded by hash and size only.
    pub fn max_stored(&self) -> u64 {
        self.max_stored
    }

    pub fn with_max_stored(mut self, bytes: u64) -> Self {
        self.max_stored = bytes;
        self
    }

    /// Records `dir` (a missing one as empty). Files unchanged since `previous` (same size,
    /// mtime and inode) keep their hash without being read.
    pub fn snapshot(&self, dir: &Path, previous: Option<&Manifest>) -> Result<Manifest> {
        let objects = self.root.join("objects");
        private_dir(&objects)?;
        let mut out = Manifest::default();
        // A file written within the last moment may change again within the same mtime tick
        // without its size changing: such files are read again, never trusted (git's "racy"
        // files).
        let settled = now_ns().saturating_sub(2_000_000_000);
        let mut stack = vec![(dir.to_path_buf(), String::new())];
        while let Some((abs, rel)) = stack.pop() {
            let entries = match std::fs::read_dir(&abs) {
                Ok(e) => e,
                // A working dir the turn is about to create holds nothing yet: everything in
                // it afterwards is the turn's.
                Err(e) if rel.is_empty() && e.kind() == std::io::ErrorKind::NotFound => {
                    return Ok(out);
                }
                Err(e) if rel.is_empty() => {
                    return Err(e).with_context(|| format!("reading {}", abs.display()));
                }
                Err(e) => {
                    tracing::debug!("checkpoint skips {}: {e}", abs.display());
                    continue;
                }
            };
            for entry in entries.filter_map(std::result::Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = entry.path();
                let key = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                let Ok(meta) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                let kind = meta.file_type();
                if kind.is_dir() {
                    if name != ".git" {
                        stack.push((path, key));
                    }
                    continue;
                }
                if !(kind.is_file() || kind.is_symlink()) {
                    continue;
                }
                if out.files.len() == MAX_ENTRIES {
                    out.truncated = true;
                    return Ok(out);
                }
                let same = previous
                    .and_then(|p| p.files.get(&key))
                    .filter(|e| {
                        e.size == meta.len()
                            && e.mtime_ns == mtime_ns(&meta)
                            && e.mtime_ns < settled
                            && e.ino == meta.ino()
                            && e.mode == mode_of(&meta)
                    })
                    .filter(|e| !e.stored || self.has(&e.hash));
                let recorded = match same {
                    Some(e) => e.clone(),
                    None => self.record(&path, &meta)?,
                };
                out.files.insert(key, recorded);
            }
        }
        Ok(out)
    }

    fn record(&self, path: &Path, meta: &std::fs::Metadata) -> Result<Entry> {
        let mut entry = Entry {
            mode: mode_of(meta),
            size: meta.len(),
            mtime_ns: mtime_ns(meta),
            ino: meta.ino(),
            hash: String::new(),
            stored: false,
            link: None,
        };
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(path)?.to_string_lossy().into_owned();
            entry.hash = hex(&Sha256::digest(target.as_bytes()));
            entry.link = Some(target);
            return Ok(entry);
        }
        if meta.len() > self.max_stored {
            entry.hash = hash_file(path)?;
            return Ok(entry);
        }
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        entry.hash = hex(&Sha256::digest(&bytes));
        entry.stored = true;
        let object = self.object(&entry.hash);
        if !object.exists() {
            if let Some(parent) = object.parent() {
                private_dir(parent)?;
            }
            // Written whole under a temporary name, then renamed: never a torn object.
            let tmp = object.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, &bytes)?;
            std::fs::rename(&tmp, &object)?;
        }
        Ok(entry)
    }

    fn object(&self, hash: &str) -> PathBuf {
        let (a, b) = hash.split_at(2.min(hash.len()));
        self.root.join("objects").join(a).join(b)
    }

    fn has(&self, hash: &str) -> bool {
        self.object(hash).is_file()
    }

    /// The stored content of `hash`.
    pub fn read(&self, hash: &str) -> Result<Vec<u8>> {
        std::fs::read(self.object(hash)).with_context(|| format!("checkpoint object {hash}"))
    }

    /// What changed from `before` to `after`, with line counts for text on both sides.
    pub fn diff(&self, before: &Manifest, after: &Manifest) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut created: Vec<&String> = Vec::new();
        for (path, new) in &after.files {
            match before.files.get(path) {
                None => created.push(path),
                Some(old) if old.hash != new.hash || old.link != new.link => {
                    let (added, removed) = self.line_counts(Some(old), Some(new));
                    changes.push(change(path, Status::Modified, added, removed));
                }
                Some(old) if old.mode != new.mode => changes.push(change(
                    path,
                    Status::ModeChanged {
                        from: old.mode,
                        to: new.mode,
                    },
                    0,
                    0,
                )),
                Some(_) => {}
            }
        }
        let mut deleted: Vec<(&String, &Entry)> = before
            .files
            .iter()
            .filter(|(p, _)| !after.files.contains_key(*p))
            .collect();
        for path in created {
            let new = &after.files[path];
            // A deleted path with the same content: a rename.
            if let Some(i) = deleted.iter().position(|(_, old)| old.hash == new.hash) {
                let (from, _) = deleted.remove(i);
                changes.push(change(path, Status::Renamed { from: from.clone() }, 0, 0));
                continue;
            }
            let (added, removed) = self.line_counts(None, Some(new));
            changes.push(change(path, Status::Created, added, removed));
        }
        for (path, old) in deleted {
            let (added, removed) = self.line_counts(Some(old), None);
            changes.push(change(path, Status::Deleted, added, removed));
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        changes
    }

    /// The text of one side, if it is stored and looks like text.
    fn text(&self, entry: Option<&Entry>) -> Option<String> {
        let Some(e) = entry else {
            return Some(String::new());
        };
        if e.link.is_some() || !e.stored {
            return None;
        }
        let bytes = self.read(&e.hash).ok()?;
        if bytes.contains(&0) {
            return None;
        }
        String::from_utf8(bytes).ok()
    }

    fn line_counts(&self, old: Option<&Entry>, new: Option<&Entry>) -> (usize, usize) {
        let (Some(a), Some(b)) = (self.text(old), self.text(new)) else {
            return (0, 0);
        };
        let diff = similar::TextDiff::from_lines(&a, &b);
        let mut counts = (0, 0);
        for op in diff.iter_all_changes() {
            match op.tag() {
                similar::ChangeTag::Insert => counts.0 += 1,
                similar::ChangeTag::Delete => counts.1 += 1,
                similar::ChangeTag::Equal => {}
            }
        }
        counts
    }

    /// The unified diff of `changes` (text only; binary and unstored files get one line).
    pub fn patch(&self, before: &Manifest, after: &Manifest, changes: &[Change]) -> String {
        let mut out = String::new();
        for c in changes {
            let (old_path, old) = match &c.status {
                Status::Created => (None, None),
                Status::Renamed { from } => (Some(from.as_str()), before.files.get(from)),
                _ => (Some(c.path.as_str()), before.files.get(&c.path)),
            };
            let new = after.files.get(&c.path);
            let a = old_path.map_or("/dev/null".to_string(), |p| format!("a/{p}"));
            let b = if new.is_some() {
                format!("b/{}", c.path)
            } else {
                "/dev/null".into()
            };
            match (&c.status, self.text(old), self.text(new)) {
                (Status::Renamed { from }, _, _) => {
                    out.push_str(&format!("rename from {from}\nrename to {}\n", c.path));
                }
                (Status::ModeChanged { from, to }, _, _) => {
                    out.push_str(&format!("mode {from:o} -> {to:o}: {}\n", c.path));
                }
                (_, Some(x), Some(y)) => {
                    let diff = similar::TextDiff::from_lines(&x, &y);
                    out.push_str(&diff.unified_diff().header(&a, &b).to_string());
                }
                _ => out.push_str(&format!("Binary files {a} and {b} differ\n")),
            }
        }
        out
    }

    /// Stores `manifest` as `name` (e.g. `<thread>/<turn>`), replacing any earlier one.
    pub fn save(&self, name: &str, manifest: &Manifest) -> Result<()> {
        let path = self.manifest_path(name)?;
        if let Some(parent) = path.parent() {
            private_dir(parent)?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec(manifest)?)?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    }

    pub fn load(&self, name: &str) -> Result<Option<Manifest>> {
        match std::fs::read(self.manifest_path(name)?) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) fn manifest_path(&self, name: &str) -> Result<PathBuf> {
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

fn change(path: &str, status: Status, added: usize, removed: usize) -> Change {
    Change {
        path: path.to_string(),
        status,
        added,
        removed,
    }
}

fn mode_of(meta: &std::fs::Metadata) -> u32 {
    if meta.file_type().is_symlink() {
        0
    } else {
        meta.mode() & 0o7777
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.mtime_nsec())
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn hash_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

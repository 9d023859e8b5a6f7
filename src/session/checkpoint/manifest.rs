//! What one checkpoint says about the working dir, and how that is kept.
//!
//! Every path is an [`Entry`]: its kind, mode, the status fields git's index compares, and
//! the hash of its content where it could be read (or why not). Entries live in tree objects,
//! one per folder, content-addressed like the file contents (format 3, `super::tree`): a
//! checkpoint is just the hash of its root folder's tree ([`Manifest`]), so an unchanged
//! folder costs nothing to keep again, two checkpoints compare folder by folder, and nothing
//! holds a whole tree in memory. Manifests of format 1 (text paths, files and links only) and
//! 2 (every entry in one JSON document) still load: they are turned into trees on the way in,
//! and their entries carry no change time, so the first checkpoint after them reads every file
//! once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Hash, RelPath};

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    File,
    Link,
    Dir,
    /// A FIFO, socket or device: recorded, never opened, never restored.
    Other,
}

/// One recorded path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits (`st_mode & 0o7777`); links: 0.
    pub mode: u32,
    /// Bytes; for an ignored folder, the number of files found in it.
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
    pub uid: u32,
    pub gid: u32,
    /// The content's hash (a file's bytes, a link's target, a folder's tree object); `None`
    /// when it is not known.
    pub hash: Option<Hash>,
    /// The content is in the store.
    pub stored: bool,
    /// For a link: where it points.
    pub link: Option<RelPath>,
    /// Why the content is not known: "permission denied", "over the size cap (16 MiB)", ...
    pub note: Option<String>,
    /// Matched by an ignore file: recorded by its status only (a folder is not walked).
    pub ignored: bool,
}

impl Entry {
    /// An entry of `kind` with nothing known yet.
    pub fn blank(kind: Kind) -> Self {
        Self {
            kind,
            mode: 0,
            size: 0,
            mtime_ns: 0,
            ctime_ns: 0,
            ino: 0,
            dev: 0,
            uid: 0,
            gid: 0,
            hash: None,
            stored: false,
            link: None,
            note: None,
            ignored: false,
        }
    }

    /// Whether the content is the same: by hash where both are known, else by the status
    /// fields that change with any write (size, times, inode). Folders have no content of
    /// their own (what is in them is compared entry by entry), unless ignored.
    pub fn same_content(&self, other: &Entry) -> bool {
        if self.kind != other.kind || self.ignored != other.ignored {
            return false;
        }
        match self.kind {
            _ if self.ignored => self.same_stat(other),
            Kind::Dir => true,
            Kind::Link => self.link == other.link,
            _ => match (&self.hash, &other.hash) {
                (Some(a), Some(b)) => a == b,
                _ => self.same_stat(other),
            },
        }
    }

    /// Content and permission bits the same.
    pub fn same_state(&self, other: &Entry) -> bool {
        self.same_content(other) && self.mode == other.mode
    }

    /// What git's index compares to call a file unchanged without reading it.
    pub fn same_stat(&self, other: &Entry) -> bool {
        self.kind == other.kind
            && self.size == other.size
            && self.mtime_ns == other.mtime_ns
            && self.ctime_ns == other.ctime_ns
            && self.ino == other.ino
            && self.dev == other.dev
            && self.mode == other.mode
            && self.uid == other.uid
            && self.gid == other.gid
    }

    /// The content is known (hashed).
    pub fn known(&self) -> bool {
        self.hash.is_some()
    }
}

/// One checkpoint: the root folder's tree object, and when it was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The hash of the root folder's tree object.
    pub root: Hash,
    /// When the walk started (ns since the epoch): a recorded status is trusted later only
    /// for a file last changed before this (less a margin), as git trusts its index.
    pub taken_ns: i64,
    /// More than the entry limit: the rest was not recorded.
    pub truncated: bool,
    /// How many paths it records.
    pub entries: u64,
}

/// A manifest as found on disk: format 3, or an older one to be turned into trees.
pub(super) enum Found {
    Tree(Manifest),
    Flat {
        files: BTreeMap<RelPath, Entry>,
        taken_ns: i64,
        truncated: bool,
    },
}

#[derive(Serialize)]
struct Out<'a> {
    version: u32,
    #[serde(flatten)]
    manifest: &'a Manifest,
}

pub(super) fn to_json(m: &Manifest) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Out {
        version: 3,
        manifest: m,
    })
}

#[derive(Deserialize)]
struct In {
    #[serde(default)]
    version: u32,
    #[serde(default)]
    root: Option<Hash>,
    #[serde(default)]
    taken_ns: i64,
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    entries: serde_json::Value,
    /// Version 1: text path → entry without a kind.
    #[serde(default)]
    files: BTreeMap<String, V1Entry>,
}

/// An entry of format 2.
#[derive(Deserialize)]
struct V2Entry {
    kind: Kind,
    mode: u32,
    size: u64,
    mtime_ns: i64,
    #[serde(default)]
    ctime_ns: i64,
    ino: u64,
    #[serde(default)]
    dev: u64,
    #[serde(default)]
    uid: u32,
    #[serde(default)]
    gid: u32,
    hash: String,
    stored: bool,
    #[serde(default)]
    link: Option<RelPath>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct V1Entry {
    mode: u32,
    size: u64,
    mtime_ns: i64,
    ino: u64,
    hash: String,
    stored: bool,
    #[serde(default)]
    link: Option<String>,
}

pub(super) fn from_json(bytes: &[u8]) -> Result<Found, String> {
    let raw: In = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    match (raw.version, raw.root) {
        (3, Some(root)) => {
            let entries = raw.entries.as_u64().unwrap_or(0);
            return Ok(Found::Tree(Manifest {
                root,
                taken_ns: raw.taken_ns,
                truncated: raw.truncated,
                entries,
            }));
        }
        (v, _) if v > 3 => {
            return Err(format!(
                "checkpoint format {v} is newer than this codexmcp reads (3)"
            ));
        }
        _ => {}
    }
    let rows: Vec<(RelPath, V2Entry)> = match raw.entries {
        serde_json::Value::Null => Vec::new(),
        v => serde_json::from_value(v).map_err(|e| e.to_string())?,
    };
    let mut files = BTreeMap::new();
    for (path, e) in rows {
        let mut entry = Entry::blank(e.kind);
        entry.mode = e.mode;
        entry.size = e.size;
        entry.mtime_ns = e.mtime_ns;
        entry.ctime_ns = e.ctime_ns;
        entry.ino = e.ino;
        entry.dev = e.dev;
        entry.uid = e.uid;
        entry.gid = e.gid;
        entry.hash = Hash::from_hex(&e.hash).filter(|_| e.kind != Kind::Dir);
        entry.stored = e.stored;
        entry.link = e.link;
        entry.note = e.note;
        files.insert(path, entry);
    }
    for (path, e) in raw.files {
        let mut entry = Entry::blank(if e.link.is_some() {
            Kind::Link
        } else {
            Kind::File
        });
        entry.mode = e.mode;
        entry.size = e.size;
        entry.mtime_ns = e.mtime_ns;
        entry.ino = e.ino;
        entry.hash = Hash::from_hex(&e.hash);
        entry.stored = e.stored;
        entry.link = e.link.map(RelPath::from);
        files.insert(RelPath::from(path), entry);
    }
    Ok(Found::Flat {
        files,
        taken_ns: raw.taken_ns,
        truncated: raw.truncated,
    })
}

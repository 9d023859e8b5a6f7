//! What one checkpoint says about the working dir: every path with its kind, mode, the status
//! fields git's index compares, and the hash of its content where that could be read.
//!
//! Version 2 (this one) keeps names as bytes, records folders (so undo can bring back an empty
//! one, or one a turn swapped for a file or a link), the change time and device beside the
//! modification time and inode, and why a content could not be recorded ("permission
//! denied", "over the size cap"), instead of failing the whole checkpoint. Version 1 manifests
//! (paths as text, files and links only) still load: their entries carry no change time, so
//! the first checkpoint after them reads every file once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::RelPath;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits (`st_mode & 0o7777`); links: 0.
    pub mode: u32,
    pub size: u64,
    pub mtime_ns: i64,
    #[serde(default)]
    pub ctime_ns: i64,
    pub ino: u64,
    #[serde(default)]
    pub dev: u64,
    #[serde(default)]
    pub uid: u32,
    #[serde(default)]
    pub gid: u32,
    /// SHA-256 of the content (of the target, for a link), hex; empty when not known.
    pub hash: String,
    /// The content is in the store.
    pub stored: bool,
    /// For a link: where it points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<RelPath>,
    /// Why the content is not known (then `hash` is empty): "permission denied", "over the
    /// 16 MiB size cap", ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Entry {
    /// Whether the content is the same: by hash where both are known, else by the status
    /// fields that change with any write (size, times, inode).
    pub fn same_content(&self, other: &Entry) -> bool {
        if self.kind != other.kind {
            return false;
        }
        match self.kind {
            Kind::Dir => true,
            Kind::Link => self.link == other.link,
            _ if !self.hash.is_empty() && !other.hash.is_empty() => self.hash == other.hash,
            _ => self.same_stat(other),
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
        !self.hash.is_empty()
    }
}

/// The state of a working dir at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifest {
    /// Every path below the root (folders too) → its entry.
    pub files: BTreeMap<RelPath, Entry>,
    /// More than the entry limit: the rest was not recorded.
    pub truncated: bool,
    /// When the walk started (ns since the epoch): a recorded status is trusted later only
    /// for a file last changed before this (less a margin), as git trusts its index.
    pub taken_ns: i64,
}

impl Manifest {
    /// The files and links, without folders and other kinds.
    pub fn contents(&self) -> impl Iterator<Item = (&RelPath, &Entry)> {
        self.files
            .iter()
            .filter(|(_, e)| matches!(e.kind, Kind::File | Kind::Link))
    }
}

const VERSION: u32 = 2;

#[derive(Serialize)]
struct Out<'a> {
    version: u32,
    taken_ns: i64,
    truncated: bool,
    /// `[path, entry]` pairs, in path order.
    entries: Vec<(&'a RelPath, &'a Entry)>,
}

impl Serialize for Manifest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Out {
            version: VERSION,
            taken_ns: self.taken_ns,
            truncated: self.truncated,
            entries: self.files.iter().collect(),
        }
        .serialize(s)
    }
}

#[derive(Deserialize)]
struct In {
    #[serde(default)]
    version: u32,
    #[serde(default)]
    taken_ns: i64,
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    entries: Vec<(RelPath, Entry)>,
    /// Version 1: text path → entry without a kind.
    #[serde(default)]
    files: BTreeMap<String, V1Entry>,
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

impl<'de> Deserialize<'de> for Manifest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = In::deserialize(d)?;
        if raw.version > VERSION {
            return Err(serde::de::Error::custom(format!(
                "checkpoint format {} is newer than this codexmcp reads ({VERSION})",
                raw.version
            )));
        }
        let mut files: BTreeMap<RelPath, Entry> = raw.entries.into_iter().collect();
        for (path, e) in raw.files {
            let kind = if e.link.is_some() {
                Kind::Link
            } else {
                Kind::File
            };
            let entry = Entry {
                kind,
                mode: e.mode,
                size: e.size,
                mtime_ns: e.mtime_ns,
                ctime_ns: 0,
                ino: e.ino,
                dev: 0,
                uid: 0,
                gid: 0,
                hash: e.hash,
                stored: e.stored,
                link: e.link.map(RelPath::from),
                note: None,
            };
            files.insert(RelPath::from(path), entry);
        }
        Ok(Self {
            files,
            truncated: raw.truncated,
            taken_ns: raw.taken_ns,
        })
    }
}

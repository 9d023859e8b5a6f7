//! The working directory's file tree: scanning, watching, previewing.
//!
//! The UI task never touches the disk. A `notify` watcher runs on its own thread; its events
//! are batched (one message per [`BATCH`] window, however many files a command touched, as yazi
//! does) and the UI answers with a rescan request that runs on a blocking thread. Every read
//! goes through the working-dir gateway (`session::workdir`): symlinks are listed but never
//! followed, at any component — one that leaves the working dir is marked, from its target's
//! words alone — so a model cannot trick the tree or the preview into reading `~/.ssh`.

use std::collections::HashSet;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::FileType;
use tokio::sync::mpsc;

use super::Msg;
use crate::session::workdir::{self, Dir, WorkDir};

/// How long file events are collected before the tree is rescanned.
pub const BATCH: Duration = Duration::from_millis(250);
/// At most this many entries are listed.
pub const MAX_ENTRIES: usize = 5_000;
/// At most this many bytes are shown in a preview.
pub const PREVIEW_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File {
        size: u64,
    },
    /// A symlink, never followed. `outside`: it points out of the working dir.
    Link {
        target: String,
        outside: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    pub name: String,
    pub depth: usize,
    pub kind: EntryKind,
}

/// What the tree pane shows; owned by the App.
#[derive(Debug, Default)]
pub struct FileTree {
    root: PathBuf,
    entries: Vec<Entry>,
    expanded: HashSet<PathBuf>,
    /// Files changed in the current turn (absolute paths).
    changed: HashSet<PathBuf>,
    selected: usize,
    truncated: bool,
}

impl FileTree {
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            ..Self::default()
        }
    }

    pub fn set_entries(&mut self, entries: Vec<Entry>, truncated: bool) {
        let keep = self.entries.get(self.selected).map(|e| e.path.clone());
        self.entries = entries;
        self.truncated = truncated;
        self.selected = keep
            .and_then(|p| self.entries.iter().position(|e| e.path == p))
            .unwrap_or(self.selected.min(self.entries.len().saturating_sub(1)));
    }

    /// Toggles the selected folder; returns true when a rescan is needed.
    pub fn toggle_selected(&mut self) -> bool {
        let Some(e) = self.entries.get(self.selected) else {
            return false;
        };
        if e.kind != EntryKind::Dir {
            return false;
        }
        if !self.expanded.remove(&e.path) {
            self.expanded.insert(e.path.clone());
        }
        true
    }

    pub fn is_changed(&self, path: &Path) -> bool {
        self.changed.contains(path)
    }

    pub fn mark_changed(&mut self, path: PathBuf) {
        self.changed.insert(path);
    }

    pub fn clear_changed(&mut self) {
        self.changed.clear();
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn is_expanded(&self, dir: &Path) -> bool {
        self.expanded.contains(dir)
    }

    /// The folders a rescan descends into.
    pub fn expanded(&self) -> HashSet<PathBuf> {
        self.expanded.clone()
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.entries.get(self.selected)
    }

    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// Selects entry `i` (clamped to the list).
    pub fn select(&mut self, i: usize) {
        self.selected = i.min(self.entries.len().saturating_sub(1));
    }

    /// Moves the selection by `delta` entries, within the list.
    pub fn select_by(&mut self, delta: i64) {
        let last = self.entries.len().saturating_sub(1) as i64;
        self.selected = (self.selected as i64).saturating_add(delta).clamp(0, last) as usize;
    }
}

/// Lists `root`, descending into `expanded` folders only. Blocking: call off the UI task.
/// Read through the working-dir gateway: folders by handle, nothing followed.
pub fn scan(root: &Path, expanded: &HashSet<PathBuf>) -> (Vec<Entry>, bool) {
    let mut out = Vec::new();
    let Ok(work) = WorkDir::open(root) else {
        return (out, false);
    };
    let Ok(top) = work.dir(&[]) else {
        return (out, false);
    };
    let truncated = walk(root, &top, root, 0, expanded, &mut out);
    (out, truncated)
}

fn walk(
    root: &Path,
    dir: &Dir,
    at: &Path,
    depth: usize,
    expanded: &HashSet<PathBuf>,
    out: &mut Vec<Entry>,
) -> bool {
    let Ok(names) = dir.names() else {
        return false;
    };
    let mut children: Vec<Entry> = names
        .into_iter()
        .map(|name| {
            let path = at.join(std::ffi::OsStr::from_bytes(&name));
            let kind = match dir.stat(&name).map(|st| (workdir::kind_of(&st), st)) {
                Ok((FileType::Symlink, _)) => {
                    let target = dir.read_link(&name).unwrap_or_default();
                    EntryKind::Link {
                        outside: leaves(root, at, &target),
                        target: crate::text::bytes_literal(&target),
                    }
                }
                Ok((FileType::Directory, _)) => EntryKind::Dir,
                Ok((_, st)) => EntryKind::File {
                    size: u64::try_from(st.st_size).unwrap_or(0),
                },
                Err(_) => EntryKind::File { size: 0 },
            };
            Entry {
                name: crate::text::bytes_literal(&name),
                path,
                depth,
                kind,
            }
        })
        .collect();
    children.sort_by(|a, b| {
        (a.kind != EntryKind::Dir, a.name.to_lowercase())
            .cmp(&(b.kind != EntryKind::Dir, b.name.to_lowercase()))
    });
    for child in children {
        if out.len() >= MAX_ENTRIES {
            return true;
        }
        let descend = child.kind == EntryKind::Dir && expanded.contains(&child.path);
        let path = child.path.clone();
        out.push(child);
        if descend
            && let Some(name) = path.file_name()
            && let Ok(sub) = dir.dir(name.as_bytes())
            && walk(root, &sub, &path, depth + 1, expanded, out)
        {
            return true;
        }
    }
    false
}

/// Whether a link in folder `at` with `target` points out of `root`, read from the words
/// alone (the link is never followed to find out).
fn leaves(root: &Path, at: &Path, target: &[u8]) -> bool {
    let target = Path::new(std::ffi::OsStr::from_bytes(target));
    if target.is_absolute() {
        return !target.starts_with(root);
    }
    let mut depth = at.strip_prefix(root).map_or(0, |p| p.components().count()) as i64;
    for part in target.components() {
        match part {
            std::path::Component::ParentDir => depth -= 1,
            std::path::Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// A read-only look at one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub path: PathBuf,
    pub body: PreviewBody,
    pub scroll: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewBody {
    Text { text: String, truncated: bool },
    Binary { size: u64 },
    Refused(String),
}

/// Reads a preview (size-capped, binary detected, symlinks and special files refused),
/// through the working-dir gateway: no link followed at any component, the file's type checked
/// on its open handle. Blocking, but never stuck (a FIFO is never waited on).
pub fn load_preview(root: &Path, path: &Path) -> Preview {
    let body = match path.strip_prefix(root) {
        Err(_) => PreviewBody::Refused("outside the working dir".into()),
        Ok(rel) => preview(root, rel.as_os_str().as_bytes()),
    };
    Preview {
        path: path.to_path_buf(),
        body,
        scroll: 0,
    }
}

fn preview(root: &Path, rel: &[u8]) -> PreviewBody {
    let refused = |e: std::io::Error| PreviewBody::Refused(workdir::describe(&e));
    let (dir, name) = match WorkDir::open(root).and_then(|w| w.parent(rel, None)) {
        Ok(found) => found,
        Err(e) => return refused(e),
    };
    match dir.stat(name).map(|st| workdir::kind_of(&st)) {
        Ok(FileType::Symlink) => return PreviewBody::Refused("symlinks are not followed".into()),
        Ok(FileType::Directory) => return PreviewBody::Refused("a folder".into()),
        Ok(_) => {}
        Err(e) => return refused(e),
    }
    let (mut file, st) = match dir.open_read(name) {
        Ok(opened) => opened,
        Err(e) => return refused(e),
    };
    let size = u64::try_from(st.st_size).unwrap_or(0);
    let mut buf = Vec::with_capacity(PREVIEW_BYTES.min(size as usize));
    let _ = (&mut file).take(PREVIEW_BYTES as u64).read_to_end(&mut buf);
    if buf.contains(&0) {
        PreviewBody::Binary { size }
    } else {
        PreviewBody::Text {
            text: crate::text::sanitize(&String::from_utf8_lossy(&buf)),
            truncated: size > PREVIEW_BYTES as u64,
        }
    }
}

/// Watches `root` recursively; sends one `Msg::FilesChanged` per batch of events. The
/// returned watcher stops when dropped.
pub fn watch(root: &Path, tx: super::TabTx) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let (raw_tx, mut raw_rx) = mpsc::unbounded_channel::<()>();
    let handler = move |res: notify::Result<notify::Event>| {
        // Reads change nothing, and our own rescan opens every folder: counting those
        // (inotify reports opens and closes) made an idle TUI rescan four times a second.
        if res.is_ok_and(|e| !matches!(e.kind, notify::EventKind::Access(_))) {
            let _ = raw_tx.send(());
        }
    };
    // Never into symlinks: Codex can `ln -s / output/r`, and following it would watch (and
    // walk, before the first frame) the whole filesystem.
    let config = notify::Config::default().with_follow_symlinks(false);
    let mut watcher = notify::RecommendedWatcher::new(handler, config)
        .map_err(|e| tracing::warn!("file watcher unavailable: {e}"))
        .ok()?;
    if let Err(e) = watcher.watch(root, notify::RecursiveMode::Recursive) {
        tracing::warn!("cannot watch {}: {e}", root.display());
        return None;
    }
    tokio::spawn(async move {
        while raw_rx.recv().await.is_some() {
            tokio::time::sleep(BATCH).await;
            while raw_rx.try_recv().is_ok() {}
            if !tx.send(Msg::FilesChanged).await {
                break;
            }
        }
    });
    Some(watcher)
}

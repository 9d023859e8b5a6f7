//! Putting the working directory back as it was before a turn.
//!
//! The turn's two checkpoints say what it changed; undo reverses exactly that and leaves the
//! rest alone. The folder is Codex's, and a turn can leave traps in it — a folder swapped for a
//! link to `~`, a file swapped for a link to a file outside — so undo works only through the
//! gateway ([`super::workdir`]) and in an order that cannot be redirected: first everything the
//! turn made that was not there before (links, files, folders) is removed, deepest first; then
//! what it changed or took away is put back, shallowest first, each file written under a new
//! name beside its place and renamed over it, never through a link; folder modes go last. Then
//! every path put back is read again and checked against its checkpoint. The report names what
//! was restored, what was removed, and what could not be, with the reason — never "restored"
//! for a file that was not. A file the user changed *after* the turn would lose that work, so
//! undo refuses and names it, unless forced.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Result;

use super::checkpoint::{Entry, Hash, Kind, Lookup, Manifest, RelPath, Store};

/// A path before the turn, after it, and now.
type Sides = (Option<Entry>, Option<Entry>, Option<Entry>);
use super::workdir::{self, WorkDir};
use crate::text::one_line;

/// What an undo did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Undone {
    /// Paths given their earlier content, mode or kind back (checked afterwards).
    pub restored: Vec<RelPath>,
    /// Paths the turn created, removed.
    pub removed: Vec<RelPath>,
    /// Paths that could not be put back or removed, and why.
    pub failed: Vec<(RelPath, String)>,
    /// Which of those paths are folders (shown with a trailing `/`).
    pub dirs: BTreeSet<RelPath>,
}

/// Why an undo did nothing.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    #[error(
        "these files changed after the turn, and undo would lose that: {}; use --force to undo anyway",
        .0.iter().map(RelPath::display).collect::<Vec<_>>().join(", ")
    )]
    EditedSince(Vec<RelPath>),
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

/// The reason given for a file over the size cap when it was recorded.
pub const TOO_BIG: &str = "too big to have been stored";

/// Restores `dir` from `after` (the turn's end) to `before` (its start). Refuses when a path
/// the turn changed is no longer as the turn left it, unless `force`.
pub fn restore(
    store: &Store,
    dir: &Path,
    before: &Manifest,
    after: &Manifest,
    force: bool,
) -> Result<Undone, UndoError> {
    let now = store.snapshot(dir, Some(after))?;
    restore_seen(store, dir, before, after, &now, force)
}

/// [`restore`], with `dir` as it is `now` already recorded (a caller that just read it need
/// not walk it twice).
pub fn restore_seen(
    store: &Store,
    dir: &Path,
    before: &Manifest,
    after: &Manifest,
    now: &Manifest,
    force: bool,
) -> Result<Undone, UndoError> {
    let mut now_at = Lookup::new(store, now);
    // What the turn changed: each path as it was before it, after it, and now.
    let mut touched: BTreeMap<RelPath, Sides> = BTreeMap::new();
    for c in store.changed(before, after)? {
        let n = now_at.get(&c.path)?;
        touched.insert(c.path, (c.before, c.after, n));
    }
    if !force {
        let edited: Vec<RelPath> = touched
            .iter()
            .filter(|(_, (_, a, n))| !same(n.as_ref(), a.as_ref()))
            .map(|(p, _)| p.clone())
            .collect();
        if !edited.is_empty() {
            return Err(UndoError::EditedSince(edited));
        }
    }
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(anyhow::Error::from)?;
    }
    let root = WorkDir::open(dir).map_err(anyhow::Error::from)?;
    let mut done = Undone {
        dirs: touched
            .iter()
            .filter(|(_, (b, _, n))| [b, n].into_iter().flatten().any(|e| e.kind == Kind::Dir))
            .map(|(p, _)| p.clone())
            .collect(),
        ..Undone::default()
    };
    // Where an ignore file says not to look, nothing was recorded to put back.
    let ignored = |(b, a, _): &Sides| [b, a].into_iter().flatten().any(|e| e.ignored);
    for (path, _) in touched.iter().filter(|(_, s)| ignored(s)) {
        done.failed
            .push((path.clone(), super::checkpoint::IGNORED.to_string()));
    }
    touched.retain(|_, s| !ignored(s));

    // 1. What the turn made that was not there before (or is of another kind), deepest first.
    let mut gone: Vec<&RelPath> = touched
        .iter()
        .filter(|(_, (b, _, n))| match (b, n) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(b), Some(n)) => b.kind != n.kind,
        })
        .map(|(p, _)| p)
        .collect();
    gone.sort_by_key(|p| std::cmp::Reverse(p.depth()));
    for path in gone {
        match remove(&root, path) {
            Ok(()) if touched[path].0.is_none() => done.removed.push(path.clone()),
            Ok(()) => {}
            Err(e) => done
                .failed
                .push((path.clone(), format!("could not remove it: {e}"))),
        }
    }

    // 2. What it changed or took away, shallowest first; folder modes last, deepest first.
    let mut back: Vec<(&RelPath, &Entry)> = touched
        .iter()
        .filter_map(|(p, (b, _, _))| b.as_ref().map(|e| (p, e)))
        .collect();
    back.sort_by_key(|(p, _)| p.depth());
    let mut dirs = Vec::new();
    for (path, entry) in back {
        if done
            .failed
            .iter()
            .any(|(p, _)| path == p || path.is_inside(p))
        {
            continue; // what is in the way could not be removed: said already
        }
        match put_back(store, &root, path, entry) {
            Ok(()) if entry.kind == Kind::Dir => dirs.push((path, entry)),
            Ok(()) => done.restored.push(path.clone()),
            Err(why) => done.failed.push((path.clone(), why)),
        }
    }
    for (path, entry) in dirs.into_iter().rev() {
        let set = root
            .parent(path.as_bytes(), None)
            .and_then(|(parent, name)| parent.set_mode(name, entry.mode));
        match set {
            Ok(()) => done.restored.push(path.clone()),
            Err(e) => done.failed.push((path.clone(), workdir::describe(&e))),
        }
    }

    // 3. Everything put back is read again and compared with its checkpoint.
    let restored = std::mem::take(&mut done.restored);
    for path in restored {
        let Some(entry) = touched.get(&path).and_then(|s| s.0.as_ref()) else {
            continue;
        };
        match verify(&root, &path, entry) {
            Ok(()) => done.restored.push(path),
            Err(why) => done
                .failed
                .push((path, format!("after restoring it, {why}"))),
        }
    }
    done.restored.sort();
    done.removed.sort();
    done.failed.sort();
    Ok(done)
}

/// Whether two sides of a path are the same: both absent, or same kind, content and mode.
fn same(a: Option<&Entry>, b: Option<&Entry>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.same_state(b),
        _ => false,
    }
}

/// Removes whatever `path` is now (a folder must be empty: what is left in it is not ours).
fn remove(root: &WorkDir, path: &RelPath) -> Result<(), String> {
    let (parent, name) = root
        .parent(path.as_bytes(), None)
        .map_err(|e| workdir::describe(&e))?;
    let st = match parent.stat(name) {
        Ok(st) => st,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(workdir::describe(&e)),
    };
    let removed = if workdir::kind_of(&st) == rustix::fs::FileType::Directory {
        parent.remove_dir(name)
    } else {
        parent.remove_file(name)
    };
    match removed {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(workdir::describe(&e)),
        _ => Ok(()),
    }
}

/// Writes `entry` back at `path`: a folder made (its mode comes later), a file's stored bytes
/// (checked against their hash) with its mode, a link's target.
fn put_back(store: &Store, root: &WorkDir, path: &RelPath, entry: &Entry) -> Result<(), String> {
    if let Some(note) = entry.note.as_ref().filter(|_| entry.kind != Kind::Dir) {
        return Err(
            if entry.kind == Kind::File
                && !entry.stored
                && note.starts_with(super::checkpoint::OVER_CAP)
            {
                TOO_BIG.to_string()
            } else {
                format!("it was not checkpointed before the turn ({note})")
            },
        );
    }
    let (parent, name) = root
        .parent(path.as_bytes(), Some(0o700))
        .map_err(|e| workdir::describe(&e))?;
    let done = match entry.kind {
        Kind::Dir => match parent.stat(name) {
            Ok(st) if workdir::kind_of(&st) == rustix::fs::FileType::Directory => Ok(()),
            _ => parent.make_dir(name, 0o700),
        },
        Kind::Link => {
            let target = entry
                .link
                .as_ref()
                .ok_or("its link target was not recorded")?;
            parent.write_link(name, target.as_bytes())
        }
        Kind::File if !entry.stored => return Err(TOO_BIG.to_string()),
        Kind::File => {
            let hash = entry.hash.ok_or("its content was not recorded")?;
            let bytes = store
                .read(&hash)
                .map_err(|e| format!("its stored copy cannot be read ({e:#})"))?;
            if Hash::of(&bytes) != hash {
                return Err("its stored copy is damaged".into());
            }
            parent.write_file(name, &bytes, entry.mode)
        }
        Kind::Other => return Err("a FIFO, socket or device is never recreated".into()),
    };
    done.map_err(|e| workdir::describe(&e))
}

/// Reads `path` again, without following anything, and compares it with `entry`.
fn verify(root: &WorkDir, path: &RelPath, entry: &Entry) -> Result<(), String> {
    let (parent, name) = root
        .parent(path.as_bytes(), None)
        .map_err(|e| workdir::describe(&e))?;
    let st = parent.stat(name).map_err(|e| workdir::describe(&e))?;
    let mode = |m: u32| m & 0o7777;
    match entry.kind {
        Kind::Dir if workdir::kind_of(&st) == rustix::fs::FileType::Directory => (mode(st.st_mode)
            == entry.mode)
            .then_some(())
            .ok_or_else(|| "its mode differs".to_string()),
        Kind::Link => {
            let target = parent.read_link(name).map_err(|e| workdir::describe(&e))?;
            (entry.link.as_ref().map(RelPath::as_bytes) == Some(&target[..]))
                .then_some(())
                .ok_or_else(|| "it points elsewhere".to_string())
        }
        Kind::File => {
            let (mut file, st) = parent.open_read(name).map_err(|e| workdir::describe(&e))?;
            let bytes = workdir::read_capped(&mut file, st.st_size.max(0) as u64 + 1, &|| false)
                .map_err(|e| workdir::describe(&e))?
                .ok_or("it grew while it was read")?;
            if Some(Hash::of(&bytes)) != entry.hash {
                return Err("its content differs".into());
            }
            (mode(st.st_mode) == entry.mode)
                .then_some(())
                .ok_or_else(|| "its mode differs".to_string())
        }
        _ => Err("it is not what was recorded".into()),
    }
}

impl Undone {
    /// How many paths were restored, removed and not restored.
    pub fn counts(&self) -> serde_json::Value {
        serde_json::json!({"restored": self.restored.len(), "removed": self.removed.len(),
            "failed": self.failed.len()})
    }

    /// What was restored, removed and not restored (grouped by why), one line each.
    pub fn report(&self) -> String {
        let list = |v: &mut dyn Iterator<Item = &RelPath>| {
            v.map(|p| one_line(&p.display(), 200) + if self.dirs.contains(p) { "/" } else { "" })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::new();
        if !self.restored.is_empty() {
            out.push_str(&format!("restored: {}\n", list(&mut self.restored.iter())));
        }
        if !self.removed.is_empty() {
            out.push_str(&format!(
                "removed (the turn created them): {}\n",
                list(&mut self.removed.iter())
            ));
        }
        let reasons: BTreeSet<&str> = self.failed.iter().map(|(_, r)| r.as_str()).collect();
        for why in reasons {
            let mut paths = self.failed.iter().filter(|(_, r)| r == why).map(|(p, _)| p);
            out.push_str(&format!(
                "not restored ({}): {}\n",
                one_line(why, 200),
                list(&mut paths)
            ));
        }
        out
    }
}

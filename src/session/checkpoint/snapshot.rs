//! Recording the working dir: one walk over folder handles — folders in parallel, nothing
//! followed — that writes one tree object per changed folder and keeps every failure with the
//! path it belongs to. Memory is the folders being walked, not the tree.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use anyhow::{Context, Result};
use rayon::prelude::*;
use rustix::fs::FileType;

use super::content::Taken;
use super::ignores::Ignores;
use super::{Entry, Hash, IGNORED, Kind, MAX_ENTRIES, Manifest, RelPath, Store, Tree};
use crate::session::workdir::{self, Dir, Stat, WorkDir};

/// Why a snapshot did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The caller asked it to stop (a signal, a shutdown).
    #[error("the checkpoint was stopped")]
    Stopped,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// How far a snapshot has got: paths seen so far (read from another thread to show progress).
#[derive(Debug, Default)]
pub struct Progress(AtomicU64);

impl Progress {
    pub fn seen(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Files counted at most in an ignored folder.
const MAX_COUNTED: u64 = 1_000_000;

impl Store {
    /// Records `dir` (a missing one as empty). Files unchanged since `previous` (see
    /// [`Entry::same_stat`]) keep their hash without being read.
    pub fn snapshot(&self, dir: &Path, previous: Option<&Manifest>) -> Result<Manifest> {
        self.snapshot_until(dir, previous, &|| false, &Progress::default())
            .map_err(|e| anyhow::anyhow!(e))
    }

    /// [`Store::snapshot`] that gives up with [`SnapshotError::Stopped`] soon after `stop`
    /// says so (it is asked before each entry and each 64 KiB read), counting in `progress`.
    pub fn snapshot_until(
        &self,
        dir: &Path,
        previous: Option<&Manifest>,
        stop: &(dyn Fn() -> bool + Sync),
        progress: &Progress,
    ) -> Result<Manifest, SnapshotError> {
        let taken_ns = now_ns();
        let root = match WorkDir::open(dir) {
            Ok(r) => r,
            // A working dir the turn is about to create holds nothing yet: everything in it
            // afterwards is the turn's.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let root = self.put_tree(&Tree::default())?;
                return Ok(Manifest {
                    root,
                    taken_ns,
                    truncated: false,
                    entries: 0,
                });
            }
            Err(e) => {
                return Err(anyhow::Error::from(e)
                    .context(format!("opening {}", dir.display()))
                    .into());
            }
        };
        super::private_dir(&self.root.join("objects"))?;
        let walk = Walk {
            store: self,
            root: dir,
            // Trusted only if last changed before the previous checkpoint began, less the
            // window a coarse file-system clock needs.
            trusted_before: previous.map_or(i64::MIN, |p| p.taken_ns.saturating_sub(self.racy_ns)),
            stop,
            progress,
            truncated: AtomicBool::new(false),
        };
        let top = root
            .dir(&[])
            .with_context(|| format!("opening {}", dir.display()))?;
        let before = previous
            .map(|p| self.tree(&p.root))
            .transpose()
            .unwrap_or_else(|e| {
                tracing::info!("the previous checkpoint cannot be read ({e:#}): reading all");
                None
            });
        let rel = RelPath::default();
        let hash = match walk.folder(
            &top,
            &rel,
            before,
            previous.map(|p| p.root),
            &Ignores::default(),
        )? {
            Ok(h) => h,
            Err(why) => {
                return Err(anyhow::anyhow!("reading {}: {why}", dir.display()).into());
            }
        };
        let truncated = walk.truncated.load(Ordering::Relaxed);
        Ok(Manifest {
            root: if truncated {
                self.put_tree(&Tree::default())?
            } else {
                hash
            },
            taken_ns,
            truncated,
            entries: progress.seen(),
        })
    }
}

struct Walk<'a> {
    store: &'a Store,
    root: &'a Path,
    trusted_before: i64,
    stop: &'a (dyn Fn() -> bool + Sync),
    progress: &'a Progress,
    truncated: AtomicBool,
}

impl Walk<'_> {
    /// Records the folder `dir` (`rel` below the root) and everything in it, its subfolders in
    /// parallel; the hash of its tree object, or why it could not be listed.
    fn folder(
        &self,
        dir: &Dir,
        rel: &RelPath,
        before: Option<std::sync::Arc<Tree>>,
        before_hash: Option<Hash>,
        ignores: &Ignores,
    ) -> Result<Result<Hash, String>, SnapshotError> {
        let names = match dir.names() {
            Ok(n) => n,
            Err(e) => return Ok(Err(workdir::describe(&e))),
        };
        let ignores = match self.store.include_ignored {
            true => ignores.clone(),
            false => ignores.enter(dir, rel, self.root, &names),
        };
        let mut entries: Vec<(Vec<u8>, Entry)> = Vec::with_capacity(names.len());
        for name in names {
            if (self.stop)() {
                return Err(SnapshotError::Stopped);
            }
            if self.progress.0.fetch_add(1, Ordering::Relaxed) >= MAX_ENTRIES {
                self.truncated.store(true, Ordering::Relaxed);
                return Ok(Ok(Hash([0; 32])));
            }
            let path = rel.join(&name);
            let old = before.as_ref().and_then(|t| t.get(&name));
            if let Some(e) = self.entry(dir, &name, &path, old, &ignores)? {
                entries.push((name, e));
            }
        }
        let subfolders: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].1.kind == Kind::Dir && !entries[i].1.ignored)
            .collect();
        let visit = |&i: &usize| {
            let name = &entries[i].0;
            let child = match dir.dir(name) {
                Ok(c) => c,
                Err(e) => return Ok((i, Err(workdir::describe(&e)))),
            };
            let old_hash = before
                .as_ref()
                .and_then(|t| t.get(name))
                .filter(|e| e.kind == Kind::Dir)
                .and_then(|e| e.hash);
            let old = old_hash.and_then(|h| self.store.tree(&h).ok());
            let path = rel.join(name);
            Ok((i, self.folder(&child, &path, old, old_hash, &ignores)?))
        };
        // A thread pool costs more to start than a folder with one subfolder takes to walk.
        let done: Vec<(usize, Result<Hash, String>)> = match subfolders.len() {
            0 | 1 => subfolders
                .iter()
                .map(visit)
                .collect::<Result<_, SnapshotError>>()?,
            _ => subfolders
                .par_iter()
                .map(visit)
                .collect::<Result<_, SnapshotError>>()?,
        };
        for (i, result) in done {
            match result {
                Ok(h) => entries[i].1.hash = Some(h),
                Err(why) => entries[i].1.note = Some(format!("its contents: {why}")),
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let bytes = Tree { entries }.encode();
        let hash = Hash::of(&bytes);
        if before_hash != Some(hash) {
            self.store
                .put(&hash, &bytes)
                .context("storing a checkpoint tree")?;
        }
        Ok(Ok(hash))
    }

    /// Records `name` in `dir` as `path` (`.git` is not recorded); `old` is its last record.
    fn entry(
        &self,
        dir: &Dir,
        name: &[u8],
        path: &RelPath,
        old: Option<&Entry>,
        ignores: &Ignores,
    ) -> Result<Option<Entry>, SnapshotError> {
        let st = match dir.stat(name) {
            Ok(st) => st,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None), // gone meanwhile
            Err(e) => {
                let mut entry = Entry::blank(Kind::Other);
                entry.note = Some(workdir::describe(&e));
                return Ok(Some(entry));
            }
        };
        let mut entry = from_stat(&st);
        // git's own, whatever its kind: a folder, or the file a worktree or submodule has.
        if name == b".git" {
            return Ok(None);
        }
        if !self.store.include_ignored && ignores.ignored(path, entry.kind == Kind::Dir) {
            return Ok(Some(self.ignored(dir, name, entry, old)));
        }
        match entry.kind {
            Kind::Dir => {}
            Kind::Link => match dir.read_link(name) {
                Ok(target) => {
                    entry.hash = Some(Hash::of(&target));
                    entry.link = Some(RelPath::new(target));
                }
                Err(e) => entry.note = Some(workdir::describe(&e)),
            },
            Kind::File => entry = self.file(dir, name, entry, old)?,
            Kind::Other => entry.note = Some(special(&st).into()),
        }
        Ok(Some(entry))
    }

    /// A path an ignore file matches: its status only; a folder gets the number of files in
    /// it, counted again only when its own status changed.
    fn ignored(&self, dir: &Dir, name: &[u8], mut entry: Entry, old: Option<&Entry>) -> Entry {
        entry.ignored = true;
        entry.note = Some(IGNORED.into());
        if entry.kind == Kind::Dir {
            let same = old.filter(|o| {
                o.ignored
                    && o.kind == Kind::Dir
                    && (o.mtime_ns, o.ctime_ns, o.ino, o.dev)
                        == (entry.mtime_ns, entry.ctime_ns, entry.ino, entry.dev)
            });
            entry.size = match same {
                Some(o) => o.size,
                None => dir.dir(name).map_or(0, |d| count_files(d, self.stop)),
            };
        }
        entry
    }

    /// A regular file: its earlier record when its status says it is unchanged, else read
    /// through its handle (never past the cap) and stored.
    fn file(
        &self,
        dir: &Dir,
        name: &[u8],
        seen: Entry,
        old: Option<&Entry>,
    ) -> Result<Entry, SnapshotError> {
        let trusted = old.filter(|old| {
            !old.ignored
                && old.same_stat(&seen)
                && old.mtime_ns < self.trusted_before
                && old.ctime_ns < self.trusted_before
        });
        if let Some(old) = trusted {
            return Ok(old.clone());
        }
        let cap = self.store.max_stored;
        if seen.size > cap {
            return Ok(over_cap(seen, cap));
        }
        let (mut file, st) = match dir.open_read(name) {
            Ok(opened) => opened,
            Err(e) => {
                let mut entry = seen;
                entry.note = Some(workdir::describe(&e));
                return Ok(entry);
            }
        };
        // What was opened is what is recorded: its own status, not the name's a moment ago.
        let mut entry = from_stat(&st);
        match self.store.take_in(&mut file, self.stop)? {
            Taken::Stored(hash) => {
                entry.hash = Some(hash);
                entry.stored = true;
            }
            Taken::OverCap => return Ok(over_cap(entry, cap)),
            Taken::Changed => entry.note = Some("it changed while it was read".into()),
            Taken::Failed(e) => entry.note = Some(workdir::describe(&e)),
        }
        Ok(entry)
    }
}

/// Files in a folder and below (links not followed), from the directory listings alone; at
/// most [`MAX_COUNTED`]. A folder is opened only when its turn comes (a wide tree must not
/// hold a handle per folder).
fn count_files(top: Dir, stop: &(dyn Fn() -> bool + Sync)) -> u64 {
    let mut count = 0u64;
    let mut pending: Vec<(std::rc::Rc<Dir>, Option<Vec<u8>>)> = vec![(std::rc::Rc::new(top), None)];
    while let Some((parent, name)) = pending.pop() {
        if count >= MAX_COUNTED || stop() {
            break;
        }
        let here = match name {
            None => parent,
            Some(n) => match parent.dir(&n) {
                Ok(d) => std::rc::Rc::new(d),
                Err(_) => continue,
            },
        };
        let Ok(names) = here.typed_names() else {
            continue;
        };
        for (name, is_dir) in names {
            let folder = is_dir.unwrap_or_else(|| {
                here.stat(&name)
                    .is_ok_and(|s| workdir::kind_of(&s) == FileType::Directory)
            });
            if folder {
                pending.push((here.clone(), Some(name)));
            } else {
                count += 1;
            }
        }
    }
    count.min(MAX_COUNTED)
}

fn over_cap(mut entry: Entry, cap: u64) -> Entry {
    const MIB: u64 = 1024 * 1024;
    let cap = match cap {
        c if c >= MIB && c % MIB == 0 => format!("{} MiB", c / MIB),
        c => format!("{c} bytes"),
    };
    entry.note = Some(format!(
        "{} ({cap}): recorded by size and time only",
        super::OVER_CAP
    ));
    entry
}

// `stat` fields are `c_long`/`c_ulong` of whatever width the architecture has: the casts are
// no-ops here, not on every target.
#[allow(clippy::unnecessary_cast)]
fn from_stat(st: &Stat) -> Entry {
    let kind = match workdir::kind_of(st) {
        FileType::RegularFile => Kind::File,
        FileType::Symlink => Kind::Link,
        FileType::Directory => Kind::Dir,
        _ => Kind::Other,
    };
    let mut e = Entry::blank(kind);
    e.mode = if kind == Kind::Link {
        0
    } else {
        st.st_mode & 0o7777
    };
    e.size = u64::try_from(st.st_size).unwrap_or(0);
    e.mtime_ns = ns(st.st_mtime as i64, st.st_mtime_nsec as i64);
    e.ctime_ns = ns(st.st_ctime as i64, st.st_ctime_nsec as i64);
    e.ino = st.st_ino as u64;
    e.dev = st.st_dev as u64;
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e
}

fn special(st: &Stat) -> &'static str {
    match workdir::kind_of(st) {
        FileType::Fifo => "a FIFO: never opened",
        FileType::Socket => "a socket: never opened",
        _ => "a device: never opened",
    }
}

fn ns(secs: i64, nsec: i64) -> i64 {
    secs.saturating_mul(1_000_000_000).saturating_add(nsec)
}

pub(super) fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

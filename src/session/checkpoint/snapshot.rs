//! Recording the working dir: one walk over folder handles, nothing followed, every failure
//! kept with the path it belongs to.

use std::io;
use std::path::Path;
use std::rc::Rc;

use anyhow::{Context, Result};
use rustix::fs::FileType;
use sha2::{Digest, Sha256};

use super::content::Taken;
use super::{Entry, Kind, MAX_ENTRIES, Manifest, RelPath, Store, hex};
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

impl Store {
    /// Records `dir` (a missing one as empty). Files unchanged since `previous` (see
    /// [`Entry::same_stat`]) keep their hash without being read.
    pub fn snapshot(&self, dir: &Path, previous: Option<&Manifest>) -> Result<Manifest> {
        self.snapshot_until(dir, previous, &|| false)
            .map_err(|e| anyhow::anyhow!(e))
    }

    /// [`Store::snapshot`] that gives up with [`SnapshotError::Stopped`] soon after `stop`
    /// says so (it is asked before each entry and each 64 KiB read).
    pub fn snapshot_until(
        &self,
        dir: &Path,
        previous: Option<&Manifest>,
        stop: &dyn Fn() -> bool,
    ) -> Result<Manifest, SnapshotError> {
        let taken_ns = now_ns();
        let root = match WorkDir::open(dir) {
            Ok(r) => r,
            // A working dir the turn is about to create holds nothing yet: everything in it
            // afterwards is the turn's.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Manifest {
                    taken_ns,
                    ..Manifest::default()
                });
            }
            Err(e) => {
                return Err(anyhow::Error::from(e)
                    .context(format!("opening {}", dir.display()))
                    .into());
            }
        };
        super::private_dir(&self.root.join("objects"))?;
        let mut walk = Walk {
            store: self,
            previous,
            // Trusted only if last changed before the previous checkpoint began, less the
            // window a coarse file-system clock needs.
            trusted_before: previous.map_or(i64::MIN, |p| p.taken_ns.saturating_sub(self.racy_ns)),
            stop,
            out: Manifest {
                taken_ns,
                ..Manifest::default()
            },
        };
        let top = root
            .dir(&[])
            .with_context(|| format!("opening {}", dir.display()))?;
        let mut pending: Vec<(Rc<Dir>, Option<Vec<u8>>, RelPath)> =
            vec![(Rc::new(top), None, RelPath::default())];
        while let Some((parent, name, rel)) = pending.pop() {
            let here = match name {
                None => parent,
                Some(name) => match parent.dir(&name) {
                    Ok(d) => Rc::new(d),
                    Err(e) => {
                        walk.unreadable(&rel, &e);
                        continue;
                    }
                },
            };
            let names = match here.names() {
                Ok(n) => n,
                Err(e) if rel.is_empty() => {
                    return Err(anyhow::Error::from(e)
                        .context(format!("reading {}", dir.display()))
                        .into());
                }
                Err(e) => {
                    walk.unreadable(&rel, &e);
                    continue;
                }
            };
            for name in names {
                if stop() {
                    return Err(SnapshotError::Stopped);
                }
                if walk.out.files.len() == MAX_ENTRIES {
                    walk.out.truncated = true;
                    return Ok(walk.out);
                }
                let path = rel.join(&name);
                if walk.entry(&here, &name, &path)? == Some(Kind::Dir) {
                    pending.push((here.clone(), Some(name), path));
                }
            }
        }
        Ok(walk.out)
    }
}

struct Walk<'a> {
    store: &'a Store,
    previous: Option<&'a Manifest>,
    trusted_before: i64,
    stop: &'a dyn Fn() -> bool,
    out: Manifest,
}

impl Walk<'_> {
    /// Records `name` in `dir` as `path`; returns its kind (a `.git` folder is not recorded).
    fn entry(
        &mut self,
        dir: &Dir,
        name: &[u8],
        path: &RelPath,
    ) -> Result<Option<Kind>, SnapshotError> {
        let st = match dir.stat(name) {
            Ok(st) => st,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None), // gone meanwhile
            Err(e) => {
                let mut entry = blank(Kind::Other);
                entry.note = Some(workdir::describe(&e));
                self.out.files.insert(path.clone(), entry);
                return Ok(None);
            }
        };
        let mut entry = from_stat(&st);
        match entry.kind {
            Kind::Dir if name == b".git" => return Ok(None),
            Kind::Dir => {}
            Kind::Link => match dir.read_link(name) {
                Ok(target) => {
                    entry.hash = hex(&Sha256::digest(&target));
                    entry.link = Some(RelPath::new(target));
                }
                Err(e) => entry.note = Some(workdir::describe(&e)),
            },
            Kind::File => entry = self.file(dir, name, path, entry)?,
            Kind::Other => entry.note = Some(special(&st).into()),
        }
        let kind = entry.kind;
        self.out.files.insert(path.clone(), entry);
        Ok(Some(kind))
    }

    /// A regular file: its earlier record when its status says it is unchanged, else read
    /// through its handle (never past the cap) and stored.
    fn file(
        &self,
        dir: &Dir,
        name: &[u8],
        path: &RelPath,
        seen: Entry,
    ) -> Result<Entry, SnapshotError> {
        let trusted = self.previous.and_then(|p| p.files.get(path)).filter(|old| {
            old.same_stat(&seen)
                && old.mtime_ns < self.trusted_before
                && old.ctime_ns < self.trusted_before
                && (!old.stored || self.store.has(&old.hash))
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
                entry.hash = hash;
                entry.stored = true;
            }
            Taken::OverCap => return Ok(over_cap(entry, cap)),
            Taken::Changed => entry.note = Some("it changed while it was read".into()),
            Taken::Failed(e) => entry.note = Some(workdir::describe(&e)),
        }
        Ok(entry)
    }

    /// A folder that could not be opened or listed: recorded, its contents unknown.
    fn unreadable(&mut self, path: &RelPath, e: &io::Error) {
        if let Some(entry) = self.out.files.get_mut(path) {
            entry.note = Some(format!("its contents: {}", workdir::describe(e)));
        }
    }
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

fn blank(kind: Kind) -> Entry {
    Entry {
        kind,
        mode: 0,
        size: 0,
        mtime_ns: 0,
        ctime_ns: 0,
        ino: 0,
        dev: 0,
        uid: 0,
        gid: 0,
        hash: String::new(),
        stored: false,
        link: None,
        note: None,
    }
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
    let mut e = blank(kind);
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

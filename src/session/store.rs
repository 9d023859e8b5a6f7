//! Crash-safe persistence of threads: a record per thread and an append-only event log.
//!
//! Layout under the data dir: `sessions/<thread_id>/meta.json` (written to a temp file, then
//! renamed, so a crash leaves the old or the new record, never half of one) and
//! `sessions/<thread_id>/log.jsonl` (appended; the reader skips a torn or foreign line instead
//! of failing). Nothing secret is stored: prompts, Codex events and usage only.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::{LogEntry, SessionRecord};

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The store in the platform data dir (`$XDG_DATA_HOME/codexmcp` on Linux).
    pub fn open_default() -> Result<Self> {
        let dirs = crate::config::project_dirs()?;
        Ok(Self::at(dirs.data_local_dir().join("sessions")))
    }

    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a document beside thread `id` goes (e.g. `transcript.md` from `/export`).
    pub fn beside(&self, id: &str, name: &str) -> Result<PathBuf> {
        Ok(self.dir(id)?.join(name))
    }

    pub(super) fn dir(&self, id: &str) -> Result<PathBuf> {
        anyhow::ensure!(
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "invalid thread id {id:?}"
        );
        Ok(self.root.join(id))
    }

    /// Writes (creates or replaces) a thread's record atomically.
    pub fn save(&self, record: &SessionRecord) -> Result<()> {
        self.save_json(&record.id, "meta.json", record)
    }

    /// The record of `id`, or a message naming the unknown id and where to look.
    pub fn record(&self, id: &str) -> std::result::Result<SessionRecord, String> {
        self.load(id).map_err(|e| format!("{e:#}"))?.ok_or_else(|| {
            format!(
                "unknown thread id {}: see `codexmcp sessions`",
                crate::text::one_line(id, 80)
            )
        })
    }

    pub fn load(&self, id: &str) -> Result<Option<SessionRecord>> {
        self.load_json(id, "meta.json")
    }

    /// The thread's folder, created private (0700): logs hold whole command output.
    fn private_dir(&self, id: &str) -> Result<PathBuf> {
        use std::os::unix::fs::DirBuilderExt;
        let dir = self.dir(id)?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("creating {}", dir.display()))?;
        Ok(dir)
    }

    /// Saves a JSON document in a thread's folder: temp file, then rename. No fsync: the
    /// rename keeps the file whole across a crash of codexmcp, which is the failure that
    /// matters here; an fsync per turn cost more than all of codexmcp's own work
    /// (`scripts/bench.sh`).
    pub fn save_json<T: Serialize>(&self, id: &str, name: &str, value: &T) -> Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = self.private_dir(id)?;
        let tmp = dir.join(format!("{name}.tmp{}", std::process::id()));
        let mut bytes = serde_json::to_vec_pretty(value)?;
        bytes.push(b'\n');
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?
            .write_all(&bytes)?;
        fs::rename(&tmp, dir.join(name))?;
        Ok(())
    }

    pub fn load_json<T: serde::de::DeserializeOwned>(
        &self,
        id: &str,
        name: &str,
    ) -> Result<Option<T>> {
        let path = self.dir(id)?.join(name);
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(
                serde_json::from_slice(&bytes)
                    .with_context(|| format!("reading {}", path.display()))?,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Appends entries to a thread's log (one JSON object per line).
    pub fn append(&self, id: &str, entries: &[LogEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let dir = self.private_dir(id)?;
        let mut buf = Vec::new();
        for e in entries {
            serde_json::to_writer(&mut buf, e)?;
            buf.push(b'\n');
        }
        let mut f = Self::append_private(&dir.join("log.jsonl"))?;
        f.write_all(&buf)?;
        Ok(())
    }

    /// Takes the thread for this process: one writer per thread across processes (the TUI
    /// and an `mcp-server` on the same thread would interleave the log and lose usage). The
    /// lock is an `flock` on `sessions/<id>/lock`, released when the returned value drops or
    /// the process dies. `Err` says which process holds it.
    pub fn lock(&self, id: &str) -> Result<ThreadLock, String> {
        use nix::fcntl::{Flock, FlockArg};
        use std::io::{Read, Seek};
        let path = self
            .private_dir(id)
            .map_err(|e| format!("{e:#}"))?
            .join("lock");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(mut lock) => {
                let _ = lock.set_len(0);
                let _ = lock.write_all(std::process::id().to_string().as_bytes());
                Ok(ThreadLock { _held: lock })
            }
            Err((mut file, _)) => {
                let mut holder = String::new();
                let _ = file.rewind().and_then(|_| file.read_to_string(&mut holder));
                Err(format!(
                    "thread {id} is in use by another codexmcp (pid {}): wait for its turn to end, or start a new thread",
                    holder.trim()
                ))
            }
        }
    }

    /// The thread's log, opened for appending (the recorder keeps it open for a turn).
    pub fn open_log(&self, id: &str) -> Result<File> {
        let path = self.private_dir(id)?.join("log.jsonl");
        Self::append_private(&path).with_context(|| format!("opening {}", path.display()))
    }

    fn append_private(path: &Path) -> std::io::Result<File> {
        use std::os::unix::fs::OpenOptionsExt;
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
    }

    /// Reads a thread's log, skipping lines that do not parse (a torn tail after a crash).
    /// Bounded: only the newest [`MAX_LOG_ENTRIES`] entries are kept.
    pub fn read_log(&self, id: &str) -> Result<LogRead> {
        let mut out = LogRead::default();
        let mut kept = std::collections::VecDeque::new();
        out.skipped = self.each_entry(id, |e| {
            if kept.len() == MAX_LOG_ENTRIES {
                kept.pop_front();
                out.dropped += 1;
            }
            kept.push_back(e);
        })?;
        out.entries = kept.into();
        Ok(out)
    }

    /// Streams every entry of a thread's log to `f`, oldest first, in constant memory (a log
    /// can be huge or damaged); returns how many lines were skipped as unreadable.
    pub fn each_entry(&self, id: &str, mut f: impl FnMut(LogEntry)) -> Result<usize> {
        let path = self.dir(id)?.join("log.jsonl");
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        let (mut reader, mut line, mut skipped) = (BufReader::new(file), Vec::new(), 0);
        while let Some(truncated) =
            read_line(&mut reader, &mut line, crate::engine::jsonl::MAX_LINE)?
        {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<LogEntry>(&line) {
                Ok(e) if !truncated => f(e),
                _ => skipped += 1,
            }
        }
        Ok(skipped)
    }

    /// Every stored record, newest first. Unreadable records are reported, not fatal.
    pub fn list(&self) -> Result<Listing> {
        let mut listing = Listing::default();
        let dir = match fs::read_dir(&self.root) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(listing),
            Err(e) => return Err(e.into()),
        };
        for entry in dir.filter_map(std::result::Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            match self.load(&name) {
                Ok(Some(r)) => listing.sessions.push(r),
                Ok(None) => {}
                Err(e) => listing.broken.push(format!("{name}: {e:#}")),
            }
        }
        listing
            .sessions
            .sort_by_key(|r| std::cmp::Reverse(r.updated_ms));
        Ok(listing)
    }
}

/// A thread held by this process (see [`Store::lock`]); dropping it lets go.
pub struct ThreadLock {
    _held: nix::fcntl::Flock<File>,
}

#[derive(Debug, Default)]
pub struct LogRead {
    /// The last [`MAX_LOG_ENTRIES`] entries.
    pub entries: Vec<LogEntry>,
    /// Lines that could not be read (torn, foreign, or longer than a Codex line may be).
    pub skipped: usize,
    /// Older entries left out.
    pub dropped: usize,
}

/// Entries of a thread's log read back at most (the newest): more than the TUI can show.
pub const MAX_LOG_ENTRIES: usize = 20_000;

/// Reads one `\n`-terminated line of at most `max` bytes into `buf`; returns `None` at the
/// end, else whether the line was longer (its rest is read and dropped).
pub fn read_line(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut truncated = false;
    let mut any = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any.then_some(truncated));
        }
        any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        let room = max.saturating_sub(buf.len());
        truncated |= part.len() > room;
        buf.extend_from_slice(&part[..part.len().min(room)]);
        let used = done.unwrap_or(chunk.len());
        r.consume(used);
        if done.is_some() {
            return Ok(Some(truncated));
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Listing {
    pub sessions: Vec<SessionRecord>,
    pub broken: Vec<String>,
}

//! One file's content into the store: read through its open handle, never past the size cap,
//! in bounded memory, and stoppable between chunks.
//!
//! Most files are small: read once into memory (up to [`INLINE`]), hashed, stored. A bigger one
//! is streamed through the hash without being kept; only when its content is new is it read
//! again, copied into the store while hashed once more, and kept only if both readings agree
//! (a file still being written is recorded as such, never stored half-old, half-new). Memory is
//! the chunk and at most [`INLINE`] bytes whatever the cap, so even a cap raised to terabytes
//! cannot make a sparse file size an allocation.

use std::fs::File;
use std::io::{self, Read, Seek, Write};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::{Hash, SnapshotError, Store};

/// Files up to this size are read once, into memory.
const INLINE: usize = 1 << 20;
const CHUNK: usize = 64 * 1024;

/// What reading a file's content gave.
pub(super) enum Taken {
    /// Stored under this hash.
    Stored(Hash),
    /// Bigger than the cap (it may have grown since its size was seen): not stored.
    OverCap,
    /// It changed between two readings: not stored.
    Changed,
    /// Reading it failed.
    Failed(io::Error),
}

impl Store {
    /// Reads `file` (positioned at its start) into the store.
    pub(super) fn take_in(
        &self,
        file: &mut File,
        stop: &dyn Fn() -> bool,
    ) -> Result<Taken, SnapshotError> {
        let cap = self.max_stored;
        let mut chunk = vec![0u8; CHUNK];
        let mut head: Option<Vec<u8>> = Some(Vec::new());
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        loop {
            let n = match next(file, &mut chunk, stop)? {
                Ok(n) => n,
                Err(e) => return Ok(Taken::Failed(e)),
            };
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > cap {
                return Ok(Taken::OverCap);
            }
            hasher.update(&chunk[..n]);
            if let Some(h) = &mut head {
                if h.len() + n <= INLINE {
                    h.extend_from_slice(&chunk[..n]);
                } else {
                    head = None; // too big to keep: streamed, read again if new
                }
            }
        }
        let hash = Hash::from_digest(hasher.finalize());
        if let Some(bytes) = head {
            self.put(&hash, &bytes)
                .context("storing a checkpoint content")?;
            return Ok(Taken::Stored(hash));
        }
        if self.has(&hash) {
            return Ok(Taken::Stored(hash));
        }
        self.copy_in(file, &hash, &mut chunk, stop)
    }

    /// The second reading of a big file: copied into a temporary object while hashed, kept
    /// under `hash` only if it hashes the same.
    fn copy_in(
        &self,
        file: &mut File,
        hash: &Hash,
        chunk: &mut [u8],
        stop: &dyn Fn() -> bool,
    ) -> Result<Taken, SnapshotError> {
        if let Err(e) = file.seek(io::SeekFrom::Start(0)) {
            return Ok(Taken::Failed(e));
        }
        let object = self.object(hash);
        self.prefix_dir(hash)?;
        let tmp = super::temp_beside(&object);
        let mut out = File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        loop {
            let n = match next(file, chunk, stop).map_err(|e| discard(&tmp, e))? {
                Ok(n) => n,
                Err(e) => return Ok(discard(&tmp, Taken::Failed(e))),
            };
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > self.max_stored {
                return Ok(discard(&tmp, Taken::OverCap));
            }
            hasher.update(&chunk[..n]);
            if let Err(e) = out.write_all(&chunk[..n]) {
                let _ = std::fs::remove_file(&tmp);
                return Err(anyhow::Error::from(e)
                    .context(format!("writing {}", tmp.display()))
                    .into());
            }
        }
        if Hash::from_digest(hasher.finalize()) != *hash {
            return Ok(discard(&tmp, Taken::Changed));
        }
        std::fs::rename(&tmp, &object)
            .with_context(|| format!("writing {}", object.display()))
            .map_err(|e| discard(&tmp, SnapshotError::from(e)))?;
        Ok(Taken::Stored(*hash))
    }
}

/// The next chunk: `Err` when asked to stop, `Ok(Err)` when the read failed.
fn next(
    file: &mut File,
    chunk: &mut [u8],
    stop: &dyn Fn() -> bool,
) -> Result<io::Result<usize>, SnapshotError> {
    loop {
        if stop() {
            return Err(SnapshotError::Stopped);
        }
        match file.read(chunk) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return Ok(other),
        }
    }
}

/// Removes the temporary object `tmp`, passing `v` through.
fn discard<T>(tmp: &std::path::Path, v: T) -> T {
    let _ = std::fs::remove_file(tmp);
    v
}

//! A folder's tree object: its entries, sorted by name, in a compact binary form, stored by
//! the hash of those bytes beside the file contents. A folder's own entry in its parent holds
//! that hash, so a checkpoint is one hash (the root's), equal subtrees are one object, and two
//! checkpoints are compared by descending only where the hashes differ — git's trees, with the
//! status fields git keeps in its index.
//!
//! The objects are codexmcp's own, but they are files on disk: a damaged one is an error that
//! names it, never a panic or an unbounded allocation.

use std::sync::Arc;

use anyhow::{Context, Result};

use super::{Entry, Hash, Kind, RelPath, Store};

const MAGIC: &[u8; 4] = b"cmt3";
const STORED: u8 = 1;
const HASH: u8 = 2;
const LINK: u8 = 4;
const NOTE: u8 = 8;
const IGNORED: u8 = 16;

/// The entries of one folder, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    pub entries: Vec<(Vec<u8>, Entry)>,
}

impl Tree {
    /// The entry named `name`.
    pub fn get(&self, name: &[u8]) -> Option<&Entry> {
        self.entries
            .binary_search_by(|(n, _)| n.as_slice().cmp(name))
            .ok()
            .map(|i| &self.entries[i].1)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.entries.len() * 96);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for (name, e) in &self.entries {
            let name = &name[..name.len().min(u16::MAX as usize)];
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(name);
            out.push(match e.kind {
                Kind::File => 0,
                Kind::Link => 1,
                Kind::Dir => 2,
                Kind::Other => 3,
            });
            let flag = |on: bool, bit: u8| if on { bit } else { 0 };
            let flags = flag(e.stored, STORED)
                | flag(e.hash.is_some(), HASH)
                | flag(e.link.is_some(), LINK)
                | flag(e.note.is_some(), NOTE)
                | flag(e.ignored, IGNORED);
            out.push(flags);
            out.extend_from_slice(&e.mode.to_le_bytes());
            out.extend_from_slice(&e.size.to_le_bytes());
            out.extend_from_slice(&e.mtime_ns.to_le_bytes());
            out.extend_from_slice(&e.ctime_ns.to_le_bytes());
            out.extend_from_slice(&e.ino.to_le_bytes());
            out.extend_from_slice(&e.dev.to_le_bytes());
            out.extend_from_slice(&e.uid.to_le_bytes());
            out.extend_from_slice(&e.gid.to_le_bytes());
            if let Some(h) = &e.hash {
                out.extend_from_slice(&h.0);
            }
            if let Some(link) = &e.link {
                out.extend_from_slice(&(link.as_bytes().len() as u32).to_le_bytes());
                out.extend_from_slice(link.as_bytes());
            }
            if let Some(note) = &e.note {
                let note = crate::text::one_line(note, 1000);
                out.extend_from_slice(&(note.len() as u16).to_le_bytes());
                out.extend_from_slice(note.as_bytes());
            }
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err("not a tree object".into());
        }
        let count = r.u32()? as usize;
        // Every entry takes at least 60 bytes: a count beyond that is damage, not a size.
        if count > bytes.len() / 60 {
            return Err("a tree object's entry count does not fit its size".into());
        }
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let len = r.u16()? as usize;
            let name = r.take(len)?.to_vec();
            let kind = match r.u8()? {
                0 => Kind::File,
                1 => Kind::Link,
                2 => Kind::Dir,
                3 => Kind::Other,
                k => return Err(format!("unknown entry kind {k}")),
            };
            let flags = r.u8()?;
            let mut e = Entry::blank(kind);
            e.stored = flags & STORED != 0;
            e.ignored = flags & IGNORED != 0;
            e.mode = r.u32()?;
            e.size = r.u64()?;
            e.mtime_ns = r.u64()? as i64;
            e.ctime_ns = r.u64()? as i64;
            e.ino = r.u64()?;
            e.dev = r.u64()?;
            e.uid = r.u32()?;
            e.gid = r.u32()?;
            if flags & HASH != 0 {
                let mut h = [0u8; 32];
                h.copy_from_slice(r.take(32)?);
                e.hash = Some(Hash(h));
            }
            if flags & LINK != 0 {
                let len = r.u32()? as usize;
                e.link = Some(RelPath::new(r.take(len)?.to_vec()));
            }
            if flags & NOTE != 0 {
                let len = r.u16()? as usize;
                e.note = Some(String::from_utf8_lossy(r.take(len)?).into_owned());
            }
            entries.push((name, e));
        }
        if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
            return Err("a tree object's names are not in order".into());
        }
        Ok(Self { entries })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("a tree object ends early")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
}

impl Store {
    /// Stores `tree` (once per distinct content); its hash.
    pub fn put_tree(&self, tree: &Tree) -> Result<Hash> {
        let bytes = tree.encode();
        let hash = Hash::of(&bytes);
        self.put(&hash, &bytes)?;
        Ok(hash)
    }

    /// The tree object `hash`.
    pub fn tree(&self, hash: &Hash) -> Result<Arc<Tree>> {
        let bytes = self.read(hash)?;
        let tree = Tree::decode(&bytes)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("checkpoint tree {hash}"))?;
        Ok(Arc::new(tree))
    }
}

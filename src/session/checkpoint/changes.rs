//! Two checkpoints side by side, folder by folder: only where their tree objects differ is
//! anything read, so comparing two states of a 100,000-file tree that differ in ten files
//! reads a handful of folders. Also: every path of one checkpoint, one path's entry, and every
//! object a checkpoint needs (for pruning).

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;

use super::{Entry, Hash, Kind, Manifest, RelPath, Store, Tree};

/// A path whose entry differs between two checkpoints (`None`: absent on that side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub path: RelPath,
    pub before: Option<Entry>,
    pub after: Option<Entry>,
}

/// The subtree below an entry, if it is a folder that was walked.
fn subtree(e: Option<&Entry>) -> Option<Hash> {
    e.filter(|e| e.kind == Kind::Dir && !e.ignored)
        .and_then(|e| e.hash)
}

impl Store {
    /// Every path whose entry differs between `a` and `b` — in kind, content or mode, or
    /// present on one side only — folders included, in path order.
    pub fn changed(&self, a: &Manifest, b: &Manifest) -> Result<Vec<Changed>> {
        let mut out = Vec::new();
        self.compare(Some(a.root), Some(b.root), &RelPath::default(), &mut out)?;
        out.sort_by(|x, y| x.path.cmp(&y.path));
        Ok(out)
    }

    fn compare(
        &self,
        a: Option<Hash>,
        b: Option<Hash>,
        rel: &RelPath,
        out: &mut Vec<Changed>,
    ) -> Result<()> {
        if a == b {
            return Ok(());
        }
        let load = |h: Option<Hash>| -> Result<std::sync::Arc<Tree>> {
            h.map_or_else(|| Ok(std::sync::Arc::default()), |h| self.tree(&h))
        };
        let (ta, tb) = (load(a)?, load(b)?);
        let (mut i, mut j) = (0, 0);
        while i < ta.entries.len() || j < tb.entries.len() {
            let (name, ea, eb) = match (ta.entries.get(i), tb.entries.get(j)) {
                (Some((na, ea)), Some((nb, eb))) if na == nb => {
                    i += 1;
                    j += 1;
                    (na, Some(ea), Some(eb))
                }
                (Some((na, ea)), Some((nb, _))) if na < nb => {
                    i += 1;
                    (na, Some(ea), None)
                }
                (Some((na, ea)), None) => {
                    i += 1;
                    (na, Some(ea), None)
                }
                (_, Some((nb, eb))) => {
                    j += 1;
                    (nb, None, Some(eb))
                }
                (None, None) => break,
            };
            let path = rel.join(name);
            let same = matches!((ea, eb), (Some(x), Some(y)) if x.same_state(y));
            if !same {
                out.push(Changed {
                    path: path.clone(),
                    before: ea.cloned(),
                    after: eb.cloned(),
                });
            }
            let (sa, sb) = (subtree(ea), subtree(eb));
            if sa.is_some() || sb.is_some() {
                self.compare(sa, sb, &path, out)?;
            }
        }
        Ok(())
    }

    /// Every path `m` records (for small trees and tests: this one does hold them all).
    pub fn entries(&self, m: &Manifest) -> Result<BTreeMap<RelPath, Entry>> {
        let mut out = BTreeMap::new();
        let mut pending = vec![(m.root, RelPath::default())];
        while let Some((hash, rel)) = pending.pop() {
            for (name, e) in &self.tree(&hash)?.entries {
                let path = rel.join(name);
                if let Some(sub) = subtree(Some(e)) {
                    pending.push((sub, path.clone()));
                }
                out.insert(path, e.clone());
            }
        }
        Ok(out)
    }

    /// Every object `m` needs: its tree objects and the contents they name.
    pub fn reachable(&self, m: &Manifest, seen: &mut HashSet<Hash>) -> Result<()> {
        let mut pending = vec![m.root];
        while let Some(hash) = pending.pop() {
            if !seen.insert(hash) {
                continue; // a subtree shared with another checkpoint: walked once
            }
            for (_, e) in &self.tree(&hash)?.entries {
                match (subtree(Some(e)), e.hash) {
                    (Some(sub), _) => pending.push(sub),
                    (None, Some(h)) if e.stored => {
                        seen.insert(h);
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// Looks paths up in one checkpoint, keeping the folders it read.
pub struct Lookup<'a> {
    store: &'a Store,
    root: Hash,
    trees: HashMap<Hash, std::sync::Arc<Tree>>,
}

impl<'a> Lookup<'a> {
    pub fn new(store: &'a Store, m: &Manifest) -> Self {
        Self {
            store,
            root: m.root,
            trees: HashMap::new(),
        }
    }

    /// The entry at `path`, if the checkpoint has one.
    pub fn get(&mut self, path: &RelPath) -> Result<Option<Entry>> {
        let mut at = self.root;
        let parts: Vec<&[u8]> = path.as_bytes().split(|&b| b == b'/').collect();
        for (i, part) in parts.iter().enumerate() {
            if !self.trees.contains_key(&at) {
                let tree = self.store.tree(&at)?;
                self.trees.insert(at, tree);
            }
            let Some(e) = self.trees.get(&at).and_then(|t| t.get(part)) else {
                return Ok(None);
            };
            if i + 1 == parts.len() {
                return Ok(Some(e.clone()));
            }
            match subtree(Some(e)) {
                Some(sub) => at = sub,
                None => return Ok(None),
            }
        }
        Ok(None)
    }
}

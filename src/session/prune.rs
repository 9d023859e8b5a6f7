//! How much room checkpoints take, and giving it back.
//!
//! Every turn leaves two manifests, and every distinct file content one object, so the store
//! grows with use. `codexmcp sessions` says how big it is; `--prune` removes the checkpoints of
//! turns older than a number of days (their diff and undo go with them) and then every object
//! no remaining manifest refers to.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result};

use super::checkpoint::{Hash, Store};

/// Files and bytes under a folder.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub files: u64,
    pub bytes: u64,
}

/// The room the store takes.
pub fn usage(store: &Store) -> Usage {
    let mut u = Usage::default();
    walk(store.root(), &mut |p, meta| {
        let _ = p;
        u.files += 1;
        u.bytes += meta.len();
    });
    u
}

/// Removes the checkpoints of turns older than `max_age_ms` (by the time in their name), then
/// every unreferenced object. Returns what was freed.
pub fn prune(store: &Store, now_ms: u64, max_age_ms: u64) -> Result<Usage> {
    let before = usage(store);
    let manifests = store.root().join("manifests");
    let mut keep: HashSet<Hash> = HashSet::new();
    let mut old = Vec::new();
    let mut kept = Vec::new();
    walk(&manifests, &mut |p, _| {
        let at = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('-').next())
            .and_then(|ms| ms.parse::<u64>().ok());
        match at {
            Some(at) if now_ms.saturating_sub(at) > max_age_ms => old.push(p.to_path_buf()),
            _ => kept.push(p.to_path_buf()),
        }
    });
    // Everything a remaining checkpoint needs stays; one that cannot be read stops the prune
    // (its objects cannot be told apart from garbage).
    for p in kept {
        let name = p
            .strip_prefix(&manifests)
            .ok()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"));
        let Some(name) = name else { continue };
        let m = store
            .load(name)?
            .with_context(|| format!("checkpoint {name} vanished during the prune"))?;
        store.reachable(&m, &mut keep)?;
    }
    for p in old {
        std::fs::remove_file(&p)?;
    }
    let mut unreferenced = Vec::new();
    // A turn still running has its "before" manifest only in memory: objects written in the
    // last hour are left alone, so pruning never pulls the ground from under it.
    let recent = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    walk(&store.root().join("objects"), &mut |p, meta| {
        if meta.modified().is_ok_and(|m| m > recent) {
            return;
        }
        let hex: String = [p.parent().and_then(|d| d.file_name()), p.file_name()]
            .iter()
            .flatten()
            .filter_map(|s| s.to_str())
            .collect();
        if Hash::from_hex(&hex).is_none_or(|h| !keep.contains(&h)) {
            unreferenced.push(p.to_path_buf());
        }
    });
    for p in unreferenced {
        std::fs::remove_file(&p)?;
    }
    let after = usage(store);
    Ok(Usage {
        files: before.files.saturating_sub(after.files),
        bytes: before.bytes.saturating_sub(after.bytes),
    })
}

/// Every regular file below `dir` (links not followed).
fn walk(dir: &Path, f: &mut dyn FnMut(&Path, &std::fs::Metadata)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(std::result::Result::ok) {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, f);
        } else if meta.is_file() {
            f(&path, &meta);
        }
    }
}

//! What `.gitignore` and `.ignore` files say not to checkpoint (`node_modules/`, `target/`,
//! build output): such a path is recorded by its status only, a folder is not walked, so a
//! turn that installs a thousand packages does not cost a thousand reads — and is still seen,
//! by the folder's own status, and listed as "changed in ignored paths".
//!
//! The files are read through the folder's handle, like every other read of the working dir
//! (never by path, never through a link), and matched with the `ignore` crate's gitignore
//! matcher — the one ripgrep uses — for matching only: the walk is codexmcp's own, over
//! handles. A folder's ignore files apply to everything below it, the deepest decision wins,
//! and `.ignore` overrides `.gitignore` in the same folder, as in ripgrep.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::RelPath;
use crate::session::workdir::{self, Dir};

/// An ignore file is read up to this size.
const MAX_IGNORE_FILE: u64 = 1 << 20;

/// The ignore files that apply in one folder: its own and its parents', deepest last.
#[derive(Clone, Default)]
pub(super) struct Ignores {
    chain: Vec<(RelPath, Arc<Gitignore>)>,
}

impl Ignores {
    /// The chain for the folder `rel` (open as `dir`, holding `names`): this chain plus its
    /// own ignore files.
    pub fn enter(&self, dir: &Dir, rel: &RelPath, root: &Path, names: &[Vec<u8>]) -> Self {
        let mut builder = GitignoreBuilder::new(root.join(rel.to_path()));
        let mut any = false;
        let files = [&b".gitignore"[..], b".ignore"];
        for name in files.into_iter().filter(|f| names.iter().any(|n| n == f)) {
            let Ok((mut file, _)) = dir.open_read(name) else {
                continue;
            };
            let Ok(Some(bytes)) = workdir::read_capped(&mut file, MAX_IGNORE_FILE, &|| false)
            else {
                continue;
            };
            for line in String::from_utf8_lossy(&bytes).lines() {
                any |= builder.add_line(None, line).is_ok();
            }
        }
        let mut next = self.clone();
        if any && let Ok(matcher) = builder.build() {
            next.chain.push((rel.clone(), Arc::new(matcher)));
        }
        next
    }

    /// Whether `path` (a folder if `is_dir`) is ignored: the deepest ignore file that has a
    /// say decides.
    pub fn ignored(&self, path: &RelPath, is_dir: bool) -> bool {
        for (dir, matcher) in self.chain.iter().rev() {
            let rel = if dir.is_empty() {
                path.as_bytes()
            } else {
                &path.as_bytes()[dir.as_bytes().len() + 1..]
            };
            match matcher.matched(Path::new(OsStr::from_bytes(rel)), is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    }
}

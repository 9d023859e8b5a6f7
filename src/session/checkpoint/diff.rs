//! Comparing two checkpoints as a turn's diff: which files it created, changed, deleted,
//! renamed or re-moded, with line counts and a unified patch for text, and what changed where
//! ignore files say not to look.

use std::collections::BTreeMap;

use anyhow::Result;

use super::{Change, Entry, IgnoredChange, Kind, Manifest, RelPath, Status, Store, TurnDiff};

impl Store {
    /// What changed from `before` to `after` (files and links; folders only matter to undo).
    pub fn diff(&self, before: &Manifest, after: &Manifest) -> Result<TurnDiff> {
        let mut sides: BTreeMap<RelPath, (Option<Entry>, Option<Entry>)> = BTreeMap::new();
        let mut ignored = Vec::new();
        for c in self.changed(before, after)? {
            let is_ignored = |e: &Option<Entry>| e.as_ref().is_some_and(|e| e.ignored);
            if is_ignored(&c.before) || is_ignored(&c.after) {
                let now = c.after.as_ref().filter(|e| e.ignored);
                ignored.push(IgnoredChange {
                    folder: [&c.before, &c.after]
                        .iter()
                        .any(|e| e.as_ref().is_some_and(|e| e.kind == Kind::Dir)),
                    files: now.filter(|e| e.kind == Kind::Dir).map_or(0, |e| e.size),
                    path: c.path,
                });
                continue;
            }
            let content = |e: Option<Entry>| e.filter(|e| e.kind != Kind::Dir);
            let (b, a) = (content(c.before), content(c.after));
            if b.is_some() || a.is_some() {
                sides.insert(c.path, (b, a));
            }
        }
        let mut files = Vec::new();
        let mut created: Vec<&RelPath> = Vec::new();
        let mut deleted: Vec<&RelPath> = Vec::new();
        for (path, (b, a)) in &sides {
            match (b, a) {
                (None, Some(_)) => created.push(path),
                (Some(_), None) => deleted.push(path),
                (Some(old), Some(new)) if !old.same_content(new) => {
                    let counts = self.line_counts(Some(old), Some(new));
                    let note = new.note.clone().or_else(|| old.note.clone());
                    files.push(change(path, Status::Modified, counts, note));
                }
                (Some(old), Some(new)) if old.mode != new.mode => {
                    let status = Status::ModeChanged {
                        from: old.mode,
                        to: new.mode,
                    };
                    files.push(change(path, status, (0, 0), None));
                }
                _ => {}
            }
        }
        for path in created {
            let Some(new) = &sides[path].1 else { continue };
            // A deleted path with the same (known) content: a rename.
            let same = |p: &&RelPath| {
                sides[*p]
                    .0
                    .as_ref()
                    .is_some_and(|old| new.known() && old.kind == new.kind && old.hash == new.hash)
            };
            if let Some(i) = deleted.iter().position(same) {
                let from = deleted.remove(i).clone();
                files.push(change(path, Status::Renamed { from }, (0, 0), None));
                continue;
            }
            let counts = self.line_counts(None, Some(new));
            files.push(change(path, Status::Created, counts, new.note.clone()));
        }
        for path in deleted {
            let Some(old) = &sides[path].0 else { continue };
            let counts = self.line_counts(Some(old), None);
            files.push(change(path, Status::Deleted, counts, old.note.clone()));
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let patch = self.patch(&sides, &files);
        Ok(TurnDiff {
            files,
            patch,
            ignored,
        })
    }

    /// The text of one side, if it is stored and looks like text.
    fn text(&self, entry: Option<&Entry>) -> Option<String> {
        let Some(e) = entry else {
            return Some(String::new());
        };
        if e.kind != Kind::File || !e.stored {
            return None;
        }
        let bytes = self.read(e.hash.as_ref()?).ok()?;
        if bytes.contains(&0) {
            return None;
        }
        String::from_utf8(bytes).ok()
    }

    fn line_counts(&self, old: Option<&Entry>, new: Option<&Entry>) -> (usize, usize) {
        let (Some(a), Some(b)) = (self.text(old), self.text(new)) else {
            return (0, 0);
        };
        let diff = similar::TextDiff::from_lines(&a, &b);
        let mut counts = (0, 0);
        for op in diff.iter_all_changes() {
            match op.tag() {
                similar::ChangeTag::Insert => counts.0 += 1,
                similar::ChangeTag::Delete => counts.1 += 1,
                similar::ChangeTag::Equal => {}
            }
        }
        counts
    }

    /// The unified diff of `changes` (text only; binary, linked and unrecorded files get one
    /// line each). Names are shown escaped, never raw.
    fn patch(
        &self,
        sides: &BTreeMap<RelPath, (Option<Entry>, Option<Entry>)>,
        changes: &[Change],
    ) -> String {
        let mut out = String::new();
        for c in changes {
            let (old_path, old) = match &c.status {
                Status::Created => (None, None),
                Status::Renamed { from } => {
                    (Some(from), sides.get(from).and_then(|s| s.0.as_ref()))
                }
                _ => (Some(&c.path), sides.get(&c.path).and_then(|s| s.0.as_ref())),
            };
            let new = sides.get(&c.path).and_then(|s| s.1.as_ref());
            let a = old_path.map_or("/dev/null".to_string(), |p| format!("a/{p}"));
            let b = if new.is_some() {
                format!("b/{}", c.path)
            } else {
                "/dev/null".into()
            };
            if let Some(why) = &c.note {
                out.push_str(&format!("not checkpointed: {} ({why})\n", c.path));
                continue;
            }
            match (&c.status, self.text(old), self.text(new)) {
                (Status::Renamed { from }, _, _) => {
                    out.push_str(&format!("rename from {from}\nrename to {}\n", c.path));
                }
                (Status::ModeChanged { from, to }, _, _) => {
                    out.push_str(&format!("mode {from:o} -> {to:o}: {}\n", c.path));
                }
                (_, Some(x), Some(y)) => {
                    let diff = similar::TextDiff::from_lines(&x, &y);
                    out.push_str(&diff.unified_diff().header(&a, &b).to_string());
                }
                _ => out.push_str(&format!("Binary files {a} and {b} differ\n")),
            }
        }
        out
    }
}

fn change(
    path: &RelPath,
    status: Status,
    (added, removed): (usize, usize),
    note: Option<String>,
) -> Change {
    Change {
        path: path.clone(),
        status,
        added,
        removed,
        note,
    }
}

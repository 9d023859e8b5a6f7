//! Comparing two checkpoints: which files a turn created, changed, deleted, renamed or
//! re-moded, with line counts and a unified patch for text.

use super::{Change, Entry, Kind, Manifest, RelPath, Status, Store};

impl Store {
    /// What changed from `before` to `after` (files and links; folders only matter to undo),
    /// with line counts for text on both sides.
    pub fn diff(&self, before: &Manifest, after: &Manifest) -> Vec<Change> {
        let content =
            |m: &Manifest, p: &RelPath| m.files.get(p).filter(|e| e.kind != Kind::Dir).cloned();
        let mut changes = Vec::new();
        let mut created: Vec<&RelPath> = Vec::new();
        for (path, new) in after.files.iter().filter(|(_, e)| e.kind != Kind::Dir) {
            match content(before, path) {
                None => created.push(path),
                Some(old) if !old.same_content(new) => {
                    let (added, removed) = self.line_counts(Some(&old), Some(new));
                    changes.push(change(
                        path,
                        Status::Modified,
                        (added, removed),
                        note(&old, new),
                    ));
                }
                Some(old) if old.mode != new.mode => changes.push(change(
                    path,
                    Status::ModeChanged {
                        from: old.mode,
                        to: new.mode,
                    },
                    (0, 0),
                    None,
                )),
                Some(_) => {}
            }
        }
        let mut deleted: Vec<(&RelPath, &Entry)> = before
            .files
            .iter()
            .filter(|(p, e)| e.kind != Kind::Dir && content(after, p).is_none())
            .collect();
        for path in created {
            let new = &after.files[path];
            // A deleted path with the same (known) content: a rename.
            if let Some(i) = deleted
                .iter()
                .position(|(_, old)| new.known() && old.kind == new.kind && old.hash == new.hash)
            {
                let (from, _) = deleted.remove(i);
                changes.push(change(
                    path,
                    Status::Renamed { from: from.clone() },
                    (0, 0),
                    None,
                ));
                continue;
            }
            let counts = self.line_counts(None, Some(new));
            changes.push(change(path, Status::Created, counts, new.note.clone()));
        }
        for (path, old) in deleted {
            let counts = self.line_counts(Some(old), None);
            changes.push(change(path, Status::Deleted, counts, old.note.clone()));
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        changes
    }

    /// The text of one side, if it is stored and looks like text.
    fn text(&self, entry: Option<&Entry>) -> Option<String> {
        let Some(e) = entry else {
            return Some(String::new());
        };
        if e.kind != Kind::File || !e.stored {
            return None;
        }
        let bytes = self.read(&e.hash).ok()?;
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
    pub fn patch(&self, before: &Manifest, after: &Manifest, changes: &[Change]) -> String {
        let mut out = String::new();
        for c in changes {
            let (old_path, old) = match &c.status {
                Status::Created => (None, None),
                Status::Renamed { from } => (Some(from), before.files.get(from)),
                _ => (Some(&c.path), before.files.get(&c.path)),
            };
            let new = after.files.get(&c.path).filter(|e| e.kind != Kind::Dir);
            let old = old.filter(|e| e.kind != Kind::Dir);
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

/// Why one side's content is unknown, if it is.
fn note(old: &Entry, new: &Entry) -> Option<String> {
    new.note.clone().or_else(|| old.note.clone())
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

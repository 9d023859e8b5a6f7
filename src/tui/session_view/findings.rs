//! A review's findings on screen: a list to pick from (the findings popup), and each one shown
//! where it is — the part of the file's diff around its line, when the file is in the diff the
//! review was about (or the last turn's), else the file itself at that line.
//!
//! A finding's path is the model's text: it may be absolute, relative to the working dir, or
//! relative to the git repository around it. It is matched against the diff's paths, and a
//! file is opened only through the file preview, which reads beneath the working dir through
//! the gateway and follows no link.

use std::path::{Path, PathBuf};

use super::super::effect::Effect;
use super::super::pickers::Picker;
use super::super::views::{DiffView, Popup};
use super::{SessionView, Up};
use crate::engine::review::Finding;
use crate::session::checkpoint::TurnDiff;

/// Lines shown above a finding's line when its diff opens there.
const ABOVE: usize = 3;

impl SessionView {
    /// Opens the findings list over the session.
    pub(super) fn list_findings(&mut self, findings: Vec<Finding>, diff: Option<TurnDiff>) {
        self.reviewed_diff = diff;
        self.ups
            .push(Up::Open(Popup::Findings(Picker::new(findings, ""))));
    }

    /// Enter on a finding: its file's diff at its line, or the file.
    pub fn show_finding(&mut self, f: &Finding) {
        let Some(file) = f.file.as_deref() else {
            return self.fail("this finding names no file");
        };
        let cwd = crate::config::absolute(&self.info.cwd);
        let rel = relative(&cwd, file);
        for (label, diff) in [
            ("the reviewed change", &self.reviewed_diff),
            (super::diffs::LAST, &self.last_diff),
        ] {
            let Some(diff) = diff else { continue };
            let mut view = DiffView::new(label, diff);
            if seek(&mut view, &rel, f.line) {
                self.ups.push(Up::Open(Popup::Diff(view)));
                return;
            }
        }
        self.effect(Effect::LoadPreview(cwd.join(rel)));
    }
}

/// `file` as a path below `cwd` when it names one there: an absolute path inside it, or a
/// relative one (Codex may name it from the repository's root: its longest match wins).
fn relative(cwd: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if let Ok(rel) = p.strip_prefix(cwd) {
        return rel.to_path_buf();
    }
    let tails: Vec<&Path> = cwd
        .ancestors()
        .filter_map(|a| cwd.strip_prefix(a).ok())
        .collect();
    tails
        .into_iter()
        .rev()
        .filter(|t| !t.as_os_str().is_empty())
        .find_map(|t| p.strip_prefix(t).ok())
        .unwrap_or(p)
        .to_path_buf()
}

/// Scrolls `view` to `file`'s part of the patch, at the new side's line `line` when the patch
/// shows it (else the hunk before it, else the file's start); false when the file is not in it.
pub fn seek(view: &mut DiffView, file: &Path, line: Option<u64>) -> bool {
    let Some(i) = view
        .file_paths
        .iter()
        .position(|p| Path::new(p) == file || Path::new(p).ends_with(file))
    else {
        return false;
    };
    let start = view.file_starts[i];
    let end = view
        .file_starts
        .get(i + 1)
        .copied()
        .unwrap_or(view.lines.len());
    let mut at = start;
    if let Some(want) = line {
        let mut next: Option<u64> = None;
        for (k, l) in view.lines[start..end].iter().enumerate() {
            if let Some(from) = hunk_start(l) {
                if from > want {
                    break;
                }
                (next, at) = (Some(from), start + k);
                continue;
            }
            let Some(n) = next else { continue };
            if l.starts_with('-') {
                continue;
            }
            if n == want {
                at = (start + k).saturating_sub(ABOVE).max(start);
                break;
            }
            next = Some(n + 1);
        }
    }
    view.scroll = u16::try_from(at).unwrap_or(u16::MAX);
    true
}

/// The first new-side line of a hunk header `@@ -a,b +c,d @@`.
fn hunk_start(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("@@ ")?;
    let plus = rest.split_whitespace().find(|w| w.starts_with('+'))?;
    plus[1..].split(',').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::checkpoint::{Change, RelPath, Status};

    fn view() -> DiffView {
        let patch = "--- a/src/a.rs\n+++ b/src/a.rs\n@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n+extra\n three\n\
                     @@ -20,2 +21,2 @@\n twenty\n-old\n+new\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-x\n+y\n";
        let change = |p: &str| Change {
            path: RelPath::new(p.as_bytes()),
            status: Status::Modified,
            added: 1,
            removed: 1,
            note: None,
        };
        DiffView::new(
            "t",
            &TurnDiff {
                files: vec![change("src/a.rs"), change("b.txt")],
                patch: patch.into(),
                ignored: Vec::new(),
            },
        )
    }

    fn line_at(v: &DiffView) -> &str {
        &v.lines[v.scroll as usize]
    }

    #[test]
    fn a_finding_opens_its_diff_at_its_line() {
        let mut v = view();
        // New-side line 22 is `+new` in the second hunk: shown with the lines above it.
        assert!(seek(&mut v, Path::new("src/a.rs"), Some(22)));
        let at = v.scroll as usize;
        assert_eq!(v.lines[at + ABOVE], "+new", "{:?}", &v.lines[at..]);
        // A line the patch does not show: the hunk before it.
        assert!(seek(&mut v, Path::new("src/a.rs"), Some(10)));
        assert!(line_at(&v).starts_with("@@ -1,3"), "{}", line_at(&v));
        // No line: the file's start; another file; a path named from the repository's root.
        assert!(seek(&mut v, Path::new("b.txt"), None));
        assert_eq!(v.scroll as usize, v.file_starts[1]);
        assert!(!seek(&mut v, Path::new("c.txt"), Some(1)));
        let cwd = Path::new("/repo/output");
        assert_eq!(relative(cwd, "output/src/a.rs"), Path::new("src/a.rs"));
        assert_eq!(relative(cwd, "/repo/output/b.txt"), Path::new("b.txt"));
        assert_eq!(relative(cwd, "src/a.rs"), Path::new("src/a.rs"));
    }
}

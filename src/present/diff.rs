//! Diffs as they read: a turn's diffstat, its patch as lines with where each file starts, and
//! the one-file pieces the event rows show when expanded.
//!
//! Three sources feed these: codexmcp's own checkpoint diff after a turn (every change,
//! whoever made it), Codex's unified diff of the turn so far (`turn.diff.updated`, live on the
//! app-server), and the per-file diffs in Codex's file-change items. All of it is text from
//! files and Codex, so every line is sanitised here, and what a row keeps is bounded.

use crate::engine::event::FileChange;
use crate::session::checkpoint::{Change, IgnoredChange, Status, TurnDiff};
use crate::text::{one_line, sanitize};

/// Diff lines an event row keeps; the diff view (`/diff`) has the rest.
pub const MAX_DIFF_LINES: usize = 400;

/// What a turn changed in the working dir, one line per file and a total; `None` when nothing.
pub fn diffstat(files: &[Change]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    let (mut added, mut removed) = (0, 0);
    let mut out = String::new();
    for f in files {
        added += f.added;
        removed += f.removed;
        let path = one_line(&f.path.display(), 200);
        let what = match (&f.status, &f.note) {
            (Status::Created, Some(why)) => {
                format!("new      {path} (not checkpointed: {})", one_line(why, 100))
            }
            (Status::Modified, Some(why)) => {
                format!("changed  {path} (not checkpointed: {})", one_line(why, 100))
            }
            (Status::Deleted, Some(why)) => {
                format!("deleted  {path} (not checkpointed: {})", one_line(why, 100))
            }
            (Status::Created, None) => format!("new      {path} (+{})", f.added),
            (Status::Modified, None) => format!("changed  {path} (+{} -{})", f.added, f.removed),
            (Status::Deleted, None) => format!("deleted  {path} (-{})", f.removed),
            (Status::Renamed { from }, _) => {
                format!("renamed  {} -> {path}", one_line(&from.display(), 200))
            }
            (Status::ModeChanged { from, to }, _) => {
                format!("mode     {path} ({from:o} -> {to:o})")
            }
        };
        out.push_str(&format!("  {what}\n"));
    }
    let n = files.len();
    let s = if n == 1 { "" } else { "s" };
    Some(format!("{n} file{s} changed, +{added} -{removed}:\n{out}"))
}

/// What changed where ignore files say not to look, in one line:
/// `changed in ignored paths (not checkpointed): node_modules/ (1,204 files), debug.log`.
pub fn ignored_summary(ignored: &[IgnoredChange]) -> Option<String> {
    if ignored.is_empty() {
        return None;
    }
    let items: Vec<String> = ignored
        .iter()
        .take(20)
        .map(|c| {
            let path = one_line(&c.path.display(), 200);
            match (c.folder, c.files) {
                (true, 0) => format!("{path}/"),
                (true, 1) => format!("{path}/ (1 file)"),
                (true, n) => format!("{path}/ ({} files)", thousands(n)),
                (false, _) => path,
            }
        })
        .collect();
    let more = match ignored.len() {
        n if n > 20 => format!(" and {} more", n - 20),
        _ => String::new(),
    };
    Some(format!(
        "changed in ignored paths (not checkpointed): {}{more}\n",
        items.join(", ")
    ))
}

/// How far a long checkpoint has got, in words: "checkpointing the working dir… 40,000 paths
/// so far", then "checkpointed the working dir: 100,000 paths".
pub fn checkpoint_progress(p: crate::session::CheckpointProgress) -> String {
    use crate::session::CheckpointProgress::{Done, Running};
    let paths = |n: u64| match n {
        1 => "1 path".to_string(),
        n => format!("{} paths", thousands(n)),
    };
    match p {
        Running(n) => format!("checkpointing the working dir… {} so far", paths(n)),
        Done(n) => format!("checkpointed the working dir: {}", paths(n)),
    }
}

/// 1204 → "1,204".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A turn's diff as lines to show: the diffstat, a blank line, the sanitised patch; and the
/// line where each file's part of the patch starts.
pub fn diff_lines(diff: &TurnDiff) -> (Vec<String>, Vec<usize>) {
    let stat = diffstat(&diff.files).unwrap_or_else(|| "no changes\n".into());
    let mut lines: Vec<String> = stat.lines().map(str::to_string).collect();
    lines.extend(ignored_summary(&diff.ignored).map(|l| l.trim_end().to_string()));
    lines.push(String::new());
    let mut starts = Vec::new();
    for (_, piece) in split(&diff.patch) {
        starts.push(lines.len());
        lines.extend(piece);
    }
    (lines, starts)
}

/// A file-change item's own diffs (what Codex sent with it), one header line per file.
pub fn of_changes(changes: &[FileChange]) -> Vec<String> {
    let mut out = Vec::new();
    for c in changes {
        let Some(diff) = &c.diff else { continue };
        out.push(format!(
            "── {} {}",
            one_line(&c.kind, 20),
            one_line(&c.path, 300)
        ));
        // Codex sends the content for a created or deleted file, a unified diff otherwise.
        let mark = match c.kind.as_str() {
            "add" => "+",
            "delete" => "-",
            _ => "",
        };
        out.extend(sanitize(diff).lines().map(|l| format!("{mark}{l}")));
    }
    bounded(out)
}

/// The parts of a patch that touch `paths` (as the patch names them), in patch order.
pub fn for_paths(patch: &str, paths: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, lines) in split(patch) {
        if paths.contains(&path) {
            out.extend(lines);
        }
    }
    bounded(out)
}

/// Codex's unified diff read back as a turn diff: which files, how, and their line counts.
pub fn from_unified(patch: &str) -> TurnDiff {
    let files = split(patch)
        .into_iter()
        .map(|(path, lines)| {
            let has = |p: &str| lines.iter().any(|l| l == p);
            let status = if has("--- /dev/null") || lines.iter().any(|l| l.starts_with("new file"))
            {
                Status::Created
            } else if has("+++ /dev/null") || lines.iter().any(|l| l.starts_with("deleted file")) {
                Status::Deleted
            } else {
                Status::Modified
            };
            let count = |sign: char, header: &str| {
                lines
                    .iter()
                    .filter(|l| l.starts_with(sign) && !l.starts_with(header))
                    .count()
            };
            Change {
                added: count('+', "+++ "),
                removed: count('-', "--- "),
                path: path.into(),
                status,
                note: None,
            }
        })
        .collect();
    TurnDiff {
        files,
        patch: patch.to_string(),
        ignored: Vec::new(),
    }
}

/// A patch cut into one piece per file: (the file's path, its lines, sanitised). Git-style
/// patches split at `diff --git`; plain ones at each `---`/`+++` pair and codexmcp's own
/// one-line entries (renames, mode changes, binary files).
pub fn split(patch: &str) -> Vec<(String, Vec<String>)> {
    let text = sanitize(patch);
    let lines: Vec<&str> = text.lines().collect();
    let git = lines.iter().any(|l| l.starts_with("diff --git "));
    let mut pieces: Vec<(String, Vec<String>)> = Vec::new();
    let mut hunk = Hunk::default();
    for (i, l) in lines.iter().enumerate() {
        // Inside a hunk every line is content, however it begins.
        let header = hunk.is_over();
        let next = lines.get(i + 1).copied().unwrap_or("");
        let starts = header
            && if git {
                l.starts_with("diff --git ")
            } else {
                (l.starts_with("--- ") && next.starts_with("+++ "))
                    || l.starts_with("rename from ")
                    || l.starts_with("mode ")
                    || l.starts_with("Binary files ")
                    || l.starts_with("not checkpointed: ")
            };
        if starts || pieces.is_empty() {
            pieces.push((String::new(), Vec::new()));
        }
        if header {
            hunk = Hunk::parse(l);
        } else {
            hunk.take(l);
        }
        if let Some((_, piece)) = pieces.last_mut() {
            piece.push(l.to_string());
        }
    }
    for (path, piece) in &mut pieces {
        *path = path_of(piece);
    }
    pieces
}

/// The patch with each file's headers naming it `rename(path)` instead (`diff --git`, `---`,
/// `+++`, `rename`/`copy`, `Binary files` lines before its first hunk); hunks stay as they are.
pub fn rename_files(patch: &str, rename: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(patch.len());
    for (path, lines) in split(patch) {
        let old = lines.iter().find_map(|l| {
            l.strip_prefix("rename from ")
                .or_else(|| l.strip_prefix("copy from "))
        });
        let names: Vec<(String, String)> = [Some(path.as_str()), old]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .map(|p| (p.to_string(), rename(p)))
            .filter(|(from, to)| from != to)
            .collect();
        let mut header = true;
        for mut line in lines {
            header &= !line.starts_with("@@");
            if header {
                for (from, to) in &names {
                    line = rename_in_header(&line, from, to);
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

fn rename_in_header(line: &str, from: &str, to: &str) -> String {
    for prefix in ["rename from ", "rename to ", "copy from ", "copy to "] {
        if line.strip_prefix(prefix) == Some(from) {
            return format!("{prefix}{to}");
        }
    }
    line.replace(&format!("a/{from}"), &format!("a/{to}"))
        .replace(&format!("b/{from}"), &format!("b/{to}"))
}

/// How many old and new lines the current hunk still has, from its `@@ -a,b +c,d @@`.
#[derive(Default)]
struct Hunk {
    old: u64,
    new: u64,
}

impl Hunk {
    fn parse(line: &str) -> Self {
        let Some(rest) = line.strip_prefix("@@ -") else {
            return Self::default();
        };
        let len = |range: &str| match range.split_once(',') {
            Some((_, n)) => n.parse().unwrap_or(0),
            None => 1,
        };
        let mut parts = rest.split(' ');
        let old = parts.next().map_or(0, len);
        let new = parts
            .next()
            .and_then(|p| p.strip_prefix('+'))
            .map_or(0, len);
        Self { old, new }
    }

    fn is_over(&self) -> bool {
        self.old == 0 && self.new == 0
    }

    fn take(&mut self, line: &str) {
        match line.as_bytes().first() {
            Some(b'-') => self.old = self.old.saturating_sub(1),
            Some(b'+') => self.new = self.new.saturating_sub(1),
            Some(b'\\') => {}
            _ => {
                self.old = self.old.saturating_sub(1);
                self.new = self.new.saturating_sub(1);
            }
        }
    }
}

/// The path a piece is about: the new side, else the old one (a deletion), else what its one
/// line names.
fn path_of(piece: &[String]) -> String {
    let side = |prefix: &str| {
        piece
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|p| p.split('\t').next().unwrap_or(p))
            .filter(|p| *p != "/dev/null")
            .map(|p| {
                p.strip_prefix("a/")
                    .or(p.strip_prefix("b/"))
                    .unwrap_or(p)
                    .to_string()
            })
    };
    side("+++ ")
        .or_else(|| side("--- "))
        .or_else(|| side("rename to "))
        .or_else(|| {
            piece
                .iter()
                .find_map(|l| l.strip_prefix("mode "))
                .and_then(|l| l.split_once(": "))
                .map(|(_, p)| p.to_string())
        })
        .or_else(|| {
            piece.iter().find_map(|l| {
                let rest = l.strip_prefix("Binary files ")?;
                let (a, b) = rest.strip_suffix(" differ")?.split_once(" and ")?;
                let p = if b == "/dev/null" { a } else { b };
                Some(
                    p.strip_prefix("a/")
                        .or(p.strip_prefix("b/"))
                        .unwrap_or(p)
                        .to_string(),
                )
            })
        })
        .or_else(|| {
            let rest = piece.first()?.strip_prefix("not checkpointed: ")?;
            Some(rest.rsplit_once(" (").map_or(rest, |(p, _)| p).to_string())
        })
        .or_else(|| {
            piece.first()?.strip_prefix("diff --git ").map(|l| {
                let b = l.rsplit(" b/").next().unwrap_or(l);
                b.to_string()
            })
        })
        .unwrap_or_default()
}

/// At most [`MAX_DIFF_LINES`], the cut said.
fn bounded(mut lines: Vec<String>) -> Vec<String> {
    if lines.len() > MAX_DIFF_LINES {
        let more = lines.len() - MAX_DIFF_LINES;
        lines.truncate(MAX_DIFF_LINES);
        lines.push(format!("… {more} more lines: /diff shows the whole turn"));
    }
    lines
}

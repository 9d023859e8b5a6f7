//! The task file: one JSON object per line, each a task with an `id` and a `prompt` and where
//! it works. Read strictly — an unknown key, a bad or repeated id, a folder that is not there
//! is an error naming its line — because a batch that starts on a typo wastes hours. Each
//! task keeps a fingerprint of its own line, so a re-run can tell a finished task from one
//! that was edited since.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::cli::SandboxMode;

/// Longest task file read (a task file is text someone wrote; a bigger one is a mistake).
pub const MAX_FILE: u64 = 64 * 1024 * 1024;
/// Most tasks in one file.
pub const MAX_TASKS: usize = 100_000;
/// Longest timeout a task may ask for: a week.
const MAX_TIMEOUT: u64 = 7 * 24 * 3600;
/// Most tries a task may ask for.
const MAX_ATTEMPTS: u32 = 20;

/// One line of the task file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    id: String,
    prompt: String,
    cwd: Option<PathBuf>,
    repo: Option<PathBuf>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    model: Option<String>,
    sandbox: Option<String>,
    effort: Option<String>,
    timeout: Option<u64>,
    attempts: Option<u32>,
}

/// Where a task works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// An existing folder, used in place (tasks that share one take turns).
    Cwd(PathBuf),
    /// Its own worktree of `git_ref` of this repository, under the out dir.
    Repo { repo: PathBuf, git_ref: String },
    /// `OUT/<id>/`.
    Own,
}

/// One task, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// 0-based position in the file: the Kubernetes completion index that runs it.
    pub index: usize,
    pub id: String,
    pub prompt: String,
    pub place: Place,
    pub model: Option<String>,
    pub sandbox: Option<SandboxMode>,
    pub effort: Option<String>,
    pub timeout: Option<std::time::Duration>,
    /// Tries in all (at least 1).
    pub attempts: u32,
    /// SHA-256 of the line as written: an edited task is a different task.
    pub fingerprint: String,
}

/// `[A-Za-z0-9._-]`, 1 to 64 of them, not `.` or `..` (an id names a folder).
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Reads and checks the task file; relative folders are taken from the file's own folder.
pub fn read(path: &Path) -> Result<Vec<Task>, String> {
    let shown = crate::text::bytes_literal(path.as_os_str().as_encoded_bytes());
    // One open (never waiting on a FIFO): the file checked is the file read, and no more than
    // the limit is read even when it grows meanwhile. A link is followed: Kubernetes mounts a
    // ConfigMap's files as links.
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| format!("{shown}: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("{shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a file"));
    }
    let too_big =
        |len: u64| format!("{shown} is {len} bytes: a task file holds at most {MAX_FILE}");
    if meta.len() > MAX_FILE {
        return Err(too_big(meta.len()));
    }
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_FILE + 1), &mut text)
        .map_err(|e| format!("{shown}: {e}"))?;
    if text.len() as u64 > MAX_FILE {
        return Err(too_big(text.len() as u64));
    }
    let text = String::from_utf8(text).map_err(|e| format!("{shown} is not UTF-8: {e}"))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&text, &crate::config::absolute(&base))
        .map_err(|(line, why)| format!("{shown}, line {line}: {why}"))
}

/// The tasks in `text` (blank lines skipped); `Err((line, why))` names the first bad line.
pub fn parse(text: &str, base: &Path) -> Result<Vec<Task>, (usize, String)> {
    let mut tasks = Vec::new();
    let mut seen = HashSet::new();
    for (n, raw) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        if raw.trim().is_empty() {
            continue;
        }
        if tasks.len() == MAX_TASKS {
            return Err((n, format!("more than {MAX_TASKS} tasks")));
        }
        let line: Line = serde_json::from_str(raw).map_err(|e| (n, e.to_string()))?;
        let task = check(line, tasks.len(), raw, base).map_err(|e| (n, e))?;
        if !seen.insert(task.id.clone()) {
            return Err((n, format!("the id {:?} is used twice", task.id)));
        }
        tasks.push(task);
    }
    if tasks.is_empty() {
        return Err((
            1,
            "no tasks: one JSON object per line, {\"id\", \"prompt\"}".into(),
        ));
    }
    Ok(tasks)
}

fn check(line: Line, index: usize, raw: &str, base: &Path) -> Result<Task, String> {
    if !valid_id(&line.id) {
        return Err(format!(
            "the id {:?} must be 1 to 64 of A-Z a-z 0-9 . _ -",
            crate::text::one_line(&line.id, 80)
        ));
    }
    if line.prompt.trim().is_empty() {
        return Err("the prompt is empty".into());
    }
    let folder = |p: &Path| -> Result<PathBuf, String> {
        let p = base.join(p);
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => Ok(p),
            Ok(_) => Err(format!("{} is not a folder", p.display())),
            Err(e) => Err(format!("{}: {e}", p.display())),
        }
    };
    let place = match (line.cwd, line.repo, line.git_ref) {
        (Some(_), Some(_), _) => return Err("give `cwd` or `repo`, not both".into()),
        (Some(_), None, Some(_)) | (None, None, Some(_)) => {
            return Err("`ref` goes with `repo`".into());
        }
        (Some(cwd), None, None) => Place::Cwd(folder(&cwd)?),
        (None, Some(repo), r) => Place::Repo {
            repo: folder(&repo)?,
            git_ref: r.unwrap_or_else(|| "HEAD".into()),
        },
        (None, None, None) => Place::Own,
    };
    if let Place::Repo { git_ref, .. } = &place
        && (git_ref.is_empty() || git_ref.starts_with('-') || git_ref.chars().any(char::is_control))
    {
        return Err(format!("the ref {git_ref:?} is not one git could take"));
    }
    let sandbox = line.sandbox.map(|s| s.parse()).transpose()?;
    let timeout = match line.timeout {
        Some(0) => return Err("`timeout` is seconds, at least 1".into()),
        Some(s) if s > MAX_TIMEOUT => return Err(format!("`timeout` is at most {MAX_TIMEOUT} s")),
        t => t.map(std::time::Duration::from_secs),
    };
    let attempts = line.attempts.unwrap_or(1);
    if !(1..=MAX_ATTEMPTS).contains(&attempts) {
        return Err(format!("`attempts` is 1 to {MAX_ATTEMPTS} (tries in all)"));
    }
    Ok(Task {
        index,
        id: line.id,
        prompt: line.prompt,
        place,
        model: line.model,
        sandbox,
        effort: line.effort,
        timeout,
        attempts,
        fingerprint: hex(&Sha256::digest(raw.trim().as_bytes())),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (usize, String) {
        parse(text, Path::new("/")).unwrap_err()
    }

    #[test]
    fn a_fifo_or_a_folder_is_refused_without_waiting_and_a_link_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("tasks.jsonl");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR).unwrap();
        assert!(read(&fifo).unwrap_err().contains("is not a file"));
        assert!(read(dir.path()).unwrap_err().contains("is not a file"));
        let real = dir.path().join("real.jsonl");
        std::fs::write(&real, "{\"id\":\"a\",\"prompt\":\"p\"}\n").unwrap();
        let link = dir.path().join("mounted.jsonl");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(read(&link).unwrap()[0].id, "a");
    }

    #[test]
    fn tasks_are_read_strictly_and_errors_name_the_line() {
        let ok = parse(
            "{\"id\":\"a\",\"prompt\":\"p\"}\n\n{\"id\":\"b.2\",\"prompt\":\"q\",\"cwd\":\"/tmp\",\"timeout\":5,\"attempts\":3}\n",
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[1].index, ok[1].attempts), (1, 3));
        assert_eq!(ok[1].place, Place::Cwd("/tmp".into()));
        assert_ne!(ok[0].fingerprint, ok[1].fingerprint);
        let one = "{\"id\":\"a\",\"prompt\":\"p\"}\n";
        assert!(
            err(&format!("{one}{{\"id\":\"a\",\"prompt\":\"x\"}}"))
                .1
                .contains("twice")
        );
        assert_eq!(
            err(&format!("{one}{{\"id\":\"a/b\",\"prompt\":\"x\"}}")).0,
            2
        );
        assert!(
            err("{\"id\":\"a\",\"prompt\":\"p\",\"colour\":1}")
                .1
                .contains("colour")
        );
        assert!(
            err("{\"id\":\"a\",\"prompt\":\"p\",\"cwd\":\"/nope-nope\"}")
                .1
                .contains("nope")
        );
        assert!(err("{\"id\":\"..\",\"prompt\":\"p\"}").1.contains("id"));
        assert!(
            err("{\"id\":\"a\",\"prompt\":\"p\",\"ref\":\"main\"}")
                .1
                .contains("repo")
        );
        assert!(
            err("{\"id\":\"a\",\"prompt\":\"p\",\"attempts\":0}")
                .1
                .contains("attempts")
        );
        assert!(
            err("{\"id\":\"a\",\"prompt\":\"p\",\"sandbox\":\"wide\"}")
                .1
                .contains("sandbox")
        );
        assert!(err("not json").0 == 1);
        assert!(err("").1.contains("no tasks"));
        assert!(valid_id(&"x".repeat(64)) && !valid_id(&"x".repeat(65)));
    }
}

//! Codex skills: which `SKILL.md` files a Codex turn started here would load, and why not others.
//!
//! Discovery mirrors Codex CLI 0.169 so that `codexmcp skills` and `$name` hints agree with what
//! the model is actually offered: the same roots in the same order (repo, then user, system and
//! admin; the first skill of a name wins), the same walk (recursive, hidden entries skipped,
//! depth-capped, symlinked directories followed only inside their root and never in a loop) and
//! the same required front matter (`name`, `description`). A broken `SKILL.md` never stops
//! discovery: it becomes an entry in [`Discovery::errors`] saying why. The front matter is read
//! with a small hand-written YAML subset (plain, quoted and block scalars), which is all these
//! two keys need, instead of a YAML dependency.

use std::collections::{HashSet, VecDeque};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::text::one_line;

mod front_matter;
use front_matter::MAX_NAME_CHARS;
pub use front_matter::parse_front_matter;

const SKILL_FILE: &str = "SKILL.md";
/// How deep below a root directories are still searched (a root's children are depth 1).
const MAX_DEPTH: usize = 6;
const MAX_DIRS_PER_ROOT: usize = 2000;
const MAX_SKILL_BYTES: u64 = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Repo,
    User,
    System,
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Repo => "repo",
            Scope::User => "user",
            Scope::System => "system",
            Scope::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skill {
    pub name: String,
    pub description: String,
    /// The `SKILL.md` file.
    pub path: PathBuf,
    pub scope: Scope,
}

/// A `SKILL.md` that Codex would skip, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillError {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Discovery {
    pub skills: Vec<Skill>,
    pub errors: Vec<SkillError>,
}

/// The directories Codex searches for skills when started in `cwd`, highest precedence first.
/// Missing directories are listed too; the same directory is listed once.
pub fn roots(cwd: &Path, codex_home: Option<&Path>, home: Option<&Path>) -> Vec<(PathBuf, Scope)> {
    let cwd = std::path::absolute(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let mut out: Vec<(PathBuf, Scope)> = Vec::new();
    // A `.git` file (worktrees, submodules) or a `.git` directory with a HEAD marks the
    // repository root. An empty `.git` is not a repository: Codex's Linux sandbox leaves such
    // mount points behind in writable roots like /tmp.
    let is_repo = |dir: &Path| {
        let git = dir.join(".git");
        git.is_file() || git.join("HEAD").is_file()
    };
    let up = cwd.ancestors().position(is_repo);
    let mut chain: Vec<&Path> = cwd.ancestors().take(up.map_or(1, |up| up + 1)).collect();
    chain.reverse(); // the repository root (or `cwd` outside a repository) first
    if up.is_some() {
        out.extend(
            chain
                .first()
                .map(|root| (skills_in(root, ".codex"), Scope::Repo)),
        );
        out.extend(
            chain
                .iter()
                .map(|dir| (skills_in(dir, ".agents"), Scope::Repo)),
        );
    } else {
        out.push((skills_in(&cwd, ".codex"), Scope::Repo));
        out.push((skills_in(&cwd, ".agents"), Scope::Repo));
    }
    if let Some(codex_home) = codex_home {
        out.push((codex_home.join("skills"), Scope::User));
        out.push((codex_home.join("skills").join(".system"), Scope::System));
    }
    if let Some(home) = home {
        out.push((skills_in(home, ".agents"), Scope::User));
    }
    if cfg!(unix) {
        out.push((PathBuf::from("/etc/codex/skills"), Scope::Admin));
    }
    let mut seen = HashSet::new();
    out.retain(|(path, _)| seen.insert(fs::canonicalize(path).unwrap_or_else(|_| path.clone())));
    out
}

fn skills_in(dir: &Path, config_dir: &str) -> PathBuf {
    dir.join(config_dir).join("skills")
}

/// Every skill Codex would load from `cwd` (sorted by name, one per name) and every
/// `SKILL.md` it would skip.
pub fn discover_in(cwd: &Path, codex_home: Option<&Path>, home: Option<&Path>) -> Discovery {
    let mut found = Discovery::default();
    for (root, scope) in roots(cwd, codex_home, home) {
        walk(&root, scope, &mut found);
    }
    let mut seen = HashSet::new();
    found.skills.retain(|skill| seen.insert(skill.name.clone())); // later ones are shadowed
    found
        .skills
        .sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.path.cmp(&b.path)));
    found
}

/// [`discover_in`] with Codex's own homes: `$CODEX_HOME` (or `~/.codex`) and the user's home.
pub fn discover(cwd: &Path) -> Discovery {
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    discover_in(cwd, crate::config::codex_home().as_deref(), home.as_deref())
}

/// Breadth-first, in file-name order (so "first of a name" is stable), like Codex.
fn walk(root: &Path, scope: Scope, found: &mut Discovery) {
    let Ok(real_root) = fs::canonicalize(root) else {
        return; // no such root: nothing to load
    };
    if !real_root.is_dir() {
        return;
    }
    let mut visited = HashSet::from([real_root.clone()]);
    let mut truncated = false;
    let mut queue = VecDeque::from([(root.to_path_buf(), 0usize)]);
    while let Some((dir, depth)) = queue.pop_front() {
        let mut entries: Vec<fs::DirEntry> = match fs::read_dir(&dir) {
            Ok(entries) => entries.flatten().collect(),
            Err(e) => {
                found.errors.push(SkillError {
                    path: dir,
                    message: format!("cannot read directory: {e}"),
                });
                continue;
            }
        };
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if name.starts_with('.') {
                continue; // hidden, which also keeps `.system` for its own root
            }
            if kind.is_file() {
                if name == SKILL_FILE {
                    load_into(path, scope, found);
                }
                continue;
            }
            let symlink = kind.is_symlink();
            if !(kind.is_dir() || (symlink && path.is_dir())) || depth >= MAX_DEPTH {
                continue;
            }
            let Ok(real) = fs::canonicalize(&path) else {
                continue;
            };
            if !real.starts_with(&real_root) {
                tracing::debug!(path = %path.display(), "skills: not following a link out of root");
                continue;
            }
            if visited.len() >= MAX_DIRS_PER_ROOT {
                if !truncated {
                    tracing::warn!(root = %root.display(), "skills: directory limit reached");
                    truncated = true;
                }
                continue;
            }
            if visited.insert(real.clone()) {
                // A link is listed where it leads, as Codex does, so one skill has one path.
                queue.push_back((if symlink { real } else { path }, depth + 1));
            }
        }
    }
}

fn load_into(path: PathBuf, scope: Scope, found: &mut Discovery) {
    let mut bytes = Vec::new();
    let read = open_regular(&path).and_then(|f| f.take(MAX_SKILL_BYTES).read_to_end(&mut bytes));
    let parsed = match read {
        Ok(_) => parse_front_matter(&String::from_utf8_lossy(&bytes)),
        Err(e) => Err(format!("cannot read: {e}")),
    };
    match parsed {
        Ok((name, description)) => found.skills.push(Skill {
            name,
            description,
            path,
            scope,
        }),
        Err(message) => found.errors.push(SkillError { path, message }),
    }
}

/// A `SKILL.md` may sit in Codex's own folder (`.codex/skills` below the working dir), where
/// it can be swapped between the walk and the read: opened without following a link or
/// waiting on a FIFO, and refused unless what was opened is a regular file.
fn open_regular(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// `codexmcp skills`: each skill as `$name  [scope]  description` over its path, then the
/// skipped files as `error: <path>: <message>`, or the whole [`Discovery`] as JSON. Exits 1
/// only when `cwd` cannot be read.
pub fn print_skills(cwd: &Path, json: bool) -> i32 {
    if let Err(e) = fs::read_dir(cwd) {
        eprintln!("codexmcp: cannot read {}: {e}", cwd.display());
        return 1;
    }
    let found = discover(cwd);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&found).unwrap_or_default()
        );
        return 0;
    }
    if found.skills.is_empty() && found.errors.is_empty() {
        println!("no skills found (Codex loads .codex/skills/<skill>/SKILL.md in the repo, ");
        println!("  .agents/skills up to the repo root, $CODEX_HOME/skills and ~/.agents/skills)");
    }
    for skill in &found.skills {
        println!(
            "${}  [{}]  {}\n    {}",
            one_line(&skill.name, MAX_NAME_CHARS),
            skill.scope.as_str(),
            one_line(&skill.description, 120),
            one_line(&skill.path.display().to_string(), 4096),
        );
    }
    for error in &found.errors {
        println!(
            "error: {}: {}",
            one_line(&error.path.display().to_string(), 4096),
            one_line(&error.message, 400),
        );
    }
    0
}

/// The skills in `skills` that `text` mentions as `$name`: the `$` at the start or after
/// whitespace, the name followed by the end, whitespace or punctuation other than `-`/`_`.
pub fn mentioned<'a>(text: &str, skills: &'a [Skill]) -> Vec<&'a Skill> {
    let starts: Vec<&str> = text
        .char_indices()
        .filter(|&(i, c)| {
            c == '$'
                && text[..i]
                    .chars()
                    .next_back()
                    .is_none_or(char::is_whitespace)
        })
        .map(|(i, _)| &text[i + 1..])
        .collect();
    let ends_word = |rest: &str| {
        rest.chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'))
    };
    skills
        .iter()
        .filter(|skill| !skill.name.is_empty())
        .filter(|skill| {
            starts.iter().any(|rest| {
                rest.strip_prefix(skill.name.as_str())
                    .is_some_and(ends_word)
            })
        })
        .collect()
}

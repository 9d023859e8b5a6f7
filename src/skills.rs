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

const SKILL_FILE: &str = "SKILL.md";
/// How deep below a root directories are still searched (a root's children are depth 1).
const MAX_DEPTH: usize = 6;
const MAX_DIRS_PER_ROOT: usize = 2000;
const MAX_SKILL_BYTES: u64 = 256 * 1024;
const MAX_NAME_CHARS: usize = 64;
const MAX_DESCRIPTION_CHARS: usize = 1024;
const NO_FRONT_MATTER: &str = "missing YAML front matter delimited by ---";

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

/// `(name, description)` from the front matter that opens a `SKILL.md`, or why there is none.
pub fn parse_front_matter(text: &str) -> Result<(String, String), String> {
    let lines = front_matter(text).ok_or_else(|| NO_FRONT_MATTER.to_string())?;
    let (mut name, mut description): (Option<String>, Option<String>) = (None, None);
    let mut i = 0;
    while i < lines.len() {
        let (number, line) = (i + 2, lines[i]);
        i += 1;
        // A key's value may go on over the following blank or more-indented lines.
        let start = i;
        while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) > indent(line)) {
            i += 1;
        }
        let entry = line.trim();
        let comment = entry.is_empty() || entry.starts_with('#');
        if comment || indent(line) > 0 || is_list_item(entry) {
            continue; // nothing, or part of a value this subset does not read
        }
        let Some((key, value)) = entry.split_once(':') else {
            return Err(format!(
                "invalid YAML front matter: line {number} is not `key: value`"
            ));
        };
        let key = key.trim().trim_matches(|c: char| c == '"' || c == '\'');
        let slot = match key {
            "name" => &mut name,
            "description" => &mut description,
            _ => continue,
        };
        let value = scalar(value.trim(), &lines[start..i])
            .map_err(|e| format!("invalid `{key}` in front matter: {e}"))?;
        *slot = Some(value);
    }
    let name = single_line(&name.unwrap_or_default());
    if name.is_empty() {
        return Err("front matter has no `name`".into());
    }
    let description = description.unwrap_or_default().trim().to_string();
    if description.is_empty() {
        return Err("front matter has no `description`".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("`name` is longer than {MAX_NAME_CHARS} characters"));
    }
    if single_line(&description).chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "`description` is longer than {MAX_DESCRIPTION_CHARS} characters"
        ));
    }
    Ok((name, description))
}

/// The lines between a `---` first line and the next `---` line, if both exist.
fn front_matter(text: &str) -> Option<Vec<&str>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    let mut block = Vec::new();
    for line in lines {
        if line.trim() == "---" {
            return (!block.is_empty()).then_some(block);
        }
        block.push(line);
    }
    None
}

/// One scalar: `first` is what follows `key:`, `more` the lines that continue it.
fn scalar(first: &str, more: &[&str]) -> Result<String, String> {
    if first.starts_with('|') || first.starts_with('>') {
        return Ok(block_scalar(first.starts_with('|'), more));
    }
    let lines = std::iter::once(first).chain(more.iter().copied());
    if first.starts_with('"') || first.starts_with('\'') {
        return unquote(&fold(lines));
    }
    let next = more
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let nested = next.filter(|_| strip_comment(first).is_empty());
    if nested.is_some_and(|l| is_list_item(l) || l.ends_with(':') || l.contains(": ")) {
        return Err("expected text, found a nested list or mapping".into());
    }
    Ok(fold(lines.map(strip_comment)))
}

/// `|` keeps line breaks (minus the block's indentation); `>` folds lines into spaces.
fn block_scalar(literal: bool, lines: &[&str]) -> String {
    if !literal {
        return fold(lines.iter().copied());
    }
    let strip = lines
        .iter()
        .find(|l| !l.trim().is_empty())
        .map_or(0, |l| indent(l));
    let kept: Vec<&str> = lines
        .iter()
        .map(|l| {
            if indent(l) >= strip {
                &l[strip..]
            } else {
                l.trim_start()
            }
        })
        .collect();
    kept.join("\n").trim().to_string()
}

/// YAML line folding: lines joined by a space, each blank line becoming a line break.
fn fold<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut breaks = 0;
    for line in lines.map(str::trim) {
        if line.is_empty() {
            breaks += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(&if breaks == 0 {
                " ".to_string()
            } else {
                "\n".repeat(breaks)
            });
        }
        breaks = 0;
        out.push_str(line);
    }
    out
}

/// A single- or double-quoted scalar (with YAML's escapes), optionally followed by a comment.
fn unquote(raw: &str) -> Result<String, String> {
    let mut chars = raw.chars();
    let quote = chars.next().unwrap_or('"');
    let mut out = String::new();
    loop {
        let Some(c) = chars.next() else {
            return Err("unterminated quoted string".into());
        };
        if c == quote {
            if quote == '\'' && chars.as_str().starts_with('\'') {
                chars.next();
                out.push('\'');
                continue;
            }
            break;
        }
        if c != '\\' || quote == '\'' {
            out.push(c);
            continue;
        }
        let escaped = chars.next().ok_or("unterminated quoted string")?;
        match escaped {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            ' ' | '"' | '\\' | '/' => out.push(escaped),
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.push(decoded.ok_or_else(|| format!("invalid escape \\u{hex}"))?);
            }
            other => return Err(format!("unknown escape \\{other}")),
        }
    }
    let rest = chars.as_str().trim();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(out)
    } else {
        Err(format!("unexpected text after the closing quote: {rest}"))
    }
}

/// A plain scalar line without its ` # comment`.
fn strip_comment(line: &str) -> &str {
    let line = line.trim();
    if line.starts_with('#') {
        return "";
    }
    let cut = line
        .char_indices()
        .find(|&(i, c)| c == '#' && line[..i].ends_with(char::is_whitespace))
        .map_or(line.len(), |(i, _)| i);
    line[..cut].trim_end()
}

fn indent(line: &str) -> usize {
    line.bytes()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count()
}

fn is_list_item(entry: &str) -> bool {
    entry == "-" || entry.starts_with("- ")
}

fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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

//! `codexmcp doctor`: can a turn run here, and if not, what exactly to do about it.
//!
//! Each check yields a [`Check`] with a verdict and, when something is wrong, the fix. The
//! command exits 1 when any check blocks a run (no binary, no auth, no usable sandbox in the
//! configured mode, an unwritable working dir), so it doubles as the container HEALTHCHECK.

mod live;
mod verbs;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::SandboxMode;
use crate::config::Settings;
use crate::config::codex_home;
use crate::engine::auth::Auth;
use crate::engine::locate::{self, CodexBinary, PINNED_VERSION, TESTED};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            verdict: Verdict::Ok,
            detail: detail.into(),
            fix: None,
        }
    }
    fn bad(
        name: &'static str,
        verdict: Verdict,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            name,
            verdict,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

pub async fn run_checks(settings: &Settings) -> Vec<Check> {
    let mut checks = Vec::new();
    let binary = match locate::locate(settings.codex_bin.as_deref()).await {
        Ok(b) => Some(b),
        Err(e) => {
            checks.push(Check::bad(
                "codex binary",
                Verdict::Fail,
                e.to_string(),
                "run `scripts/install-codex.sh` (or `npm install -g @openai/codex@0.171.0`)",
            ));
            None
        }
    };
    if let Some(b) = &binary {
        checks.push(Check::ok(
            "codex binary",
            format!("{} (from {})", b.path.display(), b.source),
        ));
        checks.push(version_check(b));
    }
    let home = codex_home();
    checks.push(match &home {
        Some(h) if h.is_dir() => Check::ok("CODEX_HOME", h.display().to_string()),
        Some(h) => Check::bad(
            "CODEX_HOME",
            Verdict::Warn,
            format!("{} does not exist yet", h.display()),
            "Codex creates it on first run; set CODEX_HOME to use another place",
        ),
        None => Check::bad(
            "CODEX_HOME",
            Verdict::Fail,
            "no home directory",
            "set HOME or CODEX_HOME",
        ),
    });
    checks.push(auth_check(home.as_deref()));
    let cwd = crate::config::absolute(&settings.cwd);
    checks.push(
        match std::fs::create_dir_all(&cwd).and_then(|_| probe_write(&cwd)) {
            Ok(()) => Check::ok("working dir", cwd.display().to_string()),
            Err(e) => Check::bad(
                "working dir",
                Verdict::Fail,
                format!("{}: {e}", cwd.display()),
                "pass a writable directory with -C/--cd",
            ),
        },
    );
    if let Some(b) = &binary {
        checks.push(sandbox_check(b, settings.sandbox, &cwd).await);
        checks.push(verbs::check(b).await);
    }
    checks.push(skills_check(home.as_deref()));
    checks.push(checkpoint_check());
    checks
}

/// Where the working dir is recorded before each turn, and the size above which a file is
/// recorded by size and time only (so `/undo` cannot bring it back).
fn checkpoint_check() -> Check {
    match crate::session::checkpoint::Store::open_default() {
        Ok(store) => Check::ok(
            "checkpoints",
            format!(
                "{} (files over {} MiB by size and time only)",
                store.root().display(),
                store.max_stored() / (1024 * 1024)
            ),
        ),
        Err(e) => Check::bad(
            "checkpoints",
            Verdict::Warn,
            format!("{e:#}"),
            "without checkpoints there is no /diff and no /undo of files; \
             fix CODEXMCP_CHECKPOINT_MAX_FILE_MB or checkpoint_max_file_mb",
        ),
    }
}

fn version_check(b: &CodexBinary) -> Check {
    let Some(v) = b.version else {
        return Check::bad(
            "version",
            Verdict::Warn,
            "`codex --version` gave no version",
            "reinstall with scripts/install-codex.sh",
        );
    };
    let mut paths = vec!["exec", "app-server"];
    if b.has_mcp_server() {
        paths.push("mcp-server");
    }
    let detail = format!("codex-cli {v}; supports {}", paths.join(", "));
    let tested = TESTED.join(", ");
    if TESTED.contains(&v.to_string().as_str()) {
        Check::ok("version", format!("{detail}; tested ({tested})"))
    } else {
        Check::bad(
            "version",
            Verdict::Warn,
            detail,
            format!(
                "codexmcp is tested with {tested} (pinned: {PINNED_VERSION}); scripts/install-codex.sh installs it"
            ),
        )
    }
}

/// Is there a credential Codex will use? (The same check guards every turn.)
pub fn auth_check(home: Option<&Path>) -> Check {
    match crate::engine::auth::check(home) {
        Auth::Found(detail) => Check::ok("auth", detail),
        Auth::Missing { detail, fix } => Check::bad("auth", Verdict::Fail, detail, fix),
    }
}

fn probe_write(dir: &Path) -> std::io::Result<()> {
    let p = dir.join(format!(".codexmcp-probe-{}", std::process::id()));
    std::fs::write(&p, b"ok")?;
    std::fs::remove_file(p)
}

/// Runs a trivial command in Codex's own sandbox and checks that it could write.
async fn sandbox_check(b: &CodexBinary, mode: SandboxMode, cwd: &Path) -> Check {
    if mode == SandboxMode::DangerFullAccess {
        return Check::bad(
            "sandbox",
            Verdict::Warn,
            "disabled (danger-full-access)",
            "fine inside a container; elsewhere prefer workspace-write",
        );
    }
    let marker = format!(".codexmcp-sandbox-{}", std::process::id());
    let script = format!("echo ok > {marker}");
    let run = tokio::process::Command::new(&b.path)
        .args([
            "sandbox",
            "-c",
            "sandbox_mode=\"workspace-write\"",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(20), run).await;
    let wrote = std::fs::remove_file(cwd.join(&marker)).is_ok();
    match out {
        Ok(Ok(_)) if wrote => Check::ok(
            "sandbox",
            format!("{mode}: a sandboxed command ran and wrote to the working dir"),
        ),
        Ok(Ok(o)) => {
            let err =
                crate::engine::error::first_meaningful_line(&String::from_utf8_lossy(&o.stderr));
            Check::bad(
                "sandbox",
                Verdict::Fail,
                format!("{mode} unusable on this kernel: {err}"),
                "enable Landlock/user namespaces, or run with `-s danger-full-access` inside a container",
            )
        }
        Ok(Err(e)) => Check::bad(
            "sandbox",
            Verdict::Fail,
            format!("could not run codex sandbox: {e}"),
            "reinstall Codex",
        ),
        Err(_) => Check::bad(
            "sandbox",
            Verdict::Warn,
            "sandbox probe timed out",
            "see `codex sandbox --help`",
        ),
    }
}

fn skills_check(home: Option<&Path>) -> Check {
    let mut roots = vec![
        PathBuf::from(".codex/skills"),
        PathBuf::from(".agents/skills"),
    ];
    if let Some(h) = home {
        roots.push(h.join("skills"));
    }
    if let Some(d) = directories::BaseDirs::new() {
        roots.push(d.home_dir().join(".agents/skills"));
    }
    let count: usize = roots.iter().map(|r| count_skills(r, 0)).sum();
    if count > 0 {
        Check::ok("skills", format!("{count} SKILL.md found"))
    } else {
        Check::bad(
            "skills",
            Verdict::Warn,
            "no skills found",
            "add skills under .codex/skills/<name>/SKILL.md",
        )
    }
}

fn count_skills(dir: &Path, depth: usize) -> usize {
    if depth > 6 {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == "SKILL.md") {
                1
            } else if e.file_type().is_ok_and(|t| t.is_dir()) {
                count_skills(&p, depth + 1)
            } else {
                0
            }
        })
        .sum()
}

/// Prints the report; returns the exit code. `live` adds one real turn (see [`live`]).
pub async fn run(settings: &Settings, live: bool) -> i32 {
    let mut checks = run_checks(settings).await;
    if live {
        checks.extend(live::check(settings).await);
    }
    for c in &checks {
        let tag = match c.verdict {
            Verdict::Ok => "ok  ",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        };
        println!(
            "{tag} {:<13} {}",
            c.name,
            crate::text::one_line(&c.detail, 300)
        );
        if let Some(fix) = &c.fix {
            println!("     {:<13} fix: {fix}", "");
        }
    }
    if checks.iter().any(|c| c.verdict == Verdict::Fail) {
        println!("\nsome checks failed: a Codex turn will not run until they are fixed");
        1
    } else {
        0
    }
}

//! `codexmcp exec`: one turn, no screen. The Docker image and scripts use this.
//!
//! Events stream to stdout as they happen: readable lines by default, or the normalized
//! [`CodexEvent`] JSONL with `--json` (then stdout carries nothing else; the closing
//! `thread:` hint goes to stderr). SIGINT, SIGTERM and SIGHUP interrupt the turn cleanly
//! (Codex gets SIGINT, the thread stays resumable). Exit codes (`cli`): 0 done, 1 failed,
//! 2 usage, 130 interrupted. The turn's bookkeeping is the session's; this only prints.

pub mod agent;
pub mod batch;
mod batch_view;
pub mod export;
mod printer;
pub mod review;
pub mod threads;
pub mod undo;

use std::io::{IsTerminal, Read, Write};

pub use printer::HumanPrinter;

use crate::cli::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE};
use crate::config::Settings;
use crate::engine::procs::Signals;
use crate::engine::{self, CodexEvent, EngineConfig, EngineError, TurnStatus};
use crate::session::Session;

pub struct ExecRequest {
    pub prompt: Option<String>,
    pub resume: Option<String>,
    pub json: bool,
    /// `-i FILE`: relative to the current directory, checked before anything is sent.
    pub images: Vec<std::path::PathBuf>,
    /// `--plan`: plan mode (app-server).
    pub plan: bool,
}

/// Runs the exec subcommand and returns the process exit code.
pub async fn run(req: ExecRequest, settings: &Settings) -> i32 {
    let prompt = match read_prompt(req.prompt) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("codexmcp exec: {msg}");
            return EXIT_USAGE;
        }
    };
    if settings.approvals == Some(crate::cli::ApprovalMode::Ask) {
        eprintln!(
            "codexmcp exec: --approvals ask needs a person to answer, and exec has none: use accept or decline (or the TUI)"
        );
        return EXIT_USAGE;
    }
    let here = std::env::current_dir().unwrap_or_default();
    let images = match engine::images::check_all(&req.images, &here) {
        Ok(i) => i,
        Err(msg) => {
            eprintln!("codexmcp exec: {msg}");
            return EXIT_USAGE;
        }
    };
    let signals = Signals::watch();
    if settings.agent == Some(true) {
        let turn = agent::Request {
            prompt,
            resume: req.resume,
            json: req.json,
            images,
        };
        return agent::run(turn, settings, &signals).await;
    }
    let config = match engine::connect(settings).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("codexmcp: {e}");
            return EXIT_FAILED;
        }
    };
    if req.plan && config.backend.kind() != crate::cli::BackendKind::AppServer {
        eprintln!(
            "codexmcp exec: --plan needs Codex's app-server (plan mode is its collaboration \
             mode): add --backend app-server"
        );
        config.shutdown().await;
        return EXIT_USAGE;
    }
    let code = run_direct(
        &config,
        &prompt,
        images,
        (req.resume.as_deref(), req.plan),
        req.json,
        &signals,
    )
    .await;
    config.shutdown().await;
    code
}

async fn run_direct(
    config: &EngineConfig,
    prompt: &str,
    images: Vec<std::path::PathBuf>,
    (resume, plan): (Option<&str>, bool),
    json: bool,
    signals: &Signals,
) -> i32 {
    if let Some(n) = &config.notice {
        eprintln!("codexmcp: {n}");
    }
    let store = Session::open_store();
    let session = match resume {
        Some(id) => Session::resume(config.clone(), store, id),
        None => Ok(Session::new(config.clone(), store)),
    }
    .map(|s| s.stop_on(signals.token()).on_progress(progress_on_stderr()));
    let mut session = match session {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    session.attach(images);
    session.set_plan(plan);
    let mut turn = match session.run(prompt, signals.token()).await {
        Ok(t) => t,
        Err(e) => return failed(&e),
    };
    let mut out = Output::new(json, config.cwd.clone());
    while let Some(event) = turn.next().await {
        out.codex(&event);
        // A burst goes out in one write.
        while let Some(event) = turn.try_next() {
            out.codex(&event);
        }
        out.flush();
        say_unsaved();
    }
    let outcome = turn.finish().await;
    if let Some(diff) = session.take_changes().await {
        out.diff(&diff);
    }
    say_unsaved();
    if let Some(id) = &outcome.thread_id {
        out.closing(&format!(
            "thread: {id}\nresume with: codexmcp exec --resume {id} \"<next prompt>\""
        ));
    }
    match outcome.status {
        TurnStatus::Completed => EXIT_OK,
        TurnStatus::Interrupted => EXIT_INTERRUPTED,
        TurnStatus::Failed(_) => EXIT_FAILED,
    }
}

fn failed(e: &EngineError) -> i32 {
    say_unsaved();
    eprintln!("codexmcp: {e}");
    match e {
        EngineError::Stopped(_) => EXIT_INTERRUPTED,
        _ => EXIT_FAILED,
    }
}

/// A long checkpoint's progress on stderr (a large tree's first one takes seconds): one line
/// rewritten in place on a terminal, a line a second otherwise.
pub(crate) fn progress_on_stderr() -> crate::session::ProgressHook {
    use crate::session::CheckpointProgress::Running;
    let tty = std::io::stderr().is_terminal();
    std::sync::Arc::new(move |p| {
        let text = crate::present::diff::checkpoint_progress(p);
        match (tty, p) {
            (true, Running(_)) => eprint!("\r\x1b[Kcodexmcp: {text}"),
            (true, _) => eprintln!("\r\x1b[Kcodexmcp: {text}"),
            (false, _) => eprintln!("codexmcp: {text}"),
        }
    })
}

/// What could not be saved (a session record, a log, a checkpoint), once each, on stderr:
/// stdout may be JSON, and these are for the person running exec.
pub(crate) fn say_unsaved() {
    for what in crate::session::unsaved::take() {
        eprintln!("codexmcp: {what}");
    }
}

/// Where exec's output goes: JSONL or readable lines on stdout, closing hints after.
/// Buffered: callers flush after each burst, so a reader sees events as they happen.
pub(crate) struct Output {
    json: bool,
    printer: HumanPrinter,
    stdout: std::io::BufWriter<std::io::Stdout>,
}

impl Output {
    pub(crate) fn new(json: bool, cwd: std::path::PathBuf) -> Self {
        let color =
            !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Self {
            json,
            printer: HumanPrinter::new(color, cwd),
            stdout: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
        }
    }

    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// One Codex event; `prefix` goes before a readable line (a newline after agent text).
    pub(crate) fn codex_after(&mut self, event: &CodexEvent, prefix: &str) -> bool {
        let text = if self.json {
            serde_json::to_string(event).ok().map(|s| s + "\n")
        } else {
            self.printer.line(event).map(|l| format!("{prefix}{l}\n"))
        };
        match text {
            Some(t) => {
                self.write(&t);
                true
            }
            None => false,
        }
    }

    pub(crate) fn codex(&mut self, event: &CodexEvent) {
        self.codex_after(event, "");
    }

    /// Raw text (already safe); a closed stdout (`| head`) stops printing, not the turn.
    pub(crate) fn write(&mut self, text: &str) {
        let _ = self.stdout.write_all(text.as_bytes());
    }

    pub(crate) fn flush(&mut self) {
        let _ = self.stdout.flush();
    }

    /// What the turn changed in the working dir: a `turn.diff` line, or a diffstat.
    pub(crate) fn diff(&mut self, diff: &crate::session::checkpoint::TurnDiff) {
        if self.json {
            let mut v = serde_json::json!({"type": "turn.diff"});
            v["files"] = serde_json::to_value(&diff.files).unwrap_or_default();
            v["patch"] = diff.patch.clone().into();
            if !diff.ignored.is_empty() {
                v["ignored"] = serde_json::to_value(&diff.ignored).unwrap_or_default();
            }
            self.write(&format!("{v}\n"));
        } else {
            if let Some(stat) = crate::present::diffstat(&diff.files) {
                self.write(&stat);
            }
            if let Some(line) = crate::present::diff::ignored_summary(&diff.ignored) {
                self.write(&line);
            }
        }
        self.flush();
    }

    /// The closing lines: on stdout for people, on stderr when stdout carries JSON.
    pub(crate) fn closing(&mut self, text: &str) {
        self.flush();
        if self.json {
            eprintln!("{text}");
        } else {
            self.write(&format!("{text}\n"));
            self.flush();
        }
    }
}

/// The prompt from the argument, or from stdin for `-` / no argument.
fn read_prompt(arg: Option<String>) -> Result<String, String> {
    let text = match arg.as_deref() {
        Some("-") | None => {
            if std::io::stdin().is_terminal() {
                return Err("no prompt: pass one as an argument, or pipe it in with `-`".into());
            }
            let mut buf = String::new();
            std::io::stdin()
                .read_to_string(&mut buf)
                .map_err(|e| format!("reading stdin: {e}"))?;
            buf
        }
        Some(p) => p.to_string(),
    };
    if text.trim().is_empty() {
        return Err("the prompt is empty".into());
    }
    Ok(text)
}

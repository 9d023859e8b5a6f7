//! Classified engine failures.
//!
//! A failed Codex run leaves clues in its exit status, its last events and its stderr. Users
//! need one sentence that names the problem and the fix ("not logged in: set OPENAI_API_KEY or
//! run `codex login`"), not a stack of log lines, so every failure is sorted into one of these
//! kinds. The `kind()` string is stable: it appears in `engine.error` events and in tests.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error(
        "Codex CLI not found (tried {tried}). Install it with `scripts/install-codex.sh` or \
         `npm install -g @openai/codex@0.171.0`, or point --codex-bin / CODEX_BIN at it"
    )]
    BinaryMissing { tried: String },
    #[error(
        "not authenticated with the model provider ({detail}). Set OPENAI_API_KEY (codexmcp passes \
         it to Codex as CODEX_API_KEY) or run `codex login --with-api-key`"
    )]
    Auth { detail: String },
    #[error("the model endpoint returned an error: {detail}")]
    ModelHttp { detail: String },
    #[error(
        "Codex could not set up its sandbox: {detail}. Try `-s danger-full-access` inside a container, or see `codexmcp doctor`"
    )]
    Sandbox { detail: String },
    #[error("unknown thread id {id}: Codex has no stored session for it (see `codexmcp sessions`)")]
    UnknownThread { id: String },
    #[error("no output from Codex for {}s (--idle-timeout); the turn was stopped", .0.as_secs())]
    IdleTimeout(Duration),
    #[error("Codex exited with {status}: {detail}")]
    Crashed { status: String, detail: String },
    #[error("could not start Codex: {0}")]
    Spawn(String),
    #[error("{0}")]
    Usage(String),
    /// Codex would have no credential: caught before anything starts.
    #[error("{0}")]
    NoCredential(String),
    /// Codex would not take a turn back out of a thread's conversation.
    #[error("Codex could not take the turn back: {0}")]
    Rewind(String),
    /// Codex refused an operation on a thread (fork, compact): what was asked, and why.
    #[error("Codex could not {0}")]
    Thread(String),
    /// The orchestrating agent failed (its own endpoint, max turns...).
    #[error("agent: {0}")]
    Agent(String),
    /// Stopped (an interrupt, a signal) before Codex started: nothing ran.
    #[error("stopped before Codex started: {0}")]
    Stopped(String),
}

impl EngineError {
    /// The `engine.error` event that tells listeners about this failure.
    pub fn event(&self) -> super::CodexEvent {
        super::CodexEvent::EngineError {
            kind: self.kind().into(),
            message: self.to_string(),
        }
    }

    /// A stable, machine-readable name for the kind of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BinaryMissing { .. } => "binary_missing",
            Self::Auth { .. } => "auth",
            Self::ModelHttp { .. } => "model_http",
            Self::Sandbox { .. } => "sandbox",
            Self::UnknownThread { .. } => "unknown_thread",
            Self::IdleTimeout(_) => "idle_timeout",
            Self::Crashed { .. } => "crashed",
            Self::Spawn(_) => "spawn",
            Self::Usage(_) => "usage",
            Self::NoCredential(_) => "auth",
            Self::Agent(_) => "agent",
            Self::Rewind(_) => "rewind",
            Self::Thread(_) => "thread",
            Self::Stopped(_) => "stopped",
        }
    }

    /// Sorts a failure message (a `turn.failed` text or the tail of stderr) into a kind.
    /// `thread` is the id a resume asked for, if any.
    pub fn classify(message: &str, thread: Option<&str>) -> Option<EngineError> {
        let lower = message.to_ascii_lowercase();
        let detail = || first_meaningful_line(message);
        if lower.contains("no rollout found") || lower.contains("thread not found") {
            return Some(Self::UnknownThread {
                id: thread.unwrap_or("?").to_string(),
            });
        }
        if lower.contains("401")
            || lower.contains("403")
            || lower.contains("unauthorized")
            || lower.contains("invalid_api_key")
            || lower.contains("incorrect api key")
            || lower.contains("not logged in")
            || lower.contains("missing environment variable")
            || lower.contains("missing bearer")
        {
            return Some(Self::Auth { detail: detail() });
        }
        if lower.contains("landlock")
            || lower.contains("bwrap")
            || lower.contains("seccomp")
            || lower.contains("sandbox setup")
            || lower.contains("failed to apply sandbox")
        {
            return Some(Self::Sandbox { detail: detail() });
        }
        let http = [
            "429",
            "500",
            "502",
            "503",
            "504",
            "rate limit",
            "unexpected status",
            "stream disconnected",
            "internal server error",
            "http",
        ];
        if http.iter().any(|h| lower.contains(h)) {
            return Some(Self::ModelHttp { detail: detail() });
        }
        None
    }
}

/// The most informative line of a multi-line message (skips log noise and backtraces).
pub fn first_meaningful_line(message: &str) -> String {
    let line = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| !l.starts_with("WARNING: proceeding"))
        .filter(|l| !l.starts_with("Reading prompt from stdin"))
        .find(|l| l.starts_with("Error") || l.contains("error") || l.contains("ERROR"))
        .or_else(|| message.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("no details");
    let line = line.strip_prefix("Error: ").unwrap_or(line);
    let mut out: String = line.chars().take(400).collect();
    if line.chars().count() > 400 {
        out.push('…');
    }
    out
}

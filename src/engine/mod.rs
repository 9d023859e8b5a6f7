//! The engine: everything codexmcp knows about driving Codex, and nothing about screens or
//! sessions. It imports only the leaves (`cli`, `text`), `config` and `skills`.
//!
//! [`connect`] turns resolved settings into an [`EngineConfig`] whose [`Backend`] is the
//! *effective* one (an app-server that cannot start falls back to exec, and says so). A turn
//! is described by a [`TurnSpec`], started with [`start_turn`], and comes back as a [`Turn`]:
//! a stream of normalized [`CodexEvent`]s, a way to interrupt, and a final [`TurnOutcome`].
//! The turn's task is the single owner of the Codex child process; dropping the `Turn`
//! interrupts it, and no process outlives it (see [`procs`]).

pub mod app_handle;
pub mod app_lists;
pub mod app_server;
pub mod app_server_events;
pub mod app_turn;
pub mod auth;
pub mod error;
pub mod event;
pub mod exec;
pub mod images;
pub mod jsonl;
pub mod locate;
pub mod mcp_client;
pub mod mcp_events;
pub mod procs;
pub mod review;
pub mod rewind;
pub mod threads;
pub mod token_count;

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

pub use crate::cli::{ApprovalMode, ApprovalPolicy, BackendKind, SandboxMode};
pub use error::EngineError;
pub use event::{ApprovalDecision, ApprovalKind, CodexEvent, DeltaStream, Item, ItemKind, Usage};
pub use locate::CodexBinary;

/// The backend turns actually run on: what gets recorded and shown.
#[derive(Debug, Clone, Default)]
pub enum Backend {
    /// One `codex exec --json` per turn.
    #[default]
    Exec,
    /// The long-lived `codex app-server`.
    AppServer(std::sync::Arc<app_handle::Handle>),
    /// An MCP server with the `codex` / `codex-reply` tools.
    Mcp(std::sync::Arc<mcp_client::McpClient>),
}

impl Backend {
    pub fn kind(&self) -> BackendKind {
        match self {
            Self::Exec => BackendKind::Exec,
            Self::AppServer(_) => BackendKind::AppServer,
            Self::Mcp(_) => BackendKind::Mcp,
        }
    }
}

/// How every turn of this process talks to Codex (the resolved configuration).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub codex: CodexBinary,
    /// Codex's working directory (`./output` by default; created before the first turn).
    pub cwd: PathBuf,
    pub sandbox: SandboxMode,
    pub approval_policy: ApprovalPolicy,
    pub model: Option<String>,
    pub reasoning_effort: Option<String>,
    pub network: bool,
    /// `-c key=value` overrides passed through verbatim.
    pub overrides: Vec<String>,
    pub idle_timeout: Option<Duration>,
    /// Extra environment for the child (e.g. `CODEX_API_KEY` derived from `OPENAI_API_KEY`).
    pub env: Vec<(String, String)>,
    /// The effective backend.
    pub backend: Backend,
    /// How app-server approval requests are answered.
    pub approvals: ApprovalMode,
    /// Something the front end should tell the user (e.g. a backend fallback).
    pub notice: Option<String>,
}

impl EngineConfig {
    /// Stops the long-lived backend processes (app-server, MCP server) and waits for them.
    /// Every front end awaits this on its way out.
    pub async fn shutdown(&self) {
        match &self.backend {
            Backend::Exec => {}
            Backend::AppServer(h) => h.close().await,
            Backend::Mcp(c) => c.close().await,
        }
    }
}

/// Finds Codex, creates the working dir and starts the configured backend. An app-server
/// that cannot start falls back to exec: the returned config's backend is the effective one
/// and its `notice` says why.
pub async fn connect(settings: &crate::config::Settings) -> Result<EngineConfig, EngineError> {
    let codex = locate::locate(settings.codex_bin.as_deref()).await?;
    let cwd = settings.absolute_cwd();
    std::fs::create_dir_all(&cwd).map_err(|e| {
        let shown = crate::text::bytes_literal(cwd.as_os_str().as_encoded_bytes());
        EngineError::Spawn(format!("cannot create {shown}: {e}"))
    })?;
    let mut config = EngineConfig {
        backend: Backend::Exec,
        approvals: settings.approvals.unwrap_or(ApprovalMode::Decline),
        notice: None,
        codex,
        cwd,
        sandbox: settings.sandbox,
        approval_policy: settings.approval_policy,
        model: settings.model.clone(),
        reasoning_effort: settings.reasoning_effort.clone(),
        network: settings.network,
        overrides: settings.overrides.clone(),
        idle_timeout: settings.idle_timeout,
        env: crate::config::child_env(),
    };
    match settings.backend {
        BackendKind::Exec => {}
        BackendKind::Mcp => {
            let command =
                mcp_client::server_command(&config.codex, settings.mcp_command.as_deref())?;
            let client = mcp_client::McpClient::start(command, &config.env).await?;
            config.backend = Backend::Mcp(std::sync::Arc::new(client));
        }
        BackendKind::AppServer => {
            // Capability probe: start it now; a Codex without a usable app-server falls back
            // to exec, and the front end says so.
            let handle = std::sync::Arc::new(app_handle::Handle::default());
            match handle.get(&config).await {
                Ok(_) => config.backend = Backend::AppServer(handle),
                Err(e) => {
                    tracing::warn!("app-server unavailable, falling back to exec: {e}");
                    config.notice = Some(format!(
                        "`codex app-server` is not usable here ({e}); using the exec backend"
                    ));
                }
            }
        }
    }
    Ok(config)
}

/// One turn to run: a prompt, and the thread to continue (if any).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnSpec {
    pub prompt: String,
    pub resume: Option<String>,
    /// Images sent with the prompt, absolute paths already checked ([`images::check`]).
    pub images: Vec<std::path::PathBuf>,
    /// The thread's cumulative usage before this turn, so per-turn usage can be derived.
    pub prior_total: Usage,
    /// Plan mode (Codex's `plan` collaboration mode): the model plans before it acts. Only the
    /// app-server has it.
    pub plan: bool,
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnStatus {
    Completed,
    Failed(EngineError),
    Interrupted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TurnOutcome {
    pub thread_id: Option<String>,
    pub status: TurnStatus,
    /// Cumulative usage of the thread after this turn.
    pub total: Usage,
    /// The last agent message, if any (the tool result for MCP and the agent).
    pub last_message: Option<String>,
}

/// A running turn. Drain `events` until it closes, then `finish()`.
pub struct Turn {
    pub events: mpsc::Receiver<CodexEvent>,
    interrupt: CancellationToken,
    task: JoinHandle<TurnOutcome>,
    approver: Option<Approver>,
    steerer: Option<Steerer>,
    _guard: DropGuard,
}

/// Sends more input into one running turn (app-server `turn/steer`).
#[derive(Clone, Debug)]
pub struct Steerer(pub(crate) mpsc::UnboundedSender<String>);

impl Steerer {
    pub fn steer(&self, text: &str) {
        let _ = self.0.send(text.to_string());
    }
}

/// Answers approval requests of one turn: `(request_id, decision)`.
#[derive(Clone, Debug)]
pub struct Approver(pub(crate) mpsc::UnboundedSender<(String, ApprovalDecision)>);

impl Approver {
    pub fn answer(&self, request_id: &str, decision: ApprovalDecision) {
        let _ = self.0.send((request_id.to_string(), decision));
    }
}

/// A cloneable handle that interrupts one turn.
#[derive(Clone, Debug)]
pub struct Interrupter(CancellationToken);

impl Interrupter {
    pub fn interrupt(&self) {
        self.0.cancel();
    }
}

impl Turn {
    /// A turn driven by another backend's task.
    pub(crate) fn from_parts(
        events: mpsc::Receiver<CodexEvent>,
        token: CancellationToken,
        task: JoinHandle<TurnOutcome>,
    ) -> Self {
        Turn {
            events,
            interrupt: token.clone(),
            task,
            approver: None,
            steerer: None,
            _guard: token.drop_guard(),
        }
    }

    pub(crate) fn with_approver(mut self, approver: Approver) -> Self {
        self.approver = Some(approver);
        self
    }

    pub(crate) fn with_steerer(mut self, steerer: Steerer) -> Self {
        self.steerer = Some(steerer);
        self
    }

    /// The handle that sends more input into this turn while it runs (app-server only).
    pub fn steerer(&self) -> Option<Steerer> {
        self.steerer.clone()
    }

    /// The handle that answers this turn's approval requests (app-server backend only).
    pub fn approver(&self) -> Option<Approver> {
        self.approver.clone()
    }

    pub fn interrupter(&self) -> Interrupter {
        Interrupter(self.interrupt.clone())
    }

    /// Waits for the turn's task to end (drains nothing: read `events` first).
    pub async fn finish(self) -> TurnOutcome {
        let Turn {
            events,
            task,
            _guard,
            ..
        } = self;
        drop(events);
        match task.await {
            Ok(outcome) => outcome,
            Err(e) => TurnOutcome {
                thread_id: None,
                status: TurnStatus::Failed(EngineError::Crashed {
                    status: "panic".into(),
                    detail: e.to_string(),
                }),
                total: Usage::default(),
                last_message: None,
            },
        }
    }
}

/// Starts a turn on the configured backend. Must be called inside a Tokio runtime.
pub fn start_turn(config: &EngineConfig, spec: TurnSpec) -> Result<Turn, EngineError> {
    if let Some(id) = &spec.resume
        && !looks_like_thread_id(id)
    {
        return Err(EngineError::UnknownThread { id: id.clone() });
    }
    // Codex (0.171) refuses a working dir whose path is not UTF-8 ("path contains invalid
    // UTF-8 characters") after it has started: said before, and how to get on.
    if config.cwd.to_str().is_none() {
        return Err(EngineError::Usage(format!(
            "Codex cannot work in {}: its path is not UTF-8, which Codex refuses; choose a folder whose name is (-C)",
            crate::text::bytes_literal(config.cwd.as_os_str().as_encoded_bytes())
        )));
    }
    match &config.backend {
        Backend::Mcp(_) if !spec.images.is_empty() => {
            return Err(EngineError::Usage(
                "images need the exec or app-server backend: the MCP `codex` tool takes no \
                 images"
                    .into(),
            ));
        }
        Backend::Mcp(client) => return Ok(client.start_turn(config, spec)),
        Backend::AppServer(handle) => return Ok(app_turn::start(config, handle.clone(), spec)),
        Backend::Exec => {}
    }
    let (tx, rx) = mpsc::channel(1024);
    let token = CancellationToken::new();
    let task = exec::spawn(config, spec, tx, token.clone())?;
    Ok(Turn {
        events: rx,
        interrupt: token.clone(),
        task,
        approver: None,
        steerer: None,
        _guard: token.drop_guard(),
    })
}

/// A thread id is a UUID; Codex treats anything else as a thread *name* and silently starts
/// a new thread, so ids are checked before use.
pub fn looks_like_thread_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A `-c key=value` value (TOML) as JSON, for backends that take config objects.
pub fn toml_to_json(v: &str) -> serde_json::Value {
    let v = v.trim();
    toml::from_str::<toml::Table>(&format!("x = {v}"))
        .ok()
        .and_then(|t| t.get("x").cloned())
        .and_then(|x| serde_json::to_value(x).ok())
        .unwrap_or_else(|| serde_json::Value::String(v.to_string()))
}

//! `codexmcp mcp-server`: the way any agent delegates to Codex — the `codex` / `codex-reply`
//! tools that Codex 0.154 removed, plus `codex-sessions`, `codex-diff`, `codex-undo` and
//! `codex-redo`, on any Codex version, over stdio or streamable HTTP (`--listen`, see `http`).
//!
//! Names, input schemas and result shape of `codex` / `codex-reply` match Codex 0.153's server,
//! so existing clients (the OpenAI Agents SDK's `MCPServerStdio`, MCP Inspector, IDE configs)
//! keep working; results gain `usage` and `changedFiles`. Warm by default: every call runs on
//! one long-lived `codex app-server` (a follow-up is a request, not a process), which lets go
//! of each thread when its call ends, so the TUI or `exec` can continue it. While a call runs,
//! every Codex event goes out as a `codex/event` notification (and as progress when the client
//! asked for it); approval requests become elicitations when the client can answer them.
//! `codex-reply` resumes any stored thread within the limits, also after a restart; calls on
//! different threads run concurrently; a second call on a busy thread fails at once with a
//! clear message; `notifications/cancelled` interrupts the turn, leaving the thread
//! resumable. Every call passes one policy gate (`gate`). Logs go to the log file; on stdio,
//! stdout is the protocol.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::Value;

use crate::cli::{EXIT_FAILED, EXIT_OK, McpServerArgs};
use crate::config::{McpServerFile, Settings};
use crate::engine::procs::Signals;
use crate::engine::{self, EngineConfig, EngineError};
use crate::session::{Session, Store};

mod admin;
mod calls;
mod gate;
mod http;
mod limits;
mod stdio;
mod tools;
mod verbs;
pub use limits::{DEFAULT_CONFIG_KEYS, Limits};
pub use tools::NAMES as TOOL_NAMES;

#[derive(Clone)]
pub struct CodexServer {
    limits: Limits,
    base: Result<EngineConfig, EngineError>,
    store: Option<Store>,
    /// The tools served (the deployer's choice).
    tools: Arc<Vec<Tool>>,
    busy: Arc<Mutex<HashSet<String>>>,
    /// Cancelled by SIGINT / SIGTERM / SIGHUP or the client closing stdin: every running
    /// call is interrupted.
    stop: tokio_util::sync::CancellationToken,
    /// Cancelled when the client closed stdin: nobody reads notifications any more.
    gone: tokio_util::sync::CancellationToken,
    inflight: Inflight,
}

/// The calls still running, so a shutdown lets their interrupted turns wind down (Codex
/// stops cleanly, the threads stay resumable) before the process exits.
#[derive(Clone, Default)]
struct Inflight(Arc<(std::sync::atomic::AtomicUsize, tokio::sync::Notify)>);

struct InflightCall(Inflight);

impl Inflight {
    fn enter(&self) -> InflightCall {
        self.0.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InflightCall(self.clone())
    }

    /// Returns once no call runs.
    async fn drained(&self) {
        loop {
            let notified = self.0.1.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.0.0.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for InflightCall {
    fn drop(&mut self) {
        if self.0.0.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            self.0.0.1.notify_waiters();
        }
    }
}

/// Serves until the client goes away (stdio) or a signal arrives. Returns the exit code.
/// Running turns are interrupted on the way out and the backend is shut down.
pub async fn run(settings: &Settings, args: &McpServerArgs, file: &McpServerFile) -> i32 {
    let usage = |e: &str| {
        eprintln!("codexmcp mcp-server: {e}");
        crate::cli::EXIT_USAGE
    };
    if settings.approvals == Some(crate::cli::ApprovalMode::Ask) {
        return usage(
            "--approvals ask needs a person to answer: the server asks its MCP client instead (elicitation), or declines when the client cannot answer; use accept or decline to answer for it",
        );
    }
    let limits = match Limits::resolve(args, file, settings) {
        Ok(l) => l,
        Err(e) => return usage(&e),
    };
    let chosen = if args.tools.is_empty() {
        &file.tools
    } else {
        &args.tools
    };
    let tools = match tools::select(chosen) {
        Ok(t) => t,
        Err(e) => return usage(&e),
    };
    let listen = match &args.listen {
        Some(addr) => match http::resolve(addr, args.token_env.as_deref(), &args.allow_host) {
            Ok(l) => Some(l),
            Err(e) => return usage(&e),
        },
        None => None,
    };
    let signals = Signals::watch();
    // The server *is* the MCP backend: were it to use `--backend mcp` itself (read from the
    // same config.toml), it would start another server, which would start another...
    let mut settings = settings.clone();
    if settings.backend == crate::cli::BackendKind::Mcp {
        tracing::info!("mcp-server: backend = mcp names this server itself; using exec");
        settings.backend = crate::cli::BackendKind::Exec;
    }
    // Warm by default: one long-lived app-server serves every call (a follow-up costs a
    // request, not a process); `--backend exec` keeps a process per call. A Codex without a
    // working app-server falls back to exec (see `engine::connect`).
    if !settings.backend_set {
        settings.backend = crate::cli::BackendKind::AppServer;
    }
    tracing::info!(
        max_sandbox = %limits.max_sandbox,
        cwd_roots = ?limits.cwd_roots,
        config_keys = ?limits.config_keys,
        "mcp-server: client limits"
    );
    let gone = tokio_util::sync::CancellationToken::new();
    let stop = tokio_util::sync::CancellationToken::new();
    {
        let (stop, signalled, gone) = (stop.clone(), signals.token(), gone.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = signalled.cancelled() => {}
                _ = gone.cancelled() => {}
            }
            stop.cancel();
        });
    }
    let default_sandbox = limits.default_sandbox;
    let hold_threads = args.hold_threads || file.hold_threads == Some(true);
    let base = engine::connect(&settings).await.map(|mut c| {
        c.sandbox = default_sandbox;
        if let engine::Backend::AppServer(handle) = &c.backend
            && !hold_threads
        {
            handle.one_server_per_use();
        }
        c
    });
    if let Err(e) = &base {
        tracing::error!("mcp-server: {e}");
    }
    let server = CodexServer {
        limits,
        base: base.clone(),
        store: Session::open_store(),
        tools: Arc::new(tools),
        busy: Arc::default(),
        stop,
        gone: gone.clone(),
        inflight: Inflight::default(),
    };
    let code = match listen {
        Some(l) => http::serve(server, l).await,
        None => serve_stdio(server, gone, &signals).await,
    };
    if let Ok(b) = base {
        b.shutdown().await;
    }
    code
}

async fn serve_stdio(
    server: CodexServer,
    gone: tokio_util::sync::CancellationToken,
    signals: &Signals,
) -> i32 {
    let inflight = server.inflight.clone();
    let transport = (stdio::WatchedStdin::new(gone), tokio::io::stdout());
    let running = match server.serve(transport).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("mcp-server handshake failed: {e}");
            eprintln!("codexmcp mcp-server: {e}");
            return EXIT_FAILED;
        }
    };
    let stop = signals.token();
    let wind_down = || tokio::time::timeout(std::time::Duration::from_secs(8), inflight.drained());
    tokio::select! {
        r = running.waiting() => {
            // The client left: its calls were interrupted as stdin closed.
            let _ = wind_down().await;
            match r {
                Ok(_) => EXIT_OK,
                Err(e) => {
                    tracing::error!("mcp-server stopped: {e}");
                    EXIT_FAILED
                }
            }
        },
        _ = stop.cancelled() => {
            tracing::info!("mcp-server: stopping on a signal; interrupting running calls");
            if wind_down().await.is_err() {
                tracing::warn!("mcp-server: calls still running after 8 s; exiting anyway");
            }
            EXIT_OK
        }
    }
}

/// What could not be saved (a thread's record, log or checkpoint), once each, on stderr (the
/// host's log of this server; stdout is the protocol). The log file has it too.
fn say_unsaved() {
    for what in crate::session::unsaved::take() {
        eprintln!("codexmcp mcp-server: {what}");
    }
}

/// A thread claimed by a running call; released when dropped, however the call ends.
struct Busy {
    set: Arc<Mutex<HashSet<String>>>,
    id: String,
}

impl Busy {
    fn claim(set: &Arc<Mutex<HashSet<String>>>, id: &str) -> Option<Self> {
        let fresh = set
            .lock()
            .map(|mut s| s.insert(id.to_string()))
            .unwrap_or(false);
        fresh.then(|| Busy {
            set: set.clone(),
            id: id.to_string(),
        })
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Ok(mut s) = self.set.lock() {
            s.remove(&self.id);
        }
    }
}

impl CodexServer {
    fn is_busy(&self, id: &str) -> bool {
        self.busy.lock().is_ok_and(|s| s.contains(id))
    }

    fn claim(&self, id: &str) -> Option<Busy> {
        Busy::claim(&self.busy, id)
    }

    /// `codex-reply`: the thread continues with its own settings, not the server's defaults.
    async fn reply(
        &self,
        args: &serde_json::Map<String, Value>,
        prompt: String,
        ctx: &RequestContext<RoleServer>,
    ) -> rmcp::model::CallToolResult {
        let id = args
            .get("threadId")
            .or(args.get("conversationId"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !engine::looks_like_thread_id(&id) {
            let msg = format!(
                "Failed to parse thread_id: {id:?} is not a thread id (pass the threadId a codex call returned)"
            );
            return tools::result(&id, &msg, true);
        }
        let Some(_claim) = self.claim(&id) else {
            let msg =
                format!("thread {id} is busy with another call; retry when that call has finished");
            return tools::result(&id, &msg, true);
        };
        match self.config_for_reply(&id) {
            Ok(cfg) => self.run_turn(cfg, prompt, Some(id.clone()), ctx).await,
            Err(e) => tools::result(&id, &e, true),
        }
    }
}

impl ServerHandler for CodexServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("codexmcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Codex as MCP tools: `codex` starts a session, `codex-reply` continues one by threadId; \
                 `codex-sessions` lists threads, `codex-diff` shows what a turn changed, `codex-undo` takes it back, `codex-redo` puts it back.",
            )
    }

    async fn list_tools(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult {
            tools: self.tools.as_ref().clone(),
            ..ListToolsResult::default()
        })
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.as_ref();
        if !self.tools.iter().any(|t| t.name == name) {
            return Err(ErrorData::invalid_params(
                format!("unknown tool {}", crate::text::one_line(name, 80)),
                None,
            ));
        }
        let args = request.arguments.clone().unwrap_or_default();
        let prompt = args
            .get("prompt")
            .and_then(Value::as_str)
            .filter(|p| !p.trim().is_empty())
            .map(str::to_string);
        let out = match (name, prompt) {
            ("codex-sessions", _) => self.sessions(&args),
            ("codex-diff", _) => self.diff(&args).await,
            ("codex-undo", _) => self.rewind(&args, false).await,
            ("codex-redo", _) => self.rewind(&args, true).await,
            ("codex-fork", _) => self.fork(&args).await,
            ("codex-review", _) => self.review(&args).await,
            (_, None) => tools::result("", "missing required argument `prompt`", true),
            ("codex", Some(prompt)) => match self.config_for(&args) {
                Ok(cfg) => self.run_turn(cfg, prompt, None, &ctx).await,
                Err(e) => tools::result(
                    "",
                    &format!("Failed to parse configuration for Codex tool: {e}"),
                    true,
                ),
            },
            (_, Some(prompt)) => self.reply(&args, prompt, &ctx).await,
        };
        Ok(CallToolResponse::Complete(out))
    }
}

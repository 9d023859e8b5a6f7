//! `codexmcp mcp-server`: the `codex` / `codex-reply` tools that Codex 0.154 removed, served
//! over stdio with rmcp, on any Codex version.
//!
//! Names, input schemas and `outputSchema` match Codex 0.153's server, so existing clients
//! (the OpenAI Agents SDK's `MCPServerStdio`, MCP Inspector, IDE configs) keep working. While
//! a call runs, every Codex event goes out as a `codex/event` notification (and as an MCP
//! progress notification when the client asked for progress). Better than the original:
//! `codex-reply` resumes any stored thread, also after a restart; calls on different threads
//! run concurrently; a second call on a busy thread fails at once with a clear message; and
//! `notifications/cancelled` interrupts the turn, leaving the thread resumable. Logs go to the
//! log file; stdout is the protocol.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, CustomNotification,
    Implementation, ListToolsResult, PaginatedRequestParams, ProgressNotificationParam,
    ServerCapabilities, ServerConfig, ServerNotification, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::{Map, Value, json};

use crate::cli::{ApprovalPolicy, EXIT_FAILED, EXIT_OK, SandboxMode};
use crate::config::Settings;
use crate::engine::mcp_events as events;
use crate::engine::procs::Signals;
use crate::engine::{self, CodexEvent, EngineConfig, EngineError, TurnStatus};
use crate::session::{Session, Store};

mod gate;
mod limits;
mod stdio;
pub use limits::{DEFAULT_CONFIG_KEYS, Limits};

#[derive(Clone)]
pub struct CodexServer {
    limits: Limits,
    base: Result<EngineConfig, EngineError>,
    store: Option<Store>,
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

/// Serves on stdin/stdout until the client goes away or a signal arrives. Returns the exit
/// code. Running turns are interrupted on the way out and the backend is shut down.
pub async fn run(settings: &Settings, limits: Limits) -> i32 {
    if settings.approvals == Some(crate::cli::ApprovalMode::Ask) {
        eprintln!(
            "codexmcp mcp-server: --approvals ask needs a person to answer, and an MCP server has none: use accept or decline"
        );
        return crate::cli::EXIT_USAGE;
    }
    let signals = Signals::watch();
    // The server *is* the MCP backend: were it to use `--backend mcp` itself (read from the
    // same config.toml), it would start another server, which would start another...
    let mut settings = settings.clone();
    if settings.backend == crate::cli::BackendKind::Mcp {
        tracing::info!("mcp-server: backend = mcp names this server itself; using exec");
        settings.backend = crate::cli::BackendKind::Exec;
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
    let server = CodexServer {
        limits,
        base: engine::connect(&settings).await.map(|mut c| {
            c.sandbox = default_sandbox;
            c
        }),
        store: Session::open_store(),
        busy: Arc::default(),
        stop,
        gone: gone.clone(),
        inflight: Inflight::default(),
    };
    let inflight = server.inflight.clone();
    if let Err(e) = &server.base {
        tracing::error!("mcp-server: {e}");
    }
    let base = server.base.clone();
    let transport = (stdio::WatchedStdin::new(gone), tokio::io::stdout());
    let code = match server.serve(transport).await {
        Ok(running) => {
            let stop = signals.token();
            tokio::select! {
                r = running.waiting() => {
                    // The client left: its calls were interrupted as stdin closed.
                    let _ = tokio::time::timeout(
                        std::time::Duration::from_secs(8),
                        inflight.drained(),
                    )
                    .await;
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
                    let wound_down = tokio::time::timeout(
                        std::time::Duration::from_secs(8),
                        inflight.drained(),
                    )
                    .await;
                    if wound_down.is_err() {
                        tracing::warn!("mcp-server: calls still running after 8 s; exiting anyway");
                    }
                    EXIT_OK
                }
            }
        }
        Err(e) => {
            tracing::error!("mcp-server handshake failed: {e}");
            eprintln!("codexmcp mcp-server: {e}");
            EXIT_FAILED
        }
    };
    if let Ok(b) = base {
        b.shutdown().await;
    }
    code
}

fn schema(v: Value) -> Arc<Map<String, Value>> {
    Arc::new(v.as_object().cloned().unwrap_or_default())
}

pub fn tools() -> Vec<Tool> {
    let output = schema(json!({"type": "object", "properties": {
        "threadId": {"type": "string"}, "content": {"type": "string"}}, "required": ["threadId", "content"]}));
    let codex = schema(json!({
    "type": "object", "additionalProperties": false, "required": ["prompt"],
    "properties": {
        "prompt": {"type": "string", "description": "The initial user prompt to start the Codex conversation."},
        "approval-policy": {"type": "string", "enum": ApprovalPolicy::names(), "description": "Approval policy for shell commands generated by the model."},
        "sandbox": {"type": "string", "enum": SandboxMode::names(), "description": "Sandbox mode."},
        "cwd": {"type": "string", "description": "Working directory for the session. If relative, it is resolved against the server process's current working directory."},
        "model": {"type": "string", "description": "Optional override for the model name."},
        "config": {"type": "object", "additionalProperties": true, "description": "Individual config settings that override config.toml."},
        "base-instructions": {"type": "string", "description": "The set of instructions to use instead of the default ones."},
        "developer-instructions": {"type": "string", "description": "Developer instructions to inject as a developer role message."},
        "compact-prompt": {"type": "string", "description": "Prompt used when compacting the conversation."}
    }}));
    let reply = schema(json!({
    "type": "object", "required": ["prompt"],
    "properties": {
        "prompt": {"type": "string", "description": "The next user prompt to continue the Codex conversation."},
        "threadId": {"type": "string", "description": "The thread id for this Codex session."},
        "conversationId": {"type": "string", "description": "DEPRECATED: use threadId instead."}
    }}));
    let mut a = Tool::new(
        "codex",
        "Run a Codex session. Accepts configuration parameters matching the Codex Config struct.",
        codex,
    );
    a.title = Some("Codex".into());
    a.output_schema = Some(output.clone());
    let mut b = Tool::new(
        "codex-reply",
        "Continue a Codex conversation by providing the thread id and prompt.",
        reply,
    );
    b.title = Some("Codex Reply".into());
    b.output_schema = Some(output);
    vec![a, b]
}

/// A tool result in the shape of Codex 0.153's: text content plus `{threadId, content}`.
fn result(thread_id: &str, content: &str, error: bool) -> CallToolResult {
    let mut r = if error {
        CallToolResult::error(vec![ContentBlock::text(content)])
    } else {
        CallToolResult::success(vec![ContentBlock::text(content)])
    };
    r.structured_content = Some(json!({"threadId": thread_id, "content": content}));
    r
}

impl CodexServer {
    async fn run_turn(
        &self,
        cfg: EngineConfig,
        prompt: String,
        resume: Option<String>,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        let _call = self.inflight.enter();
        let cwd = cfg.cwd.display().to_string();
        let session = match &resume {
            Some(id) => Session::resume(cfg, self.store.clone(), id),
            None => Ok(Session::new(cfg, self.store.clone())),
        };
        let mut session = match session {
            Ok(s) => s.labelled("mcp-server").stop_on(self.stop.clone()),
            Err(e) => return result(resume.as_deref().unwrap_or(""), &e.to_string(), true),
        };
        // The client's cancellation and our own shutdown both interrupt the turn; the events
        // that follow (`turn_aborted`) still reach the client.
        let cancel = self.stop.child_token();
        let client_cancel = ctx.ct.clone();
        let relay = {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                client_cancel.cancelled().await;
                tracing::info!("mcp-server: call cancelled by the client; interrupting");
                cancel.cancel();
            })
        };
        let mut turn = match session.run(&prompt, cancel).await {
            Ok(t) => t,
            Err(e) => {
                relay.abort();
                return result(resume.as_deref().unwrap_or(""), &e.to_string(), true);
            }
        };
        say_unsaved();
        let progress = ctx.meta.get_progress_token();
        let mut last_message: Option<String> = None;
        let mut step = 0.0;
        while let Some(ev) = turn.next().await {
            if let CodexEvent::ItemCompleted { item } = &ev
                && let crate::engine::ItemKind::AgentMessage { text } = &item.kind
            {
                last_message = Some(text.clone());
            }
            let thread = turn.thread_id().unwrap_or_default().to_string();
            for msg in events::to_msgs(&ev, &cwd, last_message.as_deref()) {
                let params = json!({"_meta": {"requestId": ctx.id, "threadId": thread}, "id": "", "msg": msg});
                let note = ServerNotification::CustomNotification(CustomNotification::new(
                    "codex/event",
                    Some(params),
                ));
                // Once the client is gone nobody reads these, and rmcp would wait forever.
                if self.gone.is_cancelled() {
                    continue;
                }
                tokio::select! {
                    _ = ctx.peer.send_notification(note) => {}
                    _ = self.gone.cancelled() => continue,
                }
                if let Some(token) = &progress {
                    step += 1.0;
                    let mut note = ProgressNotificationParam::new(token.clone(), step);
                    if let Some(kind) = msg["type"].as_str() {
                        note = note.with_message(kind);
                    }
                    tokio::select! {
                        _ = ctx.peer.notify_progress(note) => {}
                        _ = self.gone.cancelled() => {}
                    }
                }
            }
        }
        let outcome = turn.finish().await;
        relay.abort();
        say_unsaved();
        let thread = outcome.thread_id.clone().or(resume).unwrap_or_default();
        match outcome.status {
            TurnStatus::Completed => result(
                &thread,
                outcome.last_message.as_deref().unwrap_or(""),
                false,
            ),
            TurnStatus::Interrupted => result(&thread, "the turn was interrupted", true),
            TurnStatus::Failed(e) => result(&thread, &e.to_string(), true),
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

impl ServerHandler for CodexServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("codexmcp", env!("CARGO_PKG_VERSION")))
            .with_instructions("Codex as MCP tools: `codex` starts a session, `codex-reply` continues one by threadId.")
    }

    async fn list_tools(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult {
            tools: tools(),
            ..ListToolsResult::default()
        })
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.clone().unwrap_or_default();
        let prompt = args
            .get("prompt")
            .and_then(Value::as_str)
            .filter(|p| !p.trim().is_empty())
            .map(str::to_string);
        let out = match (request.name.as_ref(), prompt) {
            (_, None) => result("", "missing required argument `prompt`", true),
            ("codex", Some(prompt)) => match self.config_for(&args) {
                Ok(cfg) => self.run_turn(cfg, prompt, None, &ctx).await,
                Err(e) => result(
                    "",
                    &format!("Failed to parse configuration for Codex tool: {e}"),
                    true,
                ),
            },
            ("codex-reply", Some(prompt)) => {
                let id = args
                    .get("threadId")
                    .or(args.get("conversationId"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if !engine::looks_like_thread_id(&id) {
                    result(
                        &id,
                        &format!(
                            "Failed to parse thread_id: {id:?} is not a thread id (pass the threadId a codex call returned)"
                        ),
                        true,
                    )
                } else if let Some(_claim) = Busy::claim(&self.busy, &id) {
                    // The thread continues with its own settings, not the server's defaults.
                    match self.config_for_reply(&id) {
                        Ok(cfg) => self.run_turn(cfg, prompt, Some(id.clone()), &ctx).await,
                        Err(e) => result(&id, &e, true),
                    }
                } else {
                    result(
                        &id,
                        &format!(
                            "thread {id} is busy with another call; retry when that call has finished"
                        ),
                        true,
                    )
                }
            }
            (other, _) => {
                return Err(ErrorData::invalid_params(
                    format!("unknown tool {other}"),
                    None,
                ));
            }
        };
        Ok(CallToolResponse::Complete(out))
    }
}

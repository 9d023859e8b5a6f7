//! The MCP client backend (`--backend mcp`): Codex turns through any MCP server that has the
//! `codex` / `codex-reply` tools — the proof of concept's exact path.
//!
//! One server process per codexmcp process (`codex mcp-server` on Codex ≤ 0.153, else
//! `codexmcp mcp-server`, or `--mcp-command`), spawned with rmcp, its stderr drained into the
//! log. Each turn is one `tools/call`; its `codex/event` notifications are routed by request
//! id into the turn's event stream (notifications that beat the registration are buffered),
//! decoded into `CodexEvent`s, and an interrupt sends `notifications/cancelled`. There is no
//! client timeout on the call: a Codex turn takes as long as it takes.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CancelledNotificationParam, ClientCapabilities,
    ClientConfig, ClientRequest, CustomNotification, GetMeta, Implementation, ServerResult,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RoleClient, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ServiceExt};
use serde_json::{Map, Value, json};
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::mcp_events::Decoder;
use super::{
    CodexBinary, CodexEvent, EngineConfig, EngineError, Turn, TurnOutcome, TurnSpec, TurnStatus,
};

/// The MCP server for `--backend mcp`. The version gate is explicit: `codex mcp-server` only
/// on a Codex that still has it (≤ 0.153), else codexmcp's own server.
pub fn server_command(
    codex: &CodexBinary,
    configured: Option<&str>,
) -> Result<Vec<String>, EngineError> {
    let command = match configured {
        Some(c) => c.split_whitespace().map(str::to_string).collect(),
        None if codex.has_mcp_server() => {
            vec![codex.path.display().to_string(), "mcp-server".into()]
        }
        None => {
            let me = std::env::current_exe().map_err(|e| EngineError::Spawn(e.to_string()))?;
            vec![
                me.display().to_string(),
                "mcp-server".into(),
                // Never `mcp` again inside: the child reads the same config.toml.
                "--backend".into(),
                "exec".into(),
                "--codex-bin".into(),
                codex.path.display().to_string(),
            ]
        }
    };
    tracing::info!(?command, "starting the MCP backend");
    Ok(command)
}

#[derive(Default)]
struct Routes {
    live: HashMap<String, mpsc::UnboundedSender<Value>>,
    early: HashMap<String, Vec<Value>>,
}

#[derive(Clone)]
struct Router {
    routes: Arc<Mutex<Routes>>,
}

impl ClientHandler for Router {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("codexmcp", env!("CARGO_PKG_VERSION")),
        )
    }

    async fn on_custom_notification(
        &self,
        n: CustomNotification,
        ctx: NotificationContext<RoleClient>,
    ) {
        if n.method != "codex/event" {
            return;
        }
        // rmcp moves `params._meta` into the notification's metadata.
        let id = ctx
            .meta
            .get("requestId")
            .or(n.get_meta().get("requestId"))
            .map(Value::to_string)
            .unwrap_or_default();
        let params = n.params.unwrap_or_default();
        let msg = params["msg"].clone();
        tracing::trace!(%id, kind = %msg["type"], meta = ?ctx.meta, params = ?params.get("_meta"), "codex/event");
        if let Ok(mut r) = self.routes.lock() {
            // rmcp 3.11 drops `params._meta` of custom notifications on the way in, so the
            // request id is often missing: then the only call in flight is the owner.
            let only = (r.live.len() == 1)
                .then(|| r.live.keys().next().cloned())
                .flatten();
            let key = if id.is_empty() || id == "null" {
                only.unwrap_or_default()
            } else {
                id
            };
            match r.live.get(&key) {
                Some(tx) => {
                    let _ = tx.send(msg);
                }
                None => r.early.entry(key).or_default().push(msg),
            }
        }
    }
}

pub struct McpClient {
    peer: rmcp::service::Peer<RoleClient>,
    /// The connection (and through it the server process); taken by [`McpClient::close`].
    service: tokio::sync::Mutex<Option<RunningService<RoleClient, Router>>>,
    routes: Arc<Mutex<Routes>>,
    pub command: Vec<String>,
}

impl std::fmt::Debug for McpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpClient")
            .field("command", &self.command)
            .finish()
    }
}

impl McpClient {
    /// Spawns the server and completes the MCP handshake (bounded: a program that is not an
    /// MCP server would otherwise hang it).
    pub async fn start(
        command: Vec<String>,
        env: &[(String, String)],
    ) -> Result<Self, EngineError> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| EngineError::Spawn("empty --mcp-command".into()))?;
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env(super::procs::MARKER_VAR, super::procs::new_marker());
        super::procs::guard_children();
        let (transport, stderr) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                EngineError::Spawn(format!(
                    "cannot start MCP server `{}`: {e}",
                    command.join(" ")
                ))
            })?;
        if let Some(err) = stderr {
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(err).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::debug!(target: "mcp_server_stderr", "{line}");
                }
            });
        }
        let routes = Arc::new(Mutex::new(Routes::default()));
        let router = Router {
            routes: routes.clone(),
        };
        let service = tokio::time::timeout(Duration::from_secs(30), router.serve(transport))
            .await
            .map_err(|_| {
                EngineError::Spawn(format!(
                    "`{}` did not answer the MCP handshake in 30s",
                    command.join(" ")
                ))
            })?
            .map_err(|e| {
                EngineError::Spawn(format!(
                    "MCP handshake with `{}` failed: {e}",
                    command.join(" ")
                ))
            })?;
        tracing::info!(server = ?service.peer_info().and_then(|i| i.server_info.as_ref().map(|s| s.name.clone())), "MCP backend connected");
        Ok(Self {
            peer: service.peer().clone(),
            service: tokio::sync::Mutex::new(Some(service)),
            routes,
            command,
        })
    }

    /// Ends the connection and waits (bounded) for the server to go away.
    pub async fn close(&self) {
        if let Some(mut service) = self.service.lock().await.take() {
            let _ = service.close_with_timeout(Duration::from_secs(5)).await;
        }
    }

    fn register(&self, id: &str) -> mpsc::UnboundedReceiver<Value> {
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut r) = self.routes.lock() {
            let mut early = r.early.remove(id).unwrap_or_default();
            if r.live.is_empty() {
                early.extend(r.early.remove("").unwrap_or_default());
            }
            for msg in early {
                let _ = tx.send(msg);
            }
            r.live.insert(id.to_string(), tx);
        }
        rx
    }

    fn unregister(&self, id: &str) {
        if let Ok(mut r) = self.routes.lock() {
            r.live.remove(id);
            r.early.remove(id);
        }
    }

    /// One turn: `codex` for a new thread, `codex-reply` to continue one.
    pub fn start_turn(self: &Arc<Self>, config: &EngineConfig, spec: TurnSpec) -> Turn {
        let (tx, rx) = mpsc::channel(1024);
        let token = CancellationToken::new();
        let mut args = Map::new();
        args.insert("prompt".into(), json!(spec.prompt));
        let name = match &spec.resume {
            Some(id) => {
                args.insert("threadId".into(), json!(id));
                "codex-reply"
            }
            None => {
                args.insert("sandbox".into(), json!(config.sandbox));
                args.insert("approval-policy".into(), json!(config.approval_policy));
                args.insert("cwd".into(), json!(config.cwd.display().to_string()));
                if let Some(m) = &config.model {
                    args.insert("model".into(), json!(m));
                }
                let overrides: Map<String, Value> = config
                    .overrides
                    .iter()
                    .filter_map(|o| o.split_once('='))
                    .map(|(k, v)| (k.trim().to_string(), super::toml_to_json(v)))
                    .collect();
                if !overrides.is_empty() {
                    args.insert("config".into(), Value::Object(overrides));
                }
                "codex"
            }
        };
        let client = self.clone();
        let cancel = token.clone();
        let task = tokio::spawn(async move { client.drive(name, args, spec, tx, cancel).await });
        Turn::from_parts(rx, token, task)
    }

    async fn drive(
        &self,
        name: &'static str,
        args: Map<String, Value>,
        spec: TurnSpec,
        tx: mpsc::Sender<CodexEvent>,
        cancel: CancellationToken,
    ) -> TurnOutcome {
        let mut decoder = Decoder::new(spec.prior_total);
        let fail = |e: EngineError, thread: Option<String>| TurnOutcome {
            thread_id: thread,
            status: TurnStatus::Failed(e),
            total: spec.prior_total,
            last_message: None,
        };
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(
            CallToolRequestParams::new(name).with_arguments(args),
        ));
        let options = PeerRequestOptions::no_options(); // no client timeout: turns take as long as they take
        let peer = self.peer.clone();
        let handle = match peer.send_cancellable_request(request, options).await {
            Ok(h) => h,
            Err(e) => {
                return fail(
                    EngineError::Crashed {
                        status: "MCP server gone".into(),
                        detail: e.to_string(),
                    },
                    spec.resume,
                );
            }
        };
        let request_id = handle.id.clone();
        let key = serde_json::to_value(&request_id)
            .map(|v| v.to_string())
            .unwrap_or_default();
        tracing::debug!(%key, "tools/call sent");
        let mut routed = self.register(&key);
        if let Some(id) = &spec.resume {
            let _ = tx
                .send(CodexEvent::ThreadStarted {
                    thread_id: id.clone(),
                })
                .await;
        }
        let response = handle.await_response();
        tokio::pin!(response);
        let mut interrupted = false;
        let result = loop {
            tokio::select! {
                Some(msg) = routed.recv() => forward(&mut decoder, &msg, &tx, spec.resume.is_some()).await,
                r = &mut response, if !interrupted => break Some(r),
                _ = cancel.cancelled(), if !interrupted => {
                    interrupted = true;
                    let note = CancelledNotificationParam::new(Some(request_id.clone()), Some("interrupted by the user".into()));
                    let _ = peer.notify_cancelled(note).await;
                }
                _ = tokio::time::sleep(Duration::from_secs(2)), if interrupted => break None,
            }
        };
        // Late notifications: take what has already arrived.
        tokio::time::sleep(Duration::from_millis(20)).await;
        while let Ok(msg) = routed.try_recv() {
            forward(&mut decoder, &msg, &tx, spec.resume.is_some()).await;
        }
        self.unregister(&key);
        let thread = decoder.thread_id.clone().or(spec.resume.clone());
        let total = decoder_total(&decoder, spec.prior_total);
        let Some(result) = result else {
            if !decoder.aborted {
                let _ = tx
                    .send(CodexEvent::TurnInterrupted {
                        reason: "interrupted by the user".into(),
                    })
                    .await;
            }
            return TurnOutcome {
                thread_id: thread,
                status: TurnStatus::Interrupted,
                total,
                last_message: None,
            };
        };
        let r = match result {
            Ok(ServerResult::CallToolResult(r)) => r,
            Ok(other) => {
                return fail(
                    EngineError::Crashed {
                        status: "unexpected MCP response".into(),
                        detail: format!("{other:?}"),
                    },
                    thread,
                );
            }
            Err(e) => {
                let e = EngineError::Crashed {
                    status: "MCP server error".into(),
                    detail: e.to_string(),
                };
                let _ = tx.send(e.event()).await;
                return fail(e, thread);
            }
        };
        let structured = r.structured_content.clone().unwrap_or_default();
        let text: String = r
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect::<Vec<_>>()
            .join("\n");
        let content = structured["content"]
            .as_str()
            .map(str::to_string)
            .unwrap_or(text);
        let thread = structured["threadId"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .or(thread);
        if r.is_error == Some(true) {
            let e = EngineError::classify(&content, spec.resume.as_deref()).unwrap_or(
                EngineError::ModelHttp {
                    detail: content.clone(),
                },
            );
            let _ = tx
                .send(CodexEvent::TurnFailed {
                    message: content.clone(),
                })
                .await;
            let _ = tx.send(e.event()).await;
            return fail(e, thread);
        }
        if !decoder.completed {
            let _ = tx
                .send(CodexEvent::TurnCompleted {
                    usage: Default::default(),
                    total,
                })
                .await;
        }
        TurnOutcome {
            thread_id: thread,
            status: TurnStatus::Completed,
            total,
            last_message: Some(content),
        }
    }
}

fn decoder_total(d: &Decoder, prior: super::Usage) -> super::Usage {
    d.total_usage().unwrap_or(prior)
}

async fn forward(decoder: &mut Decoder, msg: &Value, tx: &mpsc::Sender<CodexEvent>, resumed: bool) {
    for ev in decoder.decode(msg) {
        // On codex-reply the thread was announced up front.
        if resumed && matches!(ev, CodexEvent::ThreadStarted { .. }) {
            continue;
        }
        let _ = tx.send(ev).await;
    }
}

//! The app-server backend: one long-lived `codex app-server` (JSON-RPC over stdio) per
//! codexmcp process, for token streaming, clean interrupts and approvals.
//!
//! [`AppServer`] owns the child and one reader task. Responses are matched to pending requests
//! by id; notifications and the server's own requests are routed to the turn that owns their
//! `threadId`. A server request nobody claims is answered with an error at once — a pending
//! one would block Codex's turn. [`Handle`] restarts the server lazily when it died, so a
//! crash costs one failed turn, never the app. After an interrupt, processes the server started
//! for the turn (background terminals, which `turn/interrupt` leaves running) are killed by
//! the run marker, sparing the server itself.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::EngineConfig;
use super::error::EngineError;
use super::jsonl::LineReader;
use super::procs::{self, MARKER_VAR};

/// A message from the server for one thread.
#[derive(Debug)]
pub enum Incoming {
    Notification {
        method: String,
        params: Value,
    },
    Request {
        id: Value,
        method: String,
        params: Value,
    },
}

type Pending = Mutex<HashMap<i64, oneshot::Sender<Result<Value, String>>>>;

pub struct AppServer {
    /// `None` once [`AppServer::shutdown`] closed it.
    stdin: tokio::sync::Mutex<Option<ChildStdin>>,
    pending: Arc<Pending>,
    routes: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Incoming>>>>,
    next_id: AtomicI64,
    /// Cancelled when the server's stdout closes (exit or crash).
    pub gone: CancellationToken,
    pub marker: String,
    pub pid: Option<u32>,
    child: Mutex<Option<Child>>,
    stderr_tail: Arc<Mutex<Vec<String>>>,
}

impl AppServer {
    /// Spawns `codex app-server` and completes `initialize` / `initialized`.
    pub async fn start(config: &EngineConfig) -> Result<Arc<Self>, EngineError> {
        let marker = procs::new_marker();
        procs::guard_children();
        let mut child = tokio::process::Command::new(&config.codex.path)
            .arg("app-server")
            .envs(config.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env(MARKER_VAR, &marker)
            .env_remove("RUST_BACKTRACE")
            .current_dir(&config.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| EngineError::Spawn(format!("codex app-server: {e}")))?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| EngineError::Spawn("no stdin".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| EngineError::Spawn("no stdout".into()))?;
        let stderr_tail = Arc::new(Mutex::new(Vec::new()));
        if let Some(err) = child.stderr.take() {
            let tail = stderr_tail.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(err).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::debug!(target: "codex_app_server_stderr", "{line}");
                    if let Ok(mut t) = tail.lock() {
                        if t.len() == 20 {
                            t.remove(0);
                        }
                        t.push(line);
                    }
                }
            });
        }
        let server = Arc::new(Self {
            stdin: tokio::sync::Mutex::new(Some(stdin)),
            pending: Arc::default(),
            routes: Arc::default(),
            next_id: AtomicI64::new(1),
            gone: CancellationToken::new(),
            marker,
            pid: child.id(),
            child: Mutex::new(Some(child)),
            stderr_tail,
        });
        tokio::spawn(Self::read_loop(server.clone(), stdout));
        // The experimental API carries plan mode (`collaborationMode` on `turn/start`).
        let init = json!({
            "clientInfo": {"name": "codexmcp", "title": "codexmcp", "version": env!("CARGO_PKG_VERSION")},
            "capabilities": {"experimentalApi": true},
        });
        match tokio::time::timeout(Duration::from_secs(20), server.request("initialize", init))
            .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                return Err(EngineError::Spawn(format!(
                    "codex app-server initialize: {e}"
                )));
            }
            Err(_) => {
                return Err(EngineError::Spawn(
                    "codex app-server did not answer initialize in 20s".into(),
                ));
            }
        }
        server.send(json!({"method": "initialized"})).await?;
        tracing::info!(pid = ?server.pid, "codex app-server started");
        Ok(server)
    }

    async fn read_loop(me: Arc<Self>, stdout: tokio::process::ChildStdout) {
        let mut lines = LineReader::new(BufReader::new(stdout));
        while let Ok(Some(line)) = lines.next_line().await {
            let Ok(msg) = serde_json::from_slice::<Value>(&line.bytes) else {
                tracing::warn!("app-server: unreadable line ({} bytes)", line.bytes.len());
                continue;
            };
            me.dispatch(msg).await;
        }
        me.gone.cancel();
        // Fail everything still waiting.
        if let Ok(mut p) = me.pending.lock() {
            for (_, tx) in p.drain() {
                let _ = tx.send(Err("codex app-server exited".into()));
            }
        }
        tracing::warn!("codex app-server stdout closed");
    }

    async fn dispatch(&self, msg: Value) {
        let method = msg["method"].as_str().map(str::to_string);
        match (method, msg.get("id").cloned()) {
            (None, Some(id)) => {
                let Some(id) = id.as_i64() else { return };
                let waiter = self.pending.lock().ok().and_then(|mut p| p.remove(&id));
                if let Some(tx) = waiter {
                    let result = match msg.get("error") {
                        Some(e) => Err(e["message"].as_str().unwrap_or("error").to_string()),
                        None => Ok(msg["result"].clone()),
                    };
                    let _ = tx.send(result);
                }
            }
            (Some(method), id) => {
                tracing::trace!(%method, "app-server message");
                let params = msg["params"].clone();
                let thread = params["threadId"]
                    .as_str()
                    .or(params["thread"]["id"].as_str())
                    .unwrap_or("")
                    .to_string();
                // The account's rate limits concern every turn: each running one hears them.
                if thread.is_empty() && method == "account/rateLimits/updated" {
                    let routes: Vec<_> = self
                        .routes
                        .lock()
                        .map(|r| r.values().cloned().collect())
                        .unwrap_or_default();
                    for tx in routes {
                        let _ = tx.send(Incoming::Notification {
                            method: method.clone(),
                            params: params.clone(),
                        });
                    }
                    return;
                }
                let route = self
                    .routes
                    .lock()
                    .ok()
                    .and_then(|r| r.get(&thread).cloned());
                let incoming = match id {
                    Some(id) => Incoming::Request { id, method, params },
                    None => Incoming::Notification { method, params },
                };
                match (route, incoming) {
                    (Some(tx), incoming) => {
                        if let Err(mpsc::error::SendError(Incoming::Request {
                            id, method, ..
                        })) = tx.send(incoming)
                        {
                            self.reject(id, &method).await;
                        }
                    }
                    (None, Incoming::Request { id, method, .. }) => self.reject(id, &method).await,
                    (None, Incoming::Notification { method, .. }) => {
                        tracing::trace!(%method, "app-server notification without a turn")
                    }
                }
            }
            _ => {}
        }
    }

    /// Answers a server request nobody handles, so Codex never waits on it.
    async fn reject(&self, id: Value, method: &str) {
        tracing::warn!(%method, "app-server request without a handler; answering with an error");
        let _ = self.send(json!({"id": id, "error": {"code": -32601, "message": format!("codexmcp does not handle {method}")}})).await;
    }

    async fn send(&self, msg: Value) -> Result<(), EngineError> {
        let mut line = msg.to_string();
        line.push('\n');
        let mut guard = self.stdin.lock().await;
        let stdin = guard
            .as_mut()
            .ok_or_else(|| self.died("it was shut down"))?;
        stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| self.died(&e.to_string()))?;
        stdin.flush().await.map_err(|e| self.died(&e.to_string()))
    }

    fn died(&self, why: &str) -> EngineError {
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| t.join("\n"))
            .unwrap_or_default();
        EngineError::Crashed {
            status: "codex app-server gone".into(),
            detail: format!("{why}; {}", super::error::first_meaningful_line(&tail)),
        }
    }

    pub async fn request(&self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.insert(id, tx);
        }
        self.send(json!({"id": id, "method": method, "params": params}))
            .await
            .map_err(|e| e.to_string())?;
        tokio::select! {
            r = rx => r.unwrap_or_else(|_| Err("codex app-server exited".into())),
            _ = self.gone.cancelled() => Err(self.died("exited during a request").to_string()),
        }
    }

    pub async fn respond(&self, id: Value, result: Value) {
        let _ = self.send(json!({"id": id, "result": result})).await;
    }

    pub fn route(&self, thread: &str) -> mpsc::UnboundedReceiver<Incoming> {
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut r) = self.routes.lock() {
            r.insert(thread.to_string(), tx);
        }
        rx
    }

    pub fn unroute(&self, thread: &str) {
        if let Ok(mut r) = self.routes.lock() {
            r.remove(thread);
        }
    }

    pub fn is_gone(&self) -> bool {
        self.gone.is_cancelled()
    }

    /// Kills what the server started (background terminals) but not the server.
    pub fn kill_children(&self) {
        let me = self.pid.map(|p| p as i32);
        for pid in procs::marked(&self.marker)
            .into_iter()
            .filter(|p| Some(*p) != me)
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

impl AppServer {
    /// Closes stdin (the server exits and takes its commands with it), waits up to two
    /// seconds for the exit, then kills whatever is left.
    pub async fn shutdown(&self) {
        self.stdin.lock().await.take();
        let child = self.child.lock().ok().and_then(|mut c| c.take());
        if let Some(mut child) = child
            && tokio::time::timeout(Duration::from_secs(2), child.wait())
                .await
                .is_err()
        {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
        procs::kill_marked(&self.marker);
    }
}

impl Drop for AppServer {
    fn drop(&mut self) {
        // Closing stdin ends the server and its commands; kill_on_drop and the marker are
        // the backstops.
        if let Ok(mut c) = self.child.lock()
            && let Some(mut child) = c.take()
        {
            let _ = child.start_kill();
        }
        procs::kill_marked(&self.marker);
    }
}

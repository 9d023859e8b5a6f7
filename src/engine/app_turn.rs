//! One turn on the app-server backend: `thread/start` or `thread/resume`, `turn/start`, then
//! the thread's notifications until `turn/completed`.
//!
//! Approval requests are always answered: by the configured policy at once (headless,
//! `mcp-server`), or by the user through the turn's [`Approver`] (the TUI's modal). Every
//! decision becomes an `approval.resolved` event and a log line. An interrupt sends
//! `turn/interrupt`, waits briefly for `turn/completed`, then kills what the turn left running.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::app_handle::Handle;
use super::app_server::{AppServer, Incoming};
use super::app_server_events::Decoder;
use super::error::EngineError;
use super::{
    ApprovalDecision, ApprovalKind, ApprovalMode, Approver, CodexEvent, EngineConfig, ItemKind,
    Steerer, Turn, TurnOutcome, TurnSpec, TurnStatus,
};

/// How long `thread/start`, `thread/resume` and `turn/start` may take.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How a start request ended.
enum Start {
    Done(Value),
    Failed(String),
    Cancelled,
}

pub fn start(config: &EngineConfig, backend: Arc<Handle>, spec: TurnSpec) -> Turn {
    let (tx, rx) = mpsc::channel(1024);
    let token = CancellationToken::new();
    let (approve_tx, approve_rx) = mpsc::unbounded_channel();
    let (steer_tx, steer_rx) = mpsc::unbounded_channel();
    let run = Run {
        config: config.clone(),
        spec,
        tx,
        cancel: token.clone(),
        decisions: approve_rx,
        steers: steer_rx,
    };
    let task = tokio::spawn(run.drive(backend));
    Turn::from_parts(rx, token, task)
        .with_approver(Approver(approve_tx))
        .with_steerer(Steerer(steer_tx))
}

struct Run {
    config: EngineConfig,
    spec: TurnSpec,
    tx: mpsc::Sender<CodexEvent>,
    cancel: CancellationToken,
    decisions: mpsc::UnboundedReceiver<(String, ApprovalDecision)>,
    /// Text the user sends into the running turn.
    steers: mpsc::UnboundedReceiver<String>,
}

impl Run {
    fn outcome(
        &self,
        thread: Option<String>,
        status: TurnStatus,
        decoder: Option<&Decoder>,
        last: Option<String>,
    ) -> TurnOutcome {
        TurnOutcome {
            thread_id: thread,
            status,
            total: decoder.map_or(self.spec.prior_total, Decoder::total),
            last_message: last,
        }
    }

    /// `thread/start`, `thread/resume` or `turn/start`: bounded in time, and given up at once
    /// when the turn is interrupted (an app-server that never answers must not hang Ctrl+C).
    async fn start_request(&self, server: &AppServer, method: &str, params: Value) -> Start {
        tokio::select! {
            r = tokio::time::timeout(START_TIMEOUT, server.request(method, params)) => match r {
                Ok(Ok(v)) => Start::Done(v),
                Ok(Err(e)) => Start::Failed(e),
                Err(_) => Start::Failed(format!(
                    "{method}: no answer from codex app-server in {}s",
                    START_TIMEOUT.as_secs()
                )),
            },
            _ = self.cancel.cancelled() => Start::Cancelled,
        }
    }

    /// The turn was interrupted before it started.
    async fn cancelled(&self, thread: Option<String>) -> TurnOutcome {
        let _ = self
            .tx
            .send(CodexEvent::TurnInterrupted {
                reason: "interrupted by the user".into(),
            })
            .await;
        self.outcome(thread, TurnStatus::Interrupted, None, None)
    }

    async fn fail(&self, e: EngineError, thread: Option<String>) -> TurnOutcome {
        let _ = self.tx.send(e.event()).await;
        self.outcome(thread, TurnStatus::Failed(e), None, None)
    }

    fn thread_params(&self) -> Value {
        thread_params(&self.config)
    }

    async fn drive(mut self, backend: Arc<Handle>) -> TurnOutcome {
        let began = Instant::now();
        let server = match backend.get(&self.config).await {
            Ok(s) => s,
            Err(e) => return self.fail(e, self.spec.resume.clone()).await,
        };
        let ready = began.elapsed();
        let outcome = self.drive_on(&server).await;
        let ended = began.elapsed();
        backend.done(server, &self.config).await;
        tracing::info!(thread = ?outcome.thread_id, status = ?outcome.status, "app-server turn finished");
        tracing::debug!(?ready, ?ended, done = ?began.elapsed(), "app-server turn");
        outcome
    }

    async fn drive_on(&mut self, server: &Arc<AppServer>) -> TurnOutcome {
        let wanted = self.spec.resume.clone();
        let mut params = self.thread_params();
        let started = match &wanted {
            Some(id) => {
                params["threadId"] = json!(id);
                params["excludeTurns"] = json!(true);
                self.start_request(server, "thread/resume", params).await
            }
            None => self.start_request(server, "thread/start", params).await,
        };
        let mut model = self.config.model.clone();
        let thread = match started {
            Start::Done(r) => {
                model = r["model"].as_str().map(str::to_string).or(model);
                r["thread"]["id"].as_str().unwrap_or_default().to_string()
            }
            Start::Cancelled => return self.cancelled(wanted).await,
            Start::Failed(e) => {
                let err =
                    EngineError::classify(&e, wanted.as_deref()).unwrap_or(EngineError::Crashed {
                        status: "thread start failed".into(),
                        detail: e,
                    });
                return self.fail(err, wanted).await;
            }
        };
        tracing::debug!(%thread, "app-server thread loaded");
        let _ = self
            .tx
            .send(CodexEvent::ThreadStarted {
                thread_id: thread.clone(),
            })
            .await;
        let mut inbox = server.route(&thread);
        let input = user_input(&self.spec.prompt, &self.spec.images, &self.config.cwd);
        let mut turn = json!({"threadId": thread, "input": input});
        if self.spec.plan {
            // An experimental field: it takes the model the thread runs (Codex's default
            // when none was chosen), and Codex's own plan-mode instructions (`null`).
            turn["collaborationMode"] = json!({"mode": "plan", "settings": {
                "model": model.unwrap_or_default(),
                "developer_instructions": null,
                "reasoning_effort": self.config.reasoning_effort,
            }});
        }
        let turn_id = match self.start_request(server, "turn/start", turn).await {
            Start::Done(r) => r["turn"]["id"].as_str().unwrap_or_default().to_string(),
            Start::Cancelled => {
                server.unroute(&thread);
                return self.cancelled(Some(thread)).await;
            }
            Start::Failed(e) => {
                server.unroute(&thread);
                let err = EngineError::classify(&e, None).unwrap_or(EngineError::Crashed {
                    status: "turn/start failed".into(),
                    detail: e,
                });
                return self.fail(err, Some(thread)).await;
            }
        };
        let mut decoder = Decoder::new(self.spec.prior_total);
        let mut waiting: HashMap<String, (Value, bool)> = HashMap::new(); // approvals awaiting the user
        let mut changes: HashMap<String, String> = HashMap::new(); // fileChange item → diff text
        let mut last_message = None;
        let mut deadline: Option<Instant> = None;
        let mut stop_reason: Option<EngineError> = None;
        let mut last_activity = Instant::now();
        let crashed = loop {
            let idle_at = self.config.idle_timeout.map(|d| last_activity + d);
            tokio::select! {
                msg = inbox.recv() => {
                    let Some(msg) = msg else { break false };
                    last_activity = Instant::now();
                    match msg {
                        Incoming::Notification { method, params } => {
                            if let Some(id) = params["item"]["id"].as_str().filter(|_| params["item"]["type"] == "fileChange") {
                                changes.insert(id.to_string(), diff_text(&params["item"]));
                            }
                            for ev in decoder.decode(&method, &params) {
                                if let CodexEvent::ItemCompleted { item } = &ev
                                    && let ItemKind::AgentMessage { text } = &item.kind {
                                        last_message = Some(text.clone());
                                    }
                                let _ = self.tx.send(ev).await;
                            }
                            if decoder.finished {
                                break false;
                            }
                        }
                        Incoming::Request { id, method, params } => {
                            self.on_request(server, id, &method, &params, &changes, &mut waiting).await;
                        }
                    }
                }
                Some((request_id, decision)) = self.decisions.recv() => {
                    if let Some((id, legacy)) = waiting.remove(&request_id) {
                        tracing::info!(%request_id, %decision, "approval decided by the user");
                        server.respond(id, json!({"decision": decision.wire(legacy)})).await;
                        let _ = self.tx.send(CodexEvent::ApprovalResolved { request_id, decision, by: "user".into() }).await;
                    }
                }
                Some(text) = self.steers.recv(), if deadline.is_none() => {
                    let input = user_input(&text, &[], &self.config.cwd);
                    steer(server, &thread, &turn_id, input, self.tx.clone());
                }
                _ = self.cancel.cancelled(), if deadline.is_none() => {
                    deadline = Some(interrupt(server, &thread, &turn_id));
                }
                _ = sleep_until(idle_at), if deadline.is_none() && idle_at.is_some() => {
                    stop_reason = self.config.idle_timeout.map(EngineError::IdleTimeout);
                    deadline = Some(interrupt(server, &thread, &turn_id));
                }
                _ = sleep_until(deadline), if deadline.is_some() => break false,
                _ = server.gone.cancelled() => break true,
            }
        };
        server.unroute(&thread);
        if deadline.is_some() || decoder.interrupted {
            server.kill_children();
        }
        if crashed {
            let e = EngineError::Crashed { status: "codex app-server exited".into(), detail: "the server died mid-turn; it restarts on the next prompt and the thread stays resumable".into() };
            return self.fail(e, Some(thread)).await;
        }
        if let Some(e) = stop_reason {
            let _ = self
                .tx
                .send(CodexEvent::TurnInterrupted {
                    reason: e.to_string(),
                })
                .await;
            return self.fail(e, Some(thread)).await;
        }
        if deadline.is_some() || decoder.interrupted {
            if !decoder.interrupted {
                let _ = self
                    .tx
                    .send(CodexEvent::TurnInterrupted {
                        reason: "interrupted by the user".into(),
                    })
                    .await;
            }
            return self.outcome(
                Some(thread),
                TurnStatus::Interrupted,
                Some(&decoder),
                last_message,
            );
        }
        match decoder.failed.clone() {
            Some(msg) => {
                let e = EngineError::classify(&msg, None)
                    .unwrap_or(EngineError::ModelHttp { detail: msg });
                self.fail(e, Some(thread)).await
            }
            None => self.outcome(
                Some(thread),
                TurnStatus::Completed,
                Some(&decoder),
                last_message,
            ),
        }
    }

    /// A server → client request: approvals by policy or by the user; anything else declined.
    async fn on_request(
        &self,
        server: &AppServer,
        id: Value,
        method: &str,
        p: &Value,
        changes: &HashMap<String, String>,
        waiting: &mut HashMap<String, (Value, bool)>,
    ) {
        let (kind, command, cwd, diff) = match method {
            "item/commandExecution/requestApproval" | "execCommandApproval" => {
                let cmd = p["command"].as_str().map(str::to_string).or_else(|| {
                    p["command"].as_array().map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                });
                (
                    ApprovalKind::Command,
                    cmd,
                    p["cwd"].as_str().map(str::to_string),
                    None,
                )
            }
            "item/fileChange/requestApproval" | "applyPatchApproval" => {
                let diff = p["itemId"].as_str().and_then(|i| changes.get(i).cloned());
                (ApprovalKind::FileChange, None, None, diff)
            }
            other => {
                tracing::warn!(
                    method = other,
                    "declining an app-server request codexmcp does not support"
                );
                server
                    .respond(id, json!({"decision": "decline", "action": "decline"}))
                    .await;
                return;
            }
        };
        let request_id = id.to_string();
        let reason = p["reason"].as_str().map(str::to_string);
        let asked = CodexEvent::ApprovalRequested {
            request_id: request_id.clone(),
            kind,
            command,
            cwd,
            reason,
            diff,
        };
        let _ = self.tx.send(asked).await;
        let legacy = !method.contains('/');
        let decision = match self.config.approvals {
            ApprovalMode::Ask => {
                waiting.insert(request_id, (id, legacy));
                return;
            }
            ApprovalMode::Accept => ApprovalDecision::Accept,
            ApprovalMode::Decline => ApprovalDecision::Decline,
        };
        tracing::info!(%request_id, %decision, %kind, "approval decided by policy");
        server
            .respond(id, json!({"decision": decision.wire(legacy)}))
            .await;
        let _ = self
            .tx
            .send(CodexEvent::ApprovalResolved {
                request_id,
                decision,
                by: "policy".into(),
            })
            .await;
    }
}

/// `turn/steer`: more input for the running turn; a refusal (the turn just ended) is said.
fn steer(
    server: &Arc<AppServer>,
    thread: &str,
    turn: &str,
    input: Vec<Value>,
    events: mpsc::Sender<CodexEvent>,
) {
    let server = server.clone();
    let params = json!({"threadId": thread, "expectedTurnId": turn, "input": input});
    tokio::spawn(async move {
        if let Err(e) = server.request("turn/steer", params).await {
            let message = format!("the message did not reach the running turn: {e}");
            let _ = events.send(CodexEvent::Error { message }).await;
        }
    });
}

fn interrupt(server: &Arc<AppServer>, thread: &str, turn: &str) -> Instant {
    let (server, params) = (server.clone(), json!({"threadId": thread, "turnId": turn}));
    tokio::spawn(async move {
        if let Err(e) = server.request("turn/interrupt", params).await {
            tracing::warn!("turn/interrupt: {e}");
        }
    });
    Instant::now() + Duration::from_secs(5)
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The text, a `localImage` item per attached image, and a `skill` item for every `$name`
/// that names a known skill.
fn user_input(prompt: &str, images: &[std::path::PathBuf], cwd: &std::path::Path) -> Vec<Value> {
    let mut input = vec![json!({"type": "text", "text": prompt})];
    input.extend(
        images
            .iter()
            .map(|p| json!({"type": "localImage", "path": p.display().to_string()})),
    );
    if prompt.contains('$') {
        let found = crate::skills::discover(cwd);
        for s in crate::skills::mentioned(prompt, &found.skills) {
            input.push(
                json!({"type": "skill", "name": s.name, "path": s.path.display().to_string()}),
            );
        }
    }
    input
}

fn diff_text(item: &Value) -> String {
    item["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} {}\n{}",
                c["kind"]["type"].as_str().unwrap_or("update"),
                c["path"].as_str().unwrap_or(""),
                c["diff"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `thread/start`'s settings for `c`: folder, sandbox, approvals, model, config overrides.
pub(super) fn thread_params(c: &EngineConfig) -> Value {
    let mut p = json!({"cwd": c.cwd.display().to_string(), "sandbox": c.sandbox, "approvalPolicy": c.approval_policy});
    if let Some(m) = &c.model {
        p["model"] = json!(m);
    }
    let mut overrides: Map<String, Value> = c
        .overrides
        .iter()
        .filter_map(|o| o.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), super::toml_to_json(v)))
        .collect();
    if let Some(e) = &c.reasoning_effort {
        overrides.insert("model_reasoning_effort".into(), json!(e));
    }
    if c.network {
        overrides.insert("sandbox_workspace_write.network_access".into(), json!(true));
    }
    if !overrides.is_empty() {
        p["config"] = Value::Object(overrides);
    }
    p
}

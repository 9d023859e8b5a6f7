//! The services behind the App's effects: starting Codex turns (one task each, owning its
//! child and a session recorder) or agent runs (under the agent's lock, one conversation),
//! stopping them, and running disk work (scans, previews, session loads) on blocking threads
//! so the UI task never waits on I/O.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::app::{App, Effect};
use super::{Msg, files};
use crate::agent::exec::AGENT_FILE;
use crate::agent::tools::CodexTools;
use crate::agent::{Agent, AgentError, AgentMsg, AgentState};
use crate::config::Settings;
use crate::engine::{self, EngineConfig, EngineError, Interrupter, TurnOutcome, TurnStatus, Usage};
use crate::session::Store;

/// Carries out effects; owns the running turns.
pub(super) struct Services {
    tx: mpsc::Sender<Msg>,
    engine: Result<EngineConfig, EngineError>,
    store: Option<Store>,
    backend: String,
    turns: HashMap<u64, (Stop, tokio::task::JoinHandle<()>)>,
    pub(super) startup_error: Option<String>,
    auth_error: Option<String>,
    /// The orchestrating agent (one conversation), when an endpoint is configured.
    pub(super) agent: Option<Arc<tokio::sync::Mutex<Agent>>>,
    pub(super) agent_error: Option<String>,
    approvers: HashMap<u64, crate::engine::Approver>,
}

/// How to stop a running turn.
enum Stop {
    Codex(Interrupter),
    Agent(CancellationToken),
}

impl Stop {
    fn stop(&self) {
        match self {
            Self::Codex(i) => i.interrupt(),
            Self::Agent(c) => c.cancel(),
        }
    }
}

impl Services {
    pub(super) async fn new(settings: &Settings, tx: mpsc::Sender<Msg>) -> Self {
        let engine = settings.engine().await;
        let auth_error = crate::headless::missing_auth(settings);
        let startup_error = match (&engine, &auth_error) {
            (Err(e), _) => Some(e.to_string()),
            (_, Some(a)) => Some(a.clone()),
            _ => None,
        };
        let (agent, agent_error) = match settings
            .agent_settings()
            .and_then(|s| Agent::new(s, AgentState::default()))
        {
            Ok(a) => (Some(Arc::new(tokio::sync::Mutex::new(a))), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Self {
            tx,
            engine,
            store: Store::open_default().ok(),
            backend: settings.backend.clone(),
            turns: HashMap::new(),
            startup_error,
            auth_error,
            agent,
            agent_error,
            approvers: HashMap::new(),
        }
    }

    /// What the engine wants the user to know (e.g. a backend fallback).
    pub(super) fn notice(&self) -> Option<String> {
        self.engine.as_ref().ok().and_then(|c| c.notice.clone())
    }

    pub(super) fn load_skills(&self, cwd: &std::path::Path) {
        let tx = self.tx.clone();
        let cwd = cwd.to_path_buf();
        let codex = self
            .engine
            .as_ref()
            .ok()
            .filter(|c| c.app_server.is_some())
            .cloned();
        tokio::spawn(async move {
            let dir = cwd.clone();
            let mut found = tokio::task::spawn_blocking(move || crate::skills::discover(&dir))
                .await
                .unwrap_or_default();
            if let Some(cfg) = codex {
                merge_codex_skills(&cfg, &cwd, &mut found).await;
            }
            let _ = tx.send(Msg::Skills(found)).await;
        });
    }

    fn blocking(&self, job: impl FnOnce() -> Option<Msg> + Send + 'static) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(m) = job() {
                let _ = tx.blocking_send(m);
            }
        });
    }

    pub(super) fn perform(&mut self, effect: Effect, app: &mut App) {
        match effect {
            Effect::StartTurn {
                run,
                spec,
                agent: true,
            } => self.start_agent_turn(run, spec),
            Effect::StartTurn {
                run,
                spec,
                agent: false,
            } => self.start_turn(run, spec),
            Effect::Interrupt => {
                for (stop, _) in self.turns.values() {
                    stop.stop();
                }
            }
            Effect::Approve {
                run,
                request_id,
                decision,
            } => match self.approvers.get(&run) {
                Some(a) => {
                    tracing::info!(run, %request_id, %decision, "approval answered in the TUI");
                    a.answer(&request_id, &decision);
                }
                None => app.fail("that turn can no longer take an answer"),
            },
            Effect::NewThread => {
                if let Some(agent) = &self.agent
                    && let Ok(mut a) = agent.try_lock()
                {
                    a.state = AgentState {
                        model: a.settings.model.clone(),
                        ..AgentState::default()
                    };
                }
            }
            Effect::Quit => {}
            Effect::Rescan => {
                let root = app.files.root.clone();
                let expanded = app.files.expanded.clone();
                self.blocking(move || {
                    let (entries, truncated) = files::scan(&root, &expanded);
                    Some(Msg::Tree { entries, truncated })
                });
            }
            Effect::LoadPreview(path) => {
                let root = app.files.root.clone();
                self.blocking(move || Some(Msg::Preview(files::load_preview(&root, &path))));
            }
            Effect::ListSessions => {
                let store = self.store.clone();
                let codex = self
                    .engine
                    .as_ref()
                    .ok()
                    .filter(|c| c.app_server.is_some())
                    .cloned();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let mut sessions = match store {
                        Some(s) => tokio::task::spawn_blocking(move || {
                            s.list().map(|l| l.sessions).unwrap_or_default()
                        })
                        .await
                        .unwrap_or_default(),
                        None => Vec::new(),
                    };
                    if let Some(cfg) = codex {
                        merge_codex_threads(&cfg, &mut sessions).await;
                    }
                    let _ = tx.send(Msg::Sessions(sessions)).await;
                });
            }
            Effect::LoadTranscript(id) => {
                let store = self.store.clone();
                let agent = self.agent.clone();
                self.blocking(move || {
                    let stored: Option<AgentState> = store
                        .as_ref()
                        .and_then(|s| s.load_json(&id, AGENT_FILE).ok().flatten());
                    if let Some(agent) = agent {
                        let mut a = agent.blocking_lock();
                        let fresh = AgentState {
                            model: a.settings.model.clone(),
                            codex_thread: Some(id.clone()),
                            ..AgentState::default()
                        };
                        a.state = stored.clone().unwrap_or(fresh);
                    }
                    let record = store.as_ref().and_then(|s| s.load(&id).ok().flatten());
                    let entries = store
                        .as_ref()
                        .and_then(|s| s.read_log(&id).ok())
                        .map(|l| l.entries)
                        .unwrap_or_default();
                    Some(Msg::Transcript {
                        id,
                        record,
                        entries,
                        agent: stored,
                    })
                });
            }
        }
    }

    fn start_turn(&mut self, run: u64, spec: engine::TurnSpec) {
        let failed = |e: EngineError| failed_turn(run, e);
        let config = match (&self.engine, &self.auth_error) {
            (Err(e), _) => return self.send_now(failed(e.clone())),
            (_, Some(a)) => return self.send_now(failed(EngineError::Auth { detail: a.clone() })),
            (Ok(c), None) => c.clone(),
        };
        let (spec, mut recorder) = crate::session::begin_turn(
            self.store.as_ref(),
            &spec.prompt,
            spec.resume,
            &config.cwd,
            &self.backend,
        );
        let mut turn = match engine::start_turn(&config, spec) {
            Ok(t) => t,
            Err(e) => return self.send_now(failed(e)),
        };
        let interrupter = turn.interrupter();
        if let Some(a) = turn.approver() {
            self.approvers.insert(run, a);
        }
        let tx = self.tx.clone();
        let task = tokio::spawn(async move {
            while let Some(event) = turn.events.recv().await {
                if let Some(r) = &mut recorder {
                    r.observe(&event);
                }
                let _ = tx.send(Msg::Codex { run, event }).await;
            }
            let outcome = turn.finish().await;
            if let Some(r) = recorder {
                r.finish();
            }
            let _ = tx.send(Msg::TurnDone { run, outcome }).await;
        });
        self.turns.retain(|_, (_, t)| !t.is_finished());
        self.turns.insert(run, (Stop::Codex(interrupter), task));
    }

    /// A prompt for the agent: it runs under the agent's lock (one conversation), its
    /// events go to the App as `Msg::Agent`, and its state is saved beside the Codex thread.
    fn start_agent_turn(&mut self, run: u64, spec: engine::TurnSpec) {
        let failed = |e: EngineError| failed_turn(run, e);
        let Some(agent) = self.agent.clone() else {
            let why = self
                .agent_error
                .clone()
                .unwrap_or_else(|| "the agent is not configured".into());
            return self.send_now(failed(EngineError::Agent(why)));
        };
        let config = match &self.engine {
            Ok(c) => c.clone(),
            Err(e) => return self.send_now(failed(e.clone())),
        };
        let (store, backend, tx) = (self.store.clone(), self.backend.clone(), self.tx.clone());
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let task = tokio::spawn(async move {
            let mut agent = agent.lock().await;
            if agent.state.codex_thread.is_none() {
                agent.state.codex_thread = spec.resume.clone();
            }
            let mut tools = CodexTools::new(config, store.clone(), &backend);
            let (atx, mut arx) = mpsc::channel::<AgentMsg>(1024);
            let fwd_tx = tx.clone();
            let forward = tokio::spawn(async move {
                while let Some(msg) = arx.recv().await {
                    let _ = fwd_tx.send(Msg::Agent { run, msg }).await;
                }
            });
            let result = agent.run(&spec.prompt, &mut tools, &atx, &token).await;
            drop(atx);
            let _ = forward.await;
            if let (Some(s), Some(id)) = (&store, &agent.state.codex_thread)
                && let Err(e) = s.save_json(id, AGENT_FILE, &agent.state)
            {
                tracing::warn!("agent conversation not saved: {e:#}");
            }
            let status = match result {
                Ok(_) => TurnStatus::Completed,
                Err(AgentError::Cancelled) => TurnStatus::Interrupted,
                Err(e) => TurnStatus::Failed(EngineError::Agent(e.to_string())),
            };
            let outcome = TurnOutcome {
                thread_id: agent.state.codex_thread.clone(),
                status,
                total: Usage::default(),
                last_message: None,
            };
            let _ = tx.send(Msg::TurnDone { run, outcome }).await;
        });
        self.turns.retain(|_, (_, t)| !t.is_finished());
        self.turns.insert(run, (Stop::Agent(cancel), task));
    }

    fn send_now(&self, msg: Msg) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(msg).await;
        });
    }

    /// Interrupts every running turn and waits for its task (and so its child) to end,
    /// draining their messages meanwhile so none blocks on a full channel.
    pub(super) async fn shutdown(mut self, mut rx: mpsc::Receiver<Msg>) {
        for (stop, _) in self.turns.values() {
            stop.stop();
        }
        drop(self.tx);
        let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
        for (_, (_, task)) in self.turns.drain() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(8), task).await;
        }
        drain.abort();
    }
}

/// Adds Codex's own thread list (`thread/list`, exec threads included) to the stored sessions.
async fn merge_codex_threads(
    cfg: &EngineConfig,
    sessions: &mut Vec<crate::session::SessionRecord>,
) {
    for t in crate::engine::app_lists::threads(cfg).await {
        if !sessions.iter().any(|s| s.id == t.id) {
            sessions.push(t);
        }
    }
    sessions.sort_by_key(|s| std::cmp::Reverse(s.updated_ms));
}

/// Adds Codex's own skill list (`skills/list`) to what codexmcp found on disk.
async fn merge_codex_skills(
    cfg: &EngineConfig,
    cwd: &std::path::Path,
    found: &mut crate::skills::Discovery,
) {
    for s in crate::engine::app_lists::skills(cfg, cwd).await {
        if !found.skills.iter().any(|k| k.name == s.name) {
            found.skills.push(s);
        }
    }
    found.skills.sort_by(|a, b| a.name.cmp(&b.name));
}

/// The message for a turn that failed before it could start.
fn failed_turn(run: u64, e: EngineError) -> Msg {
    let outcome = TurnOutcome {
        thread_id: None,
        status: TurnStatus::Failed(e),
        total: Usage::default(),
        last_message: None,
    };
    Msg::TurnDone { run, outcome }
}

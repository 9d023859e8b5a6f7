//! The conversation actor: the one task that owns the TUI's [`Session`] and, when an endpoint
//! is configured, the orchestrating [`Agent`]. The App talks to it only through
//! [`Command`]s and hears back through [`Msg`]s, so no lock is ever held across a turn.
//!
//! While a turn runs the actor keeps reading commands: an interrupt cancels the turn, an
//! approval answer goes straight to it, and `/new` or `/resume` interrupt it first and take
//! effect as soon as it has wound down (commands keep their order).

use std::collections::VecDeque;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Msg, TabTx};
use crate::agent::{Agent, AgentError, AgentMsg};
use crate::engine::{ApprovalDecision, CodexEvent, EngineError, TurnOutcome, TurnStatus, Usage};
use crate::session::{Answers, Session};

#[derive(Debug)]
pub enum Command {
    /// Run a prompt, straight on Codex or through the agent.
    Run {
        run: u64,
        prompt: String,
        agent: bool,
        /// Checked images for the turn (or the agent's next Codex call).
        images: Vec<std::path::PathBuf>,
        /// Plan mode for this turn (app-server).
        plan: bool,
    },
    Interrupt,
    /// More input for the running turn (app-server); nothing when no turn runs.
    Steer(String),
    Answer {
        request_id: String,
        decision: ApprovalDecision,
    },
    /// The model and effort from the next turn on (`None`: unchanged).
    Configure {
        model: Option<String>,
        effort: Option<String>,
    },
    /// Forget the thread (and the agent conversation): `/new`.
    Reset,
    /// Continue a stored thread: `/resume ID`. Answers with `Msg::Transcript`.
    Load(String),
    /// A new thread through turn N of this one: `/fork`. Answers with `Msg::Forked`.
    Fork {
        through: Option<i64>,
        worktree: Option<String>,
    },
    /// Compact the thread's context: `/compact`. Answers with `Msg::Compacted`.
    Compact,
    /// Review a change: `/review`. Answers with `Msg::Reviewed`.
    Review(super::effect::ReviewOf),
    /// Take the last turn back (`/undo`), or put it back (`/redo`, `redo` true). Answers with
    /// `Msg::Notice` or `Msg::Failed`.
    Undo {
        redo: bool,
        force: bool,
    },
}

/// The handle the event loop keeps.
pub struct Conversation {
    tx: mpsc::UnboundedSender<Command>,
    task: tokio::task::JoinHandle<()>,
}

impl Conversation {
    /// Starts the actor. `session` is `Err` when Codex could not be set up: every run then
    /// fails with that error.
    pub fn start(session: Result<Session, EngineError>, agent: Option<Agent>, out: TabTx) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let actor = Actor {
            session,
            agent,
            out,
            deferred: VecDeque::new(),
            told: None,
        };
        Self {
            tx,
            task: tokio::spawn(actor.serve(rx)),
        }
    }

    pub fn send(&self, cmd: Command) {
        let _ = self.tx.send(cmd);
    }

    /// Interrupts what runs and waits (bounded) for the actor, and so every child, to end.
    pub async fn shutdown(self) {
        self.send(Command::Interrupt);
        drop(self.tx);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(8), self.task).await;
    }
}

struct Actor {
    session: Result<Session, EngineError>,
    agent: Option<Agent>,
    out: TabTx,
    /// `/new` and `/resume` that arrived during a turn.
    deferred: VecDeque<Command>,
    /// The thread (and usage) last reported to the App.
    told: Option<(Option<String>, Usage)>,
}

impl Actor {
    /// Tells the App the thread the session is on, when that changed: the session owns the
    /// thread id, and the screen shows what it is told.
    async fn announce(&mut self) {
        let Ok(s) = &self.session else { return };
        let now = (s.thread_id().map(str::to_string), s.total());
        if self.told.as_ref() != Some(&now) {
            let msg = Msg::Thread {
                id: now.0.clone(),
                total: now.1,
            };
            self.told = Some(now);
            self.out.send(msg).await;
        }
    }

    async fn serve(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        self.announce().await;
        loop {
            let cmd = match self.deferred.pop_front() {
                Some(c) => c,
                None => match rx.recv().await {
                    Some(c) => c,
                    None => return,
                },
            };
            match cmd {
                Command::Run {
                    run,
                    prompt,
                    agent,
                    images,
                    plan,
                } => {
                    if let Ok(s) = &mut self.session {
                        s.set_plan(plan);
                    }
                    let prompt = match agent {
                        true => crate::agent::with_attachments(&prompt, &images),
                        false => prompt,
                    };
                    if let Ok(s) = &mut self.session {
                        s.attach(images);
                    }
                    let outcome = self.run(&prompt, agent, run, &mut rx).await;
                    // Everything the request changed, over all the Codex turns an agent ran.
                    let diff = match &mut self.session {
                        Ok(s) => s.take_changes().await,
                        Err(_) => None,
                    };
                    if let Some(diff) = diff {
                        self.out.send(Msg::TurnDiff { run, diff }).await;
                    }
                    // What could not be saved (a record, a log, a checkpoint), once each.
                    for what in crate::session::unsaved::take() {
                        self.out.send(Msg::Notice(format!("⚠ {what}"))).await;
                    }
                    self.announce().await;
                    self.out.send(Msg::TurnDone { run, outcome }).await;
                }
                Command::Reset => {
                    if let Ok(s) = &mut self.session {
                        s.reset();
                    }
                    if let Some(a) = &mut self.agent {
                        a.reset();
                    }
                    self.announce().await;
                }
                Command::Load(id) => self.load(id).await,
                Command::Fork { through, worktree } => {
                    let forked = match &self.session {
                        Ok(s) => s.fork(through, worktree.as_deref()).await,
                        Err(e) => Err(e.to_string()),
                    };
                    self.out.send(Msg::Forked(Box::new(forked))).await;
                }
                Command::Review(of) => {
                    let (reviewed, diff) = match &self.session {
                        Ok(s) => review(s, of).await,
                        Err(e) => (Err(e.to_string()), None),
                    };
                    self.out
                        .send(Msg::Reviewed(reviewed, diff.map(Box::new)))
                        .await;
                }
                Command::Compact => {
                    let compacted = match &mut self.session {
                        Ok(s) => s.compact().await.map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    self.announce().await;
                    self.out.send(Msg::Compacted(compacted)).await;
                }
                Command::Configure { model, effort } => {
                    if let Ok(s) = &mut self.session {
                        if let Some(m) = model {
                            s.set_model(Some(m));
                        }
                        if let Some(e) = effort {
                            s.set_effort(Some(e));
                        }
                    }
                }
                Command::Undo { redo, force } => {
                    let msg = match &mut self.session {
                        Ok(s) => match if redo {
                            s.redo(force).await
                        } else {
                            s.undo(force).await
                        } {
                            Ok(done) => Msg::Notice(done.report().trim_end().to_string()),
                            Err(e) => Msg::Failed(e),
                        },
                        Err(e) => Msg::Failed(e.to_string()),
                    };
                    self.announce().await;
                    self.out.send(msg).await;
                }
                // Nothing runs: nothing to interrupt, answer or steer.
                Command::Interrupt | Command::Answer { .. } | Command::Steer(_) => {}
            }
        }
    }

    async fn run(
        &mut self,
        prompt: &str,
        via_agent: bool,
        run: u64,
        rx: &mut mpsc::UnboundedReceiver<Command>,
    ) -> TurnOutcome {
        let session = match &mut self.session {
            Ok(s) => s,
            Err(e) => return failed(e.clone()),
        };
        let cancel = CancellationToken::new();
        let answers = session.answers();
        let deferred = &mut self.deferred;
        let out = self.out.clone();
        let told = &mut self.told;
        if !via_agent {
            let mut turn = match session.run(prompt, cancel.clone()).await {
                Ok(t) => t,
                Err(e) => return failed(e),
            };
            loop {
                tokio::select! {
                    ev = turn.next() => match ev {
                        Some(event) => {
                            // The thread is known as soon as Codex names it.
                            let started = newly_named(&event, told.as_ref().and_then(|t| t.0.as_deref()));
                            out.send(Msg::Codex { run, event }).await;
                            if let Some(id) = started {
                                let total = told.as_ref().map(|t| t.1).unwrap_or_default();
                                *told = Some((Some(id.clone()), total));
                                out.send(Msg::Thread { id: Some(id), total }).await;
                            }
                        }
                        None => break,
                    },
                    Some(cmd) = rx.recv() => during(cmd, &cancel, &answers, deferred),
                }
            }
            return turn.finish().await;
        }
        let Some(agent) = &mut self.agent else {
            return failed(EngineError::Agent("the agent is not configured".into()));
        };
        let (atx, mut arx) = mpsc::channel::<AgentMsg>(1024);
        // The agent's Codex calls name their thread as they start: told at once, as for a
        // direct turn (the usage follows when the run ends).
        let (mut known, total) = told.clone().unwrap_or_default();
        let forward = tokio::spawn(async move {
            while let Some(msg) = arx.recv().await {
                let started = match &msg {
                    AgentMsg::Codex(event) => newly_named(event, known.as_deref()),
                    _ => None,
                };
                out.send(Msg::Agent { run, msg }).await;
                if let Some(id) = started {
                    known = Some(id.clone());
                    out.send(Msg::Thread {
                        id: Some(id),
                        total,
                    })
                    .await;
                }
            }
        });
        let guidance = agent.guidance();
        let result = {
            let work = agent.run(prompt, session, &atx, &cancel);
            tokio::pin!(work);
            loop {
                tokio::select! {
                    r = &mut work => break r,
                    Some(cmd) = rx.recv() => match cmd {
                        // To the agent, which passes on what it decides to.
                        Command::Steer(text) => guidance.push(&text),
                        cmd => during(cmd, &cancel, &answers, deferred),
                    },
                }
            }
        };
        drop(atx);
        let _ = forward.await;
        let status = match result {
            Ok(_) => TurnStatus::Completed,
            Err(AgentError::Cancelled) => TurnStatus::Interrupted,
            Err(e) => TurnStatus::Failed(EngineError::Agent(e.to_string())),
        };
        TurnOutcome {
            thread_id: session.thread_id().map(str::to_string),
            status,
            total: session.total(),
            last_message: None,
        }
    }

    async fn load(&mut self, id: String) {
        let session = match &mut self.session {
            Ok(s) => s,
            Err(e) => {
                self.out.send(Msg::Failed(e.to_string())).await;
                return;
            }
        };
        if let Err(e) = session.switch_to(&id) {
            self.out.send(Msg::Failed(e.to_string())).await;
            return;
        }
        self.announce().await;
        let Ok(session) = &mut self.session else {
            return;
        };
        let mut agent_state = None;
        if let Some(agent) = &mut self.agent {
            if let Err(why) = agent.load(session) {
                self.out.send(Msg::Failed(why)).await;
            }
            agent_state = Some(agent.state().clone()).filter(|s| !s.history.is_empty());
        }
        let store = session.store().cloned();
        let read = tokio::task::spawn_blocking(move || {
            let record = store.as_ref().and_then(|s| s.load(&id).ok().flatten());
            let entries = store
                .as_ref()
                .and_then(|s| s.read_log(&id).ok())
                .map(|l| l.entries)
                .unwrap_or_default();
            Msg::Transcript {
                id,
                record: record.map(Box::new),
                entries,
                agent: agent_state.map(Box::new),
            }
        })
        .await;
        if let Ok(msg) = read {
            self.out.send(msg).await;
        }
    }
}

/// The thread `event` names, when it is not the one already `known`.
fn newly_named(event: &CodexEvent, known: Option<&str>) -> Option<String> {
    match event {
        CodexEvent::ThreadStarted { thread_id } if known != Some(thread_id.as_str()) => {
            Some(thread_id.clone())
        }
        _ => None,
    }
}

/// A command that arrives while a turn runs.
fn during(
    cmd: Command,
    cancel: &CancellationToken,
    answers: &Answers,
    deferred: &mut VecDeque<Command>,
) {
    match cmd {
        Command::Interrupt => cancel.cancel(),
        Command::Steer(text) => answers.steer(&text),
        Command::Answer {
            request_id,
            decision,
        } => {
            tracing::info!(%request_id, %decision, "approval answered in the TUI");
            answers.answer(&request_id, decision);
        }
        // Takes effect from the next turn: kept for after this one.
        Command::Configure { .. } => deferred.push_back(cmd),
        Command::Reset | Command::Load(_) | Command::Undo { .. } => {
            cancel.cancel();
            deferred.push_back(cmd);
        }
        // The App sends a prompt only when nothing runs; keep it for after, in order.
        Command::Run { .. } | Command::Fork { .. } | Command::Compact | Command::Review(_) => {
            deferred.push_back(cmd)
        }
    }
}

/// The outcome of a turn that could not start.
pub fn failed(e: EngineError) -> TurnOutcome {
    TurnOutcome {
        thread_id: None,
        status: TurnStatus::Failed(e),
        total: Usage::default(),
        last_message: None,
    }
}

/// Codex's review of `of`, on a thread of its own; with the diff reviewed when it is a turn's.
async fn review(
    s: &Session,
    of: super::effect::ReviewOf,
) -> (
    Result<crate::engine::review::Reviewed, String>,
    Option<crate::session::checkpoint::TurnDiff>,
) {
    let (target, diff) = match of {
        super::effect::ReviewOf::Change(t) => (t, None),
        super::effect::ReviewOf::Turn(n) => match s.turn_review(n).await {
            Ok((t, d)) => (t, Some(d)),
            Err(e) => return (Err(e), None),
        },
    };
    let reviewed = crate::engine::review::review(s.engine(), None, &target, Default::default())
        .await
        .map_err(|e| e.to_string());
    (reviewed, diff)
}

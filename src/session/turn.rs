//! One recorded turn of a [`Session`]: the loop every front end used to write for itself.
//!
//! [`SessionTurn::next`] waits on four things at once: the engine's next event (sanitised,
//! then recorded, then handed out; `thread.started` sets the session's thread id at once), an
//! answer to an approval request (passed to the engine's approver), the caller's cancellation
//! (turned into one interrupt; the events that follow still flow), and the recorder's flush
//! deadline. [`SessionTurn::finish`] reaps the engine turn, saves the record and brings the
//! session's thread id and usage up to date.

use tokio_util::sync::CancellationToken;

use super::checkpoint;
use super::checkpointing::{Stopped, latest_name};
use super::store::ThreadLock;
use super::{Recorder, Session};
use crate::engine::{
    self, Approver, CodexEvent, EngineError, Item, ItemKind, Turn, TurnOutcome, TurnSpec,
};
use crate::text::{clean, literal};

pub struct SessionTurn<'a> {
    session: &'a mut Session,
    turn: Turn,
    recorder: Option<Recorder>,
    /// This process's hold on the thread while the turn runs.
    lock: Option<ThreadLock>,
    approver: Option<Approver>,
    cancel: CancellationToken,
    interrupted: bool,
    /// The working dir before the turn, to diff against after it.
    before: Option<checkpoint::Manifest>,
}

impl Session {
    /// Starts a turn on the session's thread (a new thread if it has none). `cancel`
    /// interrupts it; the thread stays resumable.
    pub async fn run(
        &mut self,
        prompt: &str,
        cancel: CancellationToken,
    ) -> Result<SessionTurn<'_>, EngineError> {
        if let Some(why) = &self.blocked {
            return Err(EngineError::NoCredential(why.clone()));
        }
        // A thread another process is working on is refused before anything starts.
        let lock = match (&self.store, &self.thread_id) {
            (Some(store), Some(id)) => Some(store.lock(id).map_err(EngineError::Usage)?),
            _ => None,
        };
        let mut existing = self
            .thread_id
            .as_deref()
            .and_then(|id| self.stored_record(id));
        // A new turn after an undo: what was undone can no longer be redone.
        if let Some(r) = &mut existing {
            r.rewind.redo.clear();
        }
        let images = std::mem::take(&mut self.pending_images);
        // The log keeps which images went with the prompt (their paths; not their bytes).
        let logged: String = std::iter::once(prompt.to_string())
            .chain(images.iter().map(|p| format!("[image: {}]", p.display())))
            .collect::<Vec<_>>()
            .join("\n");
        let recorder = self.store.clone().map(|s| {
            Recorder::new(
                s,
                existing,
                &logged,
                &crate::text::bytes_literal(self.engine.cwd.as_os_str().as_encoded_bytes()),
                &self.label,
            )
            .with_policy(super::Policy::of(&self.engine))
        });
        let spec = TurnSpec {
            prompt: prompt.to_string(),
            resume: self.codex_thread(),
            images,
            prior_total: self.total,
            plan: self.plan,
        };
        // Another process (the last `exec`, a server's last call) may have recorded this
        // folder: its state spares reading every unchanged file again.
        let previous = self.last_state.take().or_else(|| {
            self.checkpoints
                .as_ref()
                .and_then(|s| s.load(&latest_name(&self.engine.cwd)).ok().flatten())
        });
        let before = match self.checkpoint(previous, Some(&cancel)).await {
            Ok(b) => b,
            Err(Stopped) => {
                return Err(EngineError::Stopped(
                    "the checkpoint of the working dir was interrupted".into(),
                ));
            }
        };
        let turn = match engine::start_turn(&self.engine, spec) {
            Ok(t) => t,
            Err(e) => {
                self.last_state = before;
                return Err(e);
            }
        };
        Ok(SessionTurn {
            before,
            approver: turn.approver(),
            session: self,
            turn,
            recorder,
            lock,
            cancel,
            interrupted: false,
        })
    }
}

impl SessionTurn<'_> {
    /// The next event, sanitised and recorded; `None` when the turn has nothing more.
    pub async fn next(&mut self) -> Option<CodexEvent> {
        loop {
            let flush_at = self.recorder.as_ref().and_then(Recorder::flush_due);
            tokio::select! {
                ev = self.turn.events.recv() => return Some(self.take(ev?)),
                Some(input) = self.session.answers_rx.recv() => match input {
                    super::ToTurn::Answer(id, decision) => match &self.approver {
                        Some(a) => a.answer(&id, decision),
                        None => tracing::warn!(%id, "an approval answer for a turn that cannot take one"),
                    },
                    super::ToTurn::Steer(text) => match self.turn.steerer() {
                        Some(s) => {
                            if let Some(r) = &mut self.recorder {
                                r.steered(&text);
                            }
                            s.steer(&text);
                        }
                        None => tracing::warn!("steering a turn whose backend cannot take it"),
                    },
                },
                _ = self.cancel.cancelled(), if !self.interrupted => {
                    self.interrupted = true;
                    self.turn.interrupter().interrupt();
                }
                _ = sleep_until(flush_at), if flush_at.is_some() => {
                    if let Some(r) = &mut self.recorder {
                        r.flush();
                    }
                }
            }
        }
    }

    /// The next event if one is ready now, without waiting (for draining a burst before
    /// flushing output); `None` does not mean the turn is over.
    pub fn try_next(&mut self) -> Option<CodexEvent> {
        let ev = self.turn.events.try_recv().ok()?;
        Some(self.take(ev))
    }

    /// Sanitises, notes the thread id, records.
    fn take(&mut self, mut ev: CodexEvent) -> CodexEvent {
        sanitise(&mut ev);
        if let CodexEvent::ThreadStarted { thread_id } = &mut ev
            && let (Some(codex), Some(handle)) =
                (&self.session.codex_thread, &self.session.thread_id)
            && thread_id == codex
        {
            // The conversation lives on in another Codex thread since an undo: the user's id
            // stays the thread's name.
            *thread_id = handle.clone();
        }
        if let CodexEvent::ThreadStarted { thread_id } = &ev {
            self.session.thread_id = Some(thread_id.clone());
            if self.lock.is_none()
                && let Some(store) = &self.session.store
            {
                // A new thread: nobody else can know it yet, but hold it like any other.
                self.lock = store.lock(thread_id).ok();
            }
        }
        if let Some(r) = &mut self.recorder {
            r.observe(&ev);
        }
        ev
    }

    /// The thread this turn runs on, as far as known.
    pub fn thread_id(&self) -> Option<&str> {
        self.session.thread_id()
    }

    pub fn session(&self) -> &Session {
        self.session
    }

    /// Waits for the turn to end (read [`Self::next`] to `None` first), records how it ended
    /// and updates the session.
    pub async fn finish(self) -> TurnOutcome {
        let SessionTurn {
            session,
            turn,
            recorder,
            lock,
            before,
            ..
        } = self;
        let mut outcome = turn.finish().await;
        if let Some(id) = &outcome.thread_id {
            outcome.thread_id = Some(literal(id));
        }
        if outcome.thread_id.is_some() && outcome.thread_id == session.codex_thread {
            outcome.thread_id = session.thread_id.clone();
        }
        outcome.last_message = outcome.last_message.as_deref().map(clean);
        if session.thread_id.is_none() {
            session.thread_id = outcome.thread_id.clone();
        }
        if outcome.total != engine::Usage::default() {
            session.total = outcome.total;
        }
        session.last_diff = match before {
            Some(before) => session.diff_since(before).await,
            None => None,
        };
        if let Some(r) = recorder {
            r.finish();
        }
        drop(lock);
        outcome
    }
}

async fn sleep_until(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Makes every text an event carries safe to show, so no front end can forget to (raw JSON
/// values stay: they are only ever shown JSON-encoded). Prose and output lose colour codes;
/// what a person approves, runs or copies (commands, paths, ids) keeps every character, shown.
pub fn sanitise(ev: &mut CodexEvent) {
    let c = |s: &mut String| *s = clean(s);
    let l = |s: &mut String| *s = literal(s);
    match ev {
        CodexEvent::ThreadStarted { thread_id } => l(thread_id),
        CodexEvent::ItemStarted { item }
        | CodexEvent::ItemUpdated { item }
        | CodexEvent::ItemCompleted { item } => sanitise_item(item),
        CodexEvent::TurnFailed { message }
        | CodexEvent::Error { message }
        | CodexEvent::EngineError { message, .. } => c(message),
        CodexEvent::TurnInterrupted { reason } => c(reason),
        CodexEvent::TurnDiffUpdated { diff } => c(diff),
        CodexEvent::RateLimits { windows } => windows.iter_mut().for_each(|w| c(&mut w.name)),
        CodexEvent::UsageUpdated { .. } => {}
        CodexEvent::ItemDelta { item_id, delta, .. } => {
            l(item_id);
            c(delta);
        }
        CodexEvent::ApprovalRequested {
            request_id,
            command,
            cwd,
            reason,
            diff,
            ..
        } => {
            l(request_id);
            for s in [command, cwd].into_iter().flatten() {
                l(s);
            }
            for s in [reason, diff].into_iter().flatten() {
                c(s);
            }
        }
        CodexEvent::ApprovalResolved { request_id, by, .. } => {
            l(request_id);
            c(by);
        }
        CodexEvent::Unknown { event_type, .. } => c(event_type),
        CodexEvent::Malformed { reason, line } => {
            c(reason);
            c(line);
        }
        CodexEvent::PlanUpdated { steps } => steps.iter_mut().for_each(|s| {
            c(&mut s.text);
            c(&mut s.status);
        }),
        CodexEvent::ThreadCompacted { thread_id } => l(thread_id),
        CodexEvent::TurnStarted | CodexEvent::TurnCompleted { .. } => {}
    }
}

fn sanitise_item(item: &mut Item) {
    let c = |s: &mut String| *s = clean(s);
    let l = |s: &mut String| *s = literal(s);
    l(&mut item.id);
    match &mut item.kind {
        ItemKind::AgentMessage { text } | ItemKind::Reasoning { text } => c(text),
        ItemKind::CommandExecution {
            command,
            aggregated_output,
            ..
        } => {
            l(command);
            c(aggregated_output);
        }
        ItemKind::FileChange { changes, .. } => {
            for ch in changes {
                l(&mut ch.path);
                l(&mut ch.kind);
                if let Some(d) = &mut ch.diff {
                    c(d);
                }
            }
        }
        ItemKind::McpToolCall {
            server,
            tool,
            error,
            ..
        } => {
            l(server);
            l(tool);
            if let Some(e) = error {
                c(e);
            }
        }
        ItemKind::WebSearch {
            search_id, query, ..
        } => {
            c(query);
            if let Some(s) = search_id {
                c(s);
            }
        }
        ItemKind::TodoList { items } => items.iter_mut().for_each(|t| c(&mut t.text)),
        ItemKind::Error { message } => c(message),
        ItemKind::Other { item_type, .. } => c(item_type),
    }
}

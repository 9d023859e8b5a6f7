//! A session's turns: what its services report (Codex events, the turn's end, the thread the
//! actor is on) and a prompt going out. Every message of a session's services comes in through
//! [`SessionView::on_msg`].

use std::path::PathBuf;
use std::time::Instant;

use super::super::Msg;
use super::super::chat::Who;
use super::super::effect::Effect;
use super::super::views::ApprovalView;
use super::{SessionView, Unseen, Up};
use crate::engine::{CodexEvent, DeltaStream, ItemKind, TurnOutcome, TurnSpec, TurnStatus};

impl SessionView {
    /// A message of this session's services (or, in tests and replay, of the one on screen).
    /// Messages that are not a session's are ignored: the App keeps those.
    pub fn on_msg(&mut self, msg: Msg, now: Instant) {
        match msg {
            Msg::Codex { run, event } => self.on_codex(run, &event, now),
            Msg::TurnDone { run, outcome } => self.on_turn_done(run, outcome, now),
            Msg::TurnDiff { run, diff } => self.on_turn_diff(run, diff),
            Msg::Thread { id, total } => self.turn.set_thread(id, total),
            Msg::FilesChanged => self.effect(Effect::Rescan),
            Msg::Tree { entries, truncated } => self.files.set_entries(entries, truncated),
            Msg::Transcript {
                id,
                record,
                entries,
                agent,
            } => {
                self.load_transcript(&id, record.map(|r| *r), entries, now);
                if let Some(state) = agent {
                    self.show_agent_history(&state);
                }
            }
            Msg::Agent { run, msg } => self.on_agent(run, msg, now),
            Msg::Failed(message) => self.fail(&message),
            Msg::Notice(text) => self.say(Who::Notice, &text),
            Msg::Replay { prompt, event } => self.on_replay(prompt, event, now),
            Msg::WorktreeReady(made) => self.on_worktree(made, now),
            Msg::Forked(forked) => self.on_forked(*forked),
            Msg::Compacted(done) => self.on_compacted(done, now),
            Msg::Reviewed(done, diff) => self.on_reviewed(done, diff.map(|d| *d)),
            Msg::Term(_)
            | Msg::DiffLoaded { .. }
            | Msg::Preview(_)
            | Msg::Sessions(_)
            | Msg::Skills(_)
            | Msg::Tick(_)
            | Msg::Models(_)
            | Msg::Tab { .. }
            | Msg::Batch(_) => {}
        }
    }

    pub(super) fn on_codex(&mut self, run: u64, event: &CodexEvent, now: Instant) {
        let Some(turn) = self.turn.running_mut().filter(|t| t.run == run) else {
            return;
        };
        turn.last_event = now;
        let superseded = turn.superseded;
        match event {
            // With the agent, Codex's answer goes to the agent; the event pane shows it.
            CodexEvent::ItemCompleted { item } if !self.agent_mode => {
                if let ItemKind::AgentMessage { text } = &item.kind {
                    self.chat.codex_message(&item.id, text);
                }
            }
            CodexEvent::ItemDelta {
                item_id,
                stream: DeltaStream::AgentMessage,
                delta,
            } if !self.agent_mode => self.chat.codex_delta(item_id, delta),
            CodexEvent::ApprovalRequested {
                request_id,
                kind,
                command,
                cwd,
                reason,
                diff,
            } => {
                self.approvals.push_back(ApprovalView {
                    run,
                    request_id: request_id.clone(),
                    kind: *kind,
                    command: command.clone(),
                    cwd: cwd.clone(),
                    reason: reason.clone(),
                    diff: diff.clone(),
                    armed_at: None,
                    scroll: 0,
                });
                self.ups.push(Up::Attention {
                    status: "approval",
                    last_message: None,
                });
            }
            CodexEvent::ApprovalResolved { request_id, .. } => self.forget_approval(request_id),
            CodexEvent::TurnDiffUpdated { diff } if !superseded => self.on_live_diff(diff),
            CodexEvent::UsageUpdated {
                context_tokens,
                context_window,
                ..
            } if !superseded => self.context = Some((*context_tokens, *context_window)),
            CodexEvent::RateLimits { windows } => self.ups.push(Up::RateLimits(windows.clone())),
            CodexEvent::TurnCompleted { usage, total } if !superseded => {
                self.turn.completed(*usage, *total);
            }
            _ => {}
        }
        for f in self.events.apply(run, event, now) {
            self.files.mark_changed(PathBuf::from(f));
        }
    }

    fn on_turn_done(&mut self, run: u64, outcome: TurnOutcome, now: Instant) {
        let Some(turn) = self.turn.end(run) else {
            return;
        };
        let status = match &outcome.status {
            TurnStatus::Completed => "done",
            TurnStatus::Interrupted => "interrupted",
            TurnStatus::Failed(_) => "failed",
        };
        // A failure stays in the bar until the next turn.
        if status == "failed" {
            self.unseen = Unseen::Failed;
        }
        if !turn.superseded {
            self.ups.push(Up::Attention {
                status,
                last_message: outcome.last_message.clone(),
            });
        }
        match &outcome.status {
            TurnStatus::Completed => {}
            TurnStatus::Interrupted => {
                self.events.stop_running(run, now);
                let what = if turn.superseded {
                    "interrupted"
                } else {
                    "interrupted — the next prompt continues this thread"
                };
                self.say(Who::Notice, what);
            }
            TurnStatus::Failed(e) => {
                self.events.stop_running(run, now);
                self.fail(&e.to_string());
            }
        }
        if let Some(next) = self.turn.next_queued() {
            self.start_turn(next, now);
        }
    }

    /// Sends a prompt: continues the current thread, or starts one.
    pub fn start_turn(&mut self, prompt: String, now: Instant) {
        self.say(Who::User, &prompt);
        self.files.clear_changed();
        self.live_diff = None;
        self.unseen = Unseen::Nothing;
        let run = self.turn.begin(now);
        let via_agent = self.agent_mode;
        if let Some(t) = self.turn.running_mut() {
            t.via_agent = via_agent;
        }
        self.events.follow();
        let spec = TurnSpec {
            prompt,
            resume: self.turn.thread_id().map(str::to_string),
            images: std::mem::take(&mut self.attachments),
            prior_total: self.turn.total(),
            plan: self.plan,
        };
        self.effect(Effect::StartTurn {
            run,
            spec,
            agent: self.agent_mode,
        });
    }

    /// The running turn no longer speaks for what is on screen (`/new`, `/resume`, a move):
    /// it is being interrupted, and what it still reports is shown but not adopted.
    pub fn supersede_turn(&mut self) {
        let Some(t) = self.turn.running_mut() else {
            return;
        };
        if t.superseded {
            return;
        }
        t.superseded = true;
        t.interrupting = true;
        self.approvals.clear();
        self.note("interrupting the running turn");
    }

    /// Esc / Ctrl+C while a turn runs; false when nothing runs (or it is already stopping).
    pub fn interrupt(&mut self) -> bool {
        match self.turn.running_mut() {
            Some(t) if !t.interrupting => {
                t.interrupting = true;
                self.effect(Effect::Interrupt);
                self.note("interrupt requested");
                true
            }
            _ => false,
        }
    }

    /// `/new`: the next prompt starts a thread (a running turn is interrupted first, by the
    /// session actor, which then reports the thread it is on: none).
    pub fn new_thread(&mut self) {
        self.supersede_turn();
        self.effect(Effect::NewThread);
        self.context = None;
        self.say(Who::Notice, "new thread: the next prompt starts it");
    }

    /// `/resume ID` (or a pick in the resume list).
    pub fn resume(&mut self, id: String) {
        self.supersede_turn();
        self.effect(Effect::LoadTranscript(id));
    }

    /// `/undo`: the session actor takes the last turn back (files and conversation); `/redo`
    /// (`redo` true): puts it back.
    pub fn undo(&mut self, redo: bool, force: bool) {
        let verb = if redo { "redo" } else { "undo" };
        if self.is_running() {
            return self.fail(&format!(
                "a turn is running: interrupt it (Esc) before /{verb}"
            ));
        }
        if self.thread_id().is_none() {
            return self.fail(&format!("nothing to {verb}: no thread yet"));
        }
        self.last_diff = None;
        self.files.clear_changed();
        self.effect(Effect::Undo { redo, force });
    }
}

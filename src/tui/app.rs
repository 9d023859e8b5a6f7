//! The App: the TUI's state, and the one function that changes it.
//!
//! `update(msg)` is the only mutation point (codex-rs/tui's rule): terminal input, Codex
//! events, file-system batches and timer ticks all arrive as [`Msg`]s on one task, and
//! anything with a side effect (start a turn, interrupt, read a file) leaves as an [`Effect`]
//! for the event loop to carry out. That keeps the App testable without a terminal or a
//! child process: feed messages, look at the state, snapshot the render.
//!
//! The state lives in components with their own invariants — [`Chat`], [`EventPane`],
//! [`FileTree`], [`TurnState`] and the popup stack ([`Popups`]) — and the App routes to them.

use std::path::PathBuf;
use std::time::Instant;

use ratatui_textarea::{TextArea, WrapMode};

use super::Msg;
use super::agent_view::AgentView;
pub use super::chat::{Chat, ChatLine, MAX_CHAT, Who};
pub use super::event_pane::EventPane;
use super::keymap::Keymap;
use super::pickers::Picker;
use super::rows::RowKind;
pub use super::tabs::{Tab, TabState, Unseen};
pub use super::turn::{Running, TurnState};
pub use super::views::{ApprovalView, Popup, Popups, Reaction};
use crate::engine::TurnStatus;
use crate::engine::{ApprovalDecision, CodexEvent, DeltaStream, ItemKind, TurnOutcome, TurnSpec};
use crate::skills::{Skill, SkillError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Input,
    Chat,
    Events,
    Files,
}

impl Focus {
    pub fn next(self, tree_visible: bool) -> Self {
        match self {
            Self::Input => Self::Chat,
            Self::Chat => Self::Events,
            Self::Events if tree_visible => Self::Files,
            _ => Self::Input,
        }
    }
    pub fn prev(self, tree_visible: bool) -> Self {
        match self {
            Self::Input if tree_visible => Self::Files,
            Self::Input => Self::Events,
            Self::Files => Self::Events,
            Self::Events => Self::Chat,
            Self::Chat => Self::Input,
        }
    }
}

pub use super::effect::Effect;

/// An empty prompt box.
pub fn new_input() -> TextArea<'static> {
    let mut input = TextArea::default();
    input.set_wrap_mode(WrapMode::Word);
    input.set_placeholder_text("Ask Codex…  ($ for skills, /help for commands)");
    input
}

/// Static facts shown in the status bar.
#[derive(Debug, Clone, Default)]
pub struct Info {
    pub backend: String,
    pub model: String,
    /// The reasoning effort chosen with `/effort` (or `--reasoning-effort`).
    pub effort: Option<String>,
    pub sandbox: String,
    pub cwd: PathBuf,
}

pub struct App {
    pub keymap: Keymap,
    /// Every session, in bar order; see [`super::tabs`].
    pub tabs: Vec<Tab>,
    /// The tab on screen.
    pub visible: usize,
    /// The tab being worked on (the App dereferences to it): the visible one, except while
    /// a message of a background tab is handled.
    pub current: usize,
    pub next_tab_id: u64,
    pub popups: Popups,
    pub input: TextArea<'static>,
    pub focus: Focus,
    pub error: Option<String>,
    pub quit_armed: bool,
    pub now: Instant,
    pub spinner: usize,
    pub skills: Vec<Skill>,
    pub skill_errors: Vec<SkillError>,
    /// (row, column) of a `$word` whose popup the user closed; it stays closed.
    pub skill_dismissed: Option<(usize, usize)>,
    pub read_only: bool,
    pub size: (u16, u16),
    pub dirty: bool,
    pub quit: bool,
    /// The terminal has focus (crossterm focus events; assumed until told otherwise).
    pub term_focused: bool,
    /// The app has the mouse (clicks, wheel); off, the terminal's own selection works.
    pub mouse_captured: bool,
    /// A destructive choice waiting for its confirmation (the thread id to forget).
    pub confirm_delete: Option<String>,
    /// The account's rate-limit windows, as last reported (they are the account's, not a
    /// tab's).
    pub rate_limits: Vec<crate::engine::event::RateWindow>,
    /// Effects raised deep in a handler (notifications), sent with the update's others.
    pub(super) outbox: Vec<Effect>,
}

impl App {
    pub fn new(keymap: Keymap, info: Info) -> Self {
        Self {
            keymap,
            tabs: vec![Tab::new(0, info, AgentView::default())],
            visible: 0,
            current: 0,
            next_tab_id: 1,
            popups: Popups::default(),
            input: new_input(),
            focus: Focus::Input,
            error: None,
            quit_armed: false,
            now: Instant::now(),
            spinner: 0,
            skills: Vec::new(),
            skill_errors: Vec::new(),
            skill_dismissed: None,
            read_only: false,
            size: (120, 40),
            dirty: true,
            quit: false,
            term_focused: true,
            outbox: Vec::new(),
            rate_limits: Vec::new(),
            confirm_delete: None,
            mouse_captured: true,
        }
    }

    /// The popup on top, which gets the keys.
    pub fn popup(&self) -> Option<&Popup> {
        self.popups.top()
    }

    pub fn thread_id(&self) -> Option<&str> {
        self.turn.thread_id()
    }

    pub fn say(&mut self, who: Who, text: &str) {
        self.chat.say(who, text);
    }

    pub fn fail(&mut self, message: &str) {
        // A background tab's error waits in its chat (and the bar), not on screen.
        if self.on_screen() {
            self.error = Some(crate::text::one_line(message, 400));
        }
        self.say(Who::Error, message);
    }

    pub fn is_running(&self) -> bool {
        self.turn.is_running()
    }

    /// The single entry point for every change.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        let mut fx = Vec::new();
        match msg {
            Msg::Term(ev) => super::input::handle_terminal(self, ev, &mut fx),
            Msg::Codex { run, event } => self.on_codex(run, &event),
            Msg::TurnDone { run, outcome } => self.on_turn_done(run, outcome, &mut fx),
            Msg::DiffLoaded { label, diff } => {
                let view = super::views::DiffView::new(&label, &diff);
                self.popups.push(Popup::Diff(view));
            }
            Msg::TurnDiff { run, diff } => self.on_turn_diff(run, diff),
            Msg::FilesChanged => fx.push(Effect::Rescan),
            Msg::Tree { entries, truncated } => self.files.set_entries(entries, truncated),
            Msg::Preview(p) => self.popups.push(Popup::Preview(p)),
            Msg::Sessions(list) => {
                if list.is_empty() {
                    self.say(Who::Notice, "no stored sessions yet");
                } else {
                    self.popups.push(Popup::Resume(Picker::new(list, "")));
                }
            }
            Msg::Skills(d) => {
                self.skills = d.skills;
                self.skill_errors = d.errors;
            }
            Msg::Transcript {
                id,
                record,
                entries,
                agent,
            } => {
                self.load_transcript(id, record, entries);
                if let Some(state) = agent {
                    self.show_agent_history(&state);
                }
            }
            Msg::Agent { run, msg } => self.on_agent(run, msg),
            Msg::Failed(message) => self.fail(&message),
            Msg::Notice(text) => self.say(Who::Notice, &text),
            Msg::Replay { prompt, event } => self.on_replay(prompt, event),
            Msg::Tick(now) => {
                self.now = now;
                self.spinner = self.spinner.wrapping_add(1);
            }
            Msg::WorktreeReady(made) => self.on_worktree(made, &mut fx),
            Msg::Models(list) => super::model_choice::listed(self, list),
            Msg::Tab { tab, msg } => {
                let inner = self.in_tab(tab, |app| app.update(*msg)).unwrap_or_default();
                fx.extend(inner.into_iter().map(|e| Effect::InTab(tab, Box::new(e))));
            }
        }
        fx.append(&mut self.outbox);
        fx
    }

    pub(super) fn on_codex(&mut self, run: u64, event: &CodexEvent) {
        let now = self.now;
        let Some(turn) = self.turn.running_mut().filter(|t| t.run == run) else {
            return;
        };
        turn.last_event = now;
        let superseded = turn.superseded;
        match event {
            CodexEvent::ThreadStarted { thread_id } if !superseded => {
                let total = self.turn.total();
                self.turn.set_thread(Some(thread_id.clone()), total);
            }
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
                self.show_next_approval();
                self.notify("approval", None);
            }
            CodexEvent::ApprovalResolved { request_id, .. } => {
                self.forget_approval(request_id);
                self.show_next_approval();
            }
            CodexEvent::TurnDiffUpdated { diff } if !superseded => self.on_live_diff(diff),
            CodexEvent::UsageUpdated {
                context_tokens,
                context_window,
                ..
            } if !superseded => self.context = Some((*context_tokens, *context_window)),
            CodexEvent::RateLimits { windows } => self.rate_limits = windows.clone(),
            CodexEvent::TurnCompleted { usage, total } if !superseded => {
                self.turn.completed(*usage, *total);
            }
            _ => {}
        }
        for f in self.events.apply(run, event, now) {
            self.files.mark_changed(PathBuf::from(f));
        }
    }

    /// Puts the oldest unanswered approval on top, unless one is already showing.
    pub fn show_next_approval(&mut self) {
        // Only the tab on screen shows its approvals; a background tab's wait in the bar.
        if !self.on_screen() || self.popups.any(|p| matches!(p, Popup::Approval(_))) {
            return;
        }
        if let Some(mut a) = self.approvals.front().cloned() {
            // The skill picker belongs to the prompt being typed: the modal replaces it.
            self.popups.close(|p| matches!(p, Popup::Skills(_)));
            a.armed_at = Some(self.now + super::views::APPROVAL_GUARD);
            self.popups.push(Popup::Approval(a));
        }
    }

    /// The answer to the approval on screen.
    pub fn answer_approval(&mut self, decision: ApprovalDecision, fx: &mut Vec<Effect>) {
        let Some(Popup::Approval(a)) = self.popups.top() else {
            return;
        };
        let (run, request_id) = (a.run, a.request_id.clone());
        fx.push(Effect::Approve {
            run,
            request_id: request_id.clone(),
            decision,
        });
        self.approvals.retain(|x| x.request_id != request_id);
        self.popups.pop();
        self.show_next_approval();
    }

    fn on_turn_done(&mut self, run: u64, outcome: TurnOutcome, fx: &mut Vec<Effect>) {
        let Some(turn) = self.turn.end(run) else {
            return;
        };
        if self.turn.thread_id().is_none() && !turn.superseded {
            let total = self.turn.total();
            self.turn.set_thread(outcome.thread_id.clone(), total);
        }
        let status = match &outcome.status {
            TurnStatus::Completed => "done",
            TurnStatus::Interrupted => "interrupted",
            TurnStatus::Failed(_) => "failed",
        };
        // A failure stays in the bar until the next turn; a success only out of sight.
        if status == "failed" {
            self.unseen = Unseen::Failed;
        } else if !self.on_screen() {
            self.unseen = Unseen::Done;
        }
        if !turn.superseded {
            self.notify(status, outcome.last_message.clone());
        }
        match &outcome.status {
            TurnStatus::Completed => {}
            TurnStatus::Interrupted => {
                let now = self.now;
                self.events.stop_running(run, now);
                let what = if turn.superseded {
                    "interrupted"
                } else {
                    "interrupted — the next prompt continues this thread"
                };
                self.say(Who::Notice, what);
            }
            TurnStatus::Failed(e) => {
                let now = self.now;
                self.events.stop_running(run, now);
                self.fail(&e.to_string());
            }
        }
        if let Some(next) = self.turn.next_queued() {
            self.start_turn(next, fx);
        }
    }

    /// Sends a prompt: continues the current thread, or starts one.
    pub fn start_turn(&mut self, prompt: String, fx: &mut Vec<Effect>) {
        self.say(Who::User, &prompt);
        self.files.clear_changed();
        self.error = None;
        self.live_diff = None;
        self.unseen = Unseen::Nothing;
        let now = self.now;
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
        };
        fx.push(Effect::StartTurn {
            run,
            spec,
            agent: self.agent_mode,
        });
    }

    /// The running turn no longer speaks for the thread on screen (`/new`, `/resume`):
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
        self.popups.close(|p| matches!(p, Popup::Approval(_)));
        self.note("interrupting the running turn");
    }

    /// Asks for the user's attention when they look elsewhere (another tab, another window).
    fn notify(&mut self, status: &'static str, last_message: Option<String>) {
        if self.on_screen() && self.term_focused {
            return;
        }
        let note = super::notify::Notification {
            kind: "codexmcp-turn",
            thread_id: self.thread_id().map(str::to_string),
            title: self.title(),
            status,
            last_message,
            cwd: self.info.cwd.display().to_string(),
        };
        self.outbox.push(Effect::Notify(note));
    }

    pub fn note(&mut self, text: &str) {
        let run = self.turn.running().map_or(0, |t| t.run);
        self.events.note(run, RowKind::Info, text);
    }
}

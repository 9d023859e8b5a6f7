//! The App: all TUI state, and the one function that changes it.
//!
//! `update(msg)` is the only mutation point (codex-rs/tui's rule): terminal input, Codex
//! events, file-system batches and timer ticks all arrive as [`Msg`]s on one task, and
//! anything with a side effect (start a turn, interrupt, read a file) leaves as an [`Effect`]
//! for the event loop to carry out. That keeps the App testable without a terminal or a
//! child process: feed messages, look at the state, snapshot the render.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Instant;

use ratatui_textarea::{TextArea, WrapMode};

use super::Msg;
use super::agent_view::AgentView;
use super::files::{FileTree, Preview};
use super::keymap::Keymap;
use super::pickers::Picker;
use super::rows::{RowKind, Rows};
use crate::engine::{CodexEvent, ItemKind, TurnOutcome, TurnSpec, TurnStatus, Usage};
use crate::session::{LogEntry, SessionRecord};
use crate::skills::{Skill, SkillError};

/// Chat lines kept in memory (the session log keeps all).
pub const MAX_CHAT: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    User,
    Codex,
    Agent,
    Notice,
    Error,
}

#[derive(Debug, Clone)]
pub struct ChatLine {
    pub who: Who,
    /// Sanitized.
    pub text: String,
}

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

/// An approval request waiting for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalView {
    pub run: u64,
    pub request_id: String,
    pub kind: crate::engine::ApprovalKind,
    pub command: Option<String>,
    pub cwd: Option<String>,
    pub reason: Option<String>,
    pub diff: Option<String>,
}

pub enum Popup {
    Approval(ApprovalView),
    Skills(Picker<Skill>),
    Resume(Picker<SessionRecord>),
    Help,
    Preview(Preview),
}

/// Side effects the event loop carries out for the App.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    StartTurn {
        run: u64,
        spec: TurnSpec,
        agent: bool,
    },
    Interrupt,
    Quit,
    Rescan,
    LoadPreview(PathBuf),
    ListSessions,
    LoadTranscript(String),
    /// Answer an approval request of a run.
    Approve {
        run: u64,
        request_id: String,
        decision: crate::engine::ApprovalDecision,
    },
    /// `/new`: forget the agent conversation too.
    NewThread,
}

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
    pub sandbox: String,
    pub cwd: PathBuf,
}

#[derive(Debug, Clone, Copy)]
pub struct Running {
    pub run: u64,
    pub started: Instant,
    pub last_event: Instant,
    pub interrupting: bool,
    /// `/new` or `/resume` replaced the thread while this turn ran: what it still reports
    /// must not bring the old thread back.
    pub superseded: bool,
}

pub struct App {
    pub keymap: Keymap,
    pub info: Info,
    pub chat: VecDeque<ChatLine>,
    /// Lines scrolled up from the bottom of the chat (0 = follow).
    pub chat_scroll: usize,
    pub rows: Rows,
    /// Selected event row (None = follow the tail).
    pub row_selected: Option<usize>,
    pub input: TextArea<'static>,
    pub focus: Focus,
    pub files: FileTree,
    pub thread_id: Option<String>,
    pub total: Usage,
    pub turn_usage: Usage,
    pub turn: Option<Running>,
    pub next_run: u64,
    pub queued: VecDeque<String>,
    pub popup: Option<Popup>,
    pub error: Option<String>,
    pub quit_armed: bool,
    pub now: Instant,
    pub spinner: usize,
    pub skills: Vec<Skill>,
    pub skill_errors: Vec<SkillError>,
    /// (row, column) of a `$word` whose popup the user closed; it stays closed.
    pub skill_dismissed: Option<(usize, usize)>,
    pub read_only: bool,
    /// Prompts go to the orchestrating agent (else straight to Codex).
    pub agent_mode: bool,
    pub agent: AgentView,
    /// Approval requests not yet answered, oldest first (the first one is on screen).
    pub approvals: VecDeque<ApprovalView>,
    /// The Codex message streaming into the chat (app-server deltas): its item id.
    pub codex_stream: Option<String>,
    pub size: (u16, u16),
    pub dirty: bool,
    pub quit: bool,
}

impl App {
    pub fn new(keymap: Keymap, info: Info) -> Self {
        let input = new_input();
        let files = FileTree::new(info.cwd.clone());
        Self {
            keymap,
            info,
            chat: VecDeque::new(),
            chat_scroll: 0,
            rows: Rows::default(),
            row_selected: None,
            input,
            focus: Focus::Input,
            files,
            thread_id: None,
            total: Usage::default(),
            turn_usage: Usage::default(),
            turn: None,
            next_run: 1,
            queued: VecDeque::new(),
            popup: None,
            error: None,
            quit_armed: false,
            now: Instant::now(),
            spinner: 0,
            skills: Vec::new(),
            skill_errors: Vec::new(),
            skill_dismissed: None,
            read_only: false,
            agent_mode: false,
            agent: AgentView::default(),
            approvals: VecDeque::new(),
            codex_stream: None,
            size: (120, 40),
            dirty: true,
            quit: false,
        }
    }

    pub fn say(&mut self, who: Who, text: &str) {
        self.agent.streaming = false;
        if self.chat.len() == MAX_CHAT {
            self.chat.pop_front();
        }
        self.chat.push_back(ChatLine {
            who,
            text: crate::text::sanitize(text.trim_end()),
        });
        self.chat_scroll = 0;
    }

    pub fn fail(&mut self, message: &str) {
        self.error = Some(crate::text::one_line(message, 400));
        self.say(Who::Error, message);
    }

    pub fn is_running(&self) -> bool {
        self.turn.is_some()
    }

    /// The single entry point for every change.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        let mut fx = Vec::new();
        match msg {
            Msg::Term(ev) => super::input::handle_terminal(self, ev, &mut fx),
            Msg::Codex { run, event } => self.on_codex(run, &event),
            Msg::TurnDone { run, outcome } => self.on_turn_done(run, outcome, &mut fx),
            Msg::FilesChanged => fx.push(Effect::Rescan),
            Msg::Tree { entries, truncated } => self.files.set_entries(entries, truncated),
            Msg::Preview(p) => self.popup = Some(Popup::Preview(p)),
            Msg::Sessions(list) => {
                if list.is_empty() {
                    self.say(Who::Notice, "no stored sessions yet");
                } else {
                    self.popup = Some(Popup::Resume(Picker::new(list, "")));
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
            Msg::Replay { prompt, event } => self.on_replay(prompt, event),
            Msg::Tick(now) => {
                self.now = now;
                self.spinner = self.spinner.wrapping_add(1);
            }
        }
        fx
    }

    fn on_codex(&mut self, run: u64, event: &CodexEvent) {
        let Some(turn) = &mut self.turn else { return };
        if turn.run != run {
            return;
        }
        turn.last_event = self.now;
        let superseded = turn.superseded;
        match event {
            CodexEvent::ThreadStarted { thread_id } if !superseded => {
                self.thread_id = Some(thread_id.clone())
            }
            // With the agent, Codex's answer goes to the agent; the event pane shows it.
            CodexEvent::ItemCompleted { item } if !self.agent_mode => {
                if let ItemKind::AgentMessage { text } = &item.kind {
                    let streamed = self.codex_stream.take().is_some_and(|id| id == item.id);
                    match self.chat.back_mut() {
                        Some(last) if streamed && last.who == Who::Codex => {
                            last.text = crate::text::sanitize(text.trim_end());
                        }
                        _ => self.say(Who::Codex, text),
                    }
                }
            }
            CodexEvent::ItemDelta {
                item_id,
                stream,
                delta,
            } if *stream == crate::engine::DeltaStream::AgentMessage && !self.agent_mode => {
                let clean = crate::text::sanitize(delta);
                match self.chat.back_mut() {
                    Some(last)
                        if self.codex_stream.as_deref() == Some(item_id.as_str())
                            && last.who == Who::Codex =>
                    {
                        last.text.push_str(&clean);
                    }
                    _ => {
                        self.say(Who::Codex, "");
                        if let Some(last) = self.chat.back_mut() {
                            last.text = clean;
                        }
                        self.codex_stream = Some(item_id.clone());
                    }
                }
            }
            CodexEvent::ApprovalRequested {
                request_id,
                kind,
                command,
                cwd,
                reason,
                diff,
            } => {
                let view = ApprovalView {
                    run,
                    request_id: request_id.clone(),
                    kind: *kind,
                    command: command.clone(),
                    cwd: cwd.clone(),
                    reason: reason.clone(),
                    diff: diff.clone(),
                };
                self.approvals.push_back(view);
                self.show_next_approval();
            }
            CodexEvent::ApprovalResolved { request_id, .. } => {
                self.approvals.retain(|a| &a.request_id != request_id);
                if matches!(&self.popup, Some(Popup::Approval(a)) if &a.request_id == request_id) {
                    self.popup = None;
                }
                self.show_next_approval();
            }
            CodexEvent::TurnCompleted { usage, total } if !superseded => {
                self.turn_usage = *usage;
                self.total = *total;
            }
            _ => {}
        }
        self.apply_row(run, event);
    }

    /// Puts the oldest unanswered approval on screen, unless a modal is already up.
    pub fn show_next_approval(&mut self) {
        if matches!(self.popup, None | Some(Popup::Skills(_)))
            && let Some(a) = self.approvals.front()
        {
            self.popup = Some(Popup::Approval(a.clone()));
        }
    }

    /// Codex events arriving through the agent's tool calls.
    pub(super) fn on_codex_via_agent(&mut self, run: u64, event: &CodexEvent) {
        self.on_codex(run, event);
    }

    fn apply_row(&mut self, run: u64, event: &CodexEvent) {
        for f in self.rows.apply(run, event, self.now) {
            self.files.changed.insert(PathBuf::from(f));
        }
        if let Some(sel) = self.row_selected {
            // Keep the selection on the same row when old rows fall off the front.
            self.row_selected = Some(sel.min(self.rows.len().saturating_sub(1)));
        }
    }

    fn on_turn_done(&mut self, run: u64, outcome: TurnOutcome, fx: &mut Vec<Effect>) {
        let Some(turn) = self.turn.filter(|t| t.run == run) else {
            return;
        };
        self.turn = None;
        if self.thread_id.is_none() && !turn.superseded {
            self.thread_id = outcome.thread_id.clone();
        }
        match &outcome.status {
            TurnStatus::Completed => {}
            TurnStatus::Interrupted => {
                self.rows.stop_running(run, self.now);
                self.say(
                    Who::Notice,
                    "interrupted — the next prompt continues this thread",
                );
            }
            TurnStatus::Failed(e) => {
                self.rows.stop_running(run, self.now);
                self.fail(&e.to_string());
            }
        }
        if let Some(next) = self.queued.pop_front() {
            self.start_turn(next, fx);
        }
    }

    /// Sends a prompt: continues the current thread, or starts one.
    pub fn start_turn(&mut self, prompt: String, fx: &mut Vec<Effect>) {
        let run = self.next_run;
        self.next_run += 1;
        self.say(Who::User, &prompt);
        self.files.changed.clear();
        self.error = None;
        self.turn_usage = Usage::default();
        self.turn = Some(Running {
            run,
            started: self.now,
            last_event: self.now,
            interrupting: false,
            superseded: false,
        });
        self.row_selected = None;
        let spec = TurnSpec {
            prompt,
            resume: self.thread_id.clone(),
            prior_total: self.total,
        };
        fx.push(Effect::StartTurn {
            run,
            spec,
            agent: self.agent_mode,
        });
    }

    /// Rebuilds chat and rows from a stored session log, and continues that thread.
    fn load_transcript(
        &mut self,
        id: String,
        record: Option<SessionRecord>,
        entries: Vec<LogEntry>,
    ) {
        self.chat.clear();
        self.rows = Rows::default();
        self.row_selected = None;
        self.thread_id = Some(id.clone());
        self.total = record.as_ref().map(|r| r.usage).unwrap_or_default();
        let mut run = 0;
        for entry in entries {
            match entry {
                LogEntry::Prompt { text, .. } => {
                    run = self.next_run;
                    self.next_run += 1;
                    self.say(Who::User, &text);
                }
                LogEntry::Event { event, .. } => {
                    if let CodexEvent::ItemCompleted { item } = &event
                        && let ItemKind::AgentMessage { text } = &item.kind
                    {
                        self.say(Who::Codex, text);
                    }
                    self.rows.apply(run, &event, self.now);
                }
            }
        }
        let title = record
            .map(|r| r.title)
            .unwrap_or_else(|| "no local transcript; Codex keeps the history".into());
        self.say(Who::Notice, &format!("resumed thread {id}: {title}"));
    }

    /// A recorded prompt starts a pseudo-turn; recorded events flow through the normal path.
    fn on_replay(&mut self, prompt: Option<String>, event: Option<CodexEvent>) {
        if let Some(p) = prompt {
            let run = self.next_run;
            self.next_run += 1;
            self.say(Who::User, &p);
            self.turn = Some(Running {
                run,
                started: self.now,
                last_event: self.now,
                interrupting: false,
                superseded: false,
            });
        }
        if let Some(e) = event {
            if self.turn.is_none() {
                let run = self.next_run;
                self.next_run += 1;
                self.turn = Some(Running {
                    run,
                    started: self.now,
                    last_event: self.now,
                    interrupting: false,
                    superseded: false,
                });
            }
            let run = self.turn.map_or(0, |t| t.run);
            self.on_codex(run, &e);
            if e.is_terminal() {
                self.turn = None;
            }
        }
    }

    /// The running turn no longer speaks for the thread on screen (`/new`, `/resume`):
    /// it is being interrupted, and what it still reports is shown but not adopted.
    pub fn supersede_turn(&mut self) {
        if let Some(t) = &mut self.turn
            && !t.superseded
        {
            t.superseded = true;
            t.interrupting = true;
            self.approvals.clear();
            if matches!(self.popup, Some(Popup::Approval(_))) {
                self.popup = None;
            }
            self.note("interrupting the running turn");
        }
    }

    pub fn note(&mut self, text: &str) {
        let run = self.turn.map_or(0, |t| t.run);
        self.rows.note(run, RowKind::Info, text);
    }
}

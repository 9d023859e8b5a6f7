//! One session on screen: its chat, events pane, file tree, prompt and turn display, behind
//! private fields. A `SessionView` changes only itself; whatever must happen elsewhere — a
//! service to call, a popup to open, an error for the status line, a turn that ended out of
//! sight — it says as an [`Up`] that the App collects after each call ([`SessionView::take_ups`]).
//!
//! It never knows whether it is on screen: the App decides what a background session's news
//! means. And it never decides which thread it is on: the session actor owns the thread id and
//! reports it (`Msg::Thread`); the view shows what it was told.

mod agent;
mod codex;
mod diffs;
mod findings;
mod history;
mod place;
mod prompt;
#[cfg(test)]
mod tests;
mod verbs;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ratatui_textarea::{TextArea, WrapMode};

pub use agent::AgentUsage;
pub use diffs::LAST;
pub use prompt::{Completing, chip};

use super::chat::{Chat, Who};
use super::effect::Effect;
use super::event_pane::EventPane;
use super::files::FileTree;
use super::rows::RowKind;
use super::turn::TurnState;
use super::views::{ApprovalView, Popup};
use crate::session::checkpoint::TurnDiff;
use crate::session::worktree::Worktree;

/// At most this many sessions (Alt+1…9 reach them all).
pub const MAX_TABS: usize = 9;

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

/// What a session has to tell that its owner has not seen yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unseen {
    #[default]
    Nothing,
    /// A turn ended while the session was in the background.
    Done,
    Failed,
}

/// A session's state as the session bar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabState {
    Idle,
    Running(Duration),
    Approval,
    Done,
    Failed,
}

/// What a session asks of the App.
pub enum Up {
    /// For this session's services.
    Effect(Effect),
    /// For the status line, when this session is the one on screen.
    Error(String),
    /// A view to open over this session (a diff).
    Open(Popup),
    /// Codex's diff of the running turn changed: an open live view follows it.
    LiveDiff(TurnDiff),
    /// The turn's own diff arrived: an open live view shows it from now on.
    FinalDiff(TurnDiff),
    /// Something the user may want to hear about while looking elsewhere (`done`, `failed`,
    /// `interrupted`, `approval`).
    Attention {
        status: &'static str,
        last_message: Option<String>,
    },
    /// The account's rate-limit windows (the App's, not a session's).
    RateLimits(Vec<crate::engine::event::RateWindow>),
}

pub struct SessionView {
    /// Stable for the session's life; it names the session's services too.
    id: u64,
    info: Info,
    chat: Chat,
    events: EventPane,
    files: FileTree,
    turn: TurnState,
    prompt: TextArea<'static>,
    /// (row, column) of a `$word` or `/word` whose popup the user closed; it stays closed.
    dismissed: Option<(usize, usize)>,
    /// Prompts go to the orchestrating agent (else straight to Codex).
    agent_mode: bool,
    agent: AgentUsage,
    /// Approval requests not yet answered, oldest first.
    approvals: VecDeque<ApprovalView>,
    /// What the last turn changed in the working dir: `/diff` shows it.
    last_diff: Option<TurnDiff>,
    /// The change the last `/review turn N` looked at (its findings open in it).
    reviewed_diff: Option<TurnDiff>,
    /// What the session bar calls it, when not its first prompt (a batch task's id).
    label: Option<String>,
    /// Codex's own diff of the running turn so far (app-server), until the turn's own.
    live_diff: Option<TurnDiff>,
    unseen: Unseen,
    /// The last request's tokens and the model's context window (when Codex says).
    context: Option<(u64, Option<u64>)>,
    /// Images for the next prompt (checked), shown as chips in the prompt box.
    attachments: Vec<PathBuf>,
    /// The git worktree this session works in, when it was opened with one.
    worktree: Option<Worktree>,
    /// The next turns run in plan mode (`/plan`, app-server).
    plan: bool,
    ups: Vec<Up>,
}

/// An empty prompt box.
pub fn new_prompt() -> TextArea<'static> {
    let mut input = TextArea::default();
    input.set_wrap_mode(WrapMode::Word);
    input.set_placeholder_text("Ask Codex…  ($ for skills, / for commands)");
    input
}

impl SessionView {
    pub fn new(id: u64, info: Info, agent_mode: bool) -> Self {
        Self {
            id,
            files: FileTree::new(info.cwd.clone()),
            info,
            chat: Chat::default(),
            events: EventPane::default(),
            turn: TurnState::default(),
            prompt: new_prompt(),
            dismissed: None,
            agent_mode,
            agent: AgentUsage::default(),
            approvals: VecDeque::new(),
            last_diff: None,
            reviewed_diff: None,
            label: None,
            live_diff: None,
            unseen: Unseen::Nothing,
            context: None,
            attachments: Vec::new(),
            worktree: None,
            plan: false,
            ups: Vec::new(),
        }
    }

    /// What this session asked of the App since the last call, oldest first.
    pub fn take_ups(&mut self) -> Vec<Up> {
        std::mem::take(&mut self.ups)
    }

    pub fn id(&self) -> u64 {
        self.id
    }
    pub fn info(&self) -> &Info {
        &self.info
    }
    pub fn chat(&self) -> &Chat {
        &self.chat
    }
    pub fn events(&self) -> &EventPane {
        &self.events
    }
    pub fn files(&self) -> &FileTree {
        &self.files
    }
    pub fn turn(&self) -> &TurnState {
        &self.turn
    }
    pub fn prompt(&self) -> &TextArea<'static> {
        &self.prompt
    }
    pub fn agent_mode(&self) -> bool {
        self.agent_mode
    }
    pub fn agent_usage(&self) -> &AgentUsage {
        &self.agent
    }
    pub fn approvals(&self) -> &VecDeque<ApprovalView> {
        &self.approvals
    }
    pub fn context(&self) -> Option<(u64, Option<u64>)> {
        self.context
    }
    pub fn attachments(&self) -> &[PathBuf] {
        &self.attachments
    }
    pub fn worktree(&self) -> Option<&Worktree> {
        self.worktree.as_ref()
    }
    pub fn thread_id(&self) -> Option<&str> {
        self.turn.thread_id()
    }
    pub fn is_running(&self) -> bool {
        self.turn.is_running()
    }
    pub fn plan_mode(&self) -> bool {
        self.plan
    }

    /// A short name for the bar: the first prompt, else the working dir's name.
    /// Names the session in the bar (a batch task's id) instead of its first prompt.
    pub fn set_label(&mut self, label: &str) {
        self.label = Some(label.to_string());
    }

    pub fn title(&self) -> String {
        if let Some(label) = &self.label {
            return crate::text::one_line(label, 18);
        }
        let first = self.chat.first_prompt();
        let name = first.unwrap_or_else(|| {
            self.info
                .cwd
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "new".into())
        });
        crate::text::one_line(&name, 18)
    }

    /// Where the session stands, for the bar.
    pub fn state(&self, now: Instant) -> TabState {
        match self.turn.running() {
            Some(_) if !self.approvals.is_empty() => TabState::Approval,
            Some(t) => TabState::Running(now.saturating_duration_since(t.started)),
            None => match self.unseen {
                Unseen::Done => TabState::Done,
                Unseen::Failed => TabState::Failed,
                Unseen::Nothing => TabState::Idle,
            },
        }
    }

    /// The user looked at this session: a finished turn is seen (a failure stays until the
    /// next turn).
    pub fn seen(&mut self) {
        if self.unseen == Unseen::Done {
            self.unseen = Unseen::Nothing;
        }
    }

    /// A turn ended while the user looked elsewhere.
    pub fn mark_unseen(&mut self) {
        if self.unseen == Unseen::Nothing {
            self.unseen = Unseen::Done;
        }
    }

    pub fn say(&mut self, who: Who, text: &str) {
        self.chat.say(who, text);
    }

    /// An error: in the chat, and for the status line.
    pub fn fail(&mut self, message: &str) {
        self.ups.push(Up::Error(message.to_string()));
        self.say(Who::Error, message);
    }

    /// A line in the events pane, under the running turn (if any).
    pub fn note(&mut self, text: &str) {
        let run = self.turn.running().map_or(0, |t| t.run);
        self.events.note(run, RowKind::Info, text);
    }

    fn effect(&mut self, e: Effect) {
        self.ups.push(Up::Effect(e));
    }

    pub fn set_agent_mode(&mut self, on: bool) {
        self.agent_mode = on;
    }

    /// The model from the next turn on (the status bar's).
    pub fn set_model(&mut self, model: &str) {
        self.info.model = model.to_string();
    }

    pub fn set_effort(&mut self, effort: &str) {
        self.info.effort = Some(effort.to_string());
    }

    /// The approval on screen was answered (or no longer asked).
    pub fn forget_approval(&mut self, request_id: &str) {
        self.approvals.retain(|a| a.request_id != request_id);
    }

    /// Scrolls the chat (negative: older).
    pub fn scroll_chat(&mut self, delta: i64) {
        self.chat.scroll_by(delta);
    }

    pub fn scroll_events(&mut self, delta: i64) {
        self.events.scroll_by(delta);
    }

    pub fn select_file_by(&mut self, delta: i64) {
        self.files.select_by(delta);
    }

    pub fn select_event(&mut self, i: usize) {
        self.events.select(i);
    }

    pub fn select_file(&mut self, i: usize) {
        self.files.select(i);
    }

    /// Enter on the events pane: a row expands or folds.
    pub fn toggle_event(&mut self) {
        self.events.toggle_selected();
    }

    /// Enter on the file tree: a folder opens or closes (a rescan follows), a file is
    /// previewed.
    pub fn open_file(&mut self) {
        if self.files.toggle_selected() {
            self.effect(Effect::Rescan);
        } else if let Some(e) = self.files.selected_entry() {
            let path = e.path.clone();
            self.effect(Effect::LoadPreview(path));
        }
    }
}

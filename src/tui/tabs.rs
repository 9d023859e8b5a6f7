//! Sessions side by side: each tab is one conversation — its own thread, chat, events, file
//! tree, working dir and turn — and the App shows one of them at a time.
//!
//! The App dereferences to the tab it is working on ([`App::current`]), so the code that
//! handles one conversation reads the same whether one tab exists or nine. Outside of
//! [`App::in_tab`] that is the visible tab; inside it, the tab a message came from, so a turn
//! in the background updates its own tab and nothing on screen but the session bar.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::agent_view::AgentView;
use super::app::{App, ApprovalView, Chat, EventPane, Info, Popup, TurnState};
use super::files::FileTree;
use crate::session::checkpoint::TurnDiff;

/// At most this many tabs (Alt+1…9 reach them all).
pub const MAX_TABS: usize = 9;

/// What a tab has to tell that its owner has not seen yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unseen {
    #[default]
    Nothing,
    /// A turn ended while the tab was in the background.
    Done,
    Failed,
}

/// One session's screen state.
pub struct Tab {
    /// Stable for the tab's life (positions change as tabs close).
    pub id: u64,
    pub info: Info,
    pub chat: Chat,
    pub events: EventPane,
    pub files: FileTree,
    pub turn: TurnState,
    /// Prompts go to the orchestrating agent (else straight to Codex).
    pub agent_mode: bool,
    pub agent: AgentView,
    /// Approval requests not yet answered, oldest first (the first one is on screen when the
    /// tab is).
    pub approvals: VecDeque<ApprovalView>,
    /// What the last turn changed in the working dir: `/diff` shows it.
    pub last_diff: Option<TurnDiff>,
    /// Codex's own diff of the running turn so far (app-server), until the turn's own.
    pub live_diff: Option<TurnDiff>,
    pub unseen: Unseen,
    /// The last request's tokens and the model's context window (when Codex says).
    pub context: Option<(u64, Option<u64>)>,
    /// Images for the next prompt (checked), shown as chips in the prompt box.
    pub attachments: Vec<std::path::PathBuf>,
    /// The git worktree this tab works in, when it was opened with one.
    pub worktree: Option<crate::session::worktree::Worktree>,
}

impl Tab {
    pub fn new(id: u64, info: Info, agent: AgentView) -> Self {
        Self {
            id,
            files: FileTree::new(info.cwd.clone()),
            info,
            chat: Chat::default(),
            events: EventPane::default(),
            turn: TurnState::default(),
            agent_mode: false,
            agent,
            approvals: VecDeque::new(),
            last_diff: None,
            live_diff: None,
            unseen: Unseen::Nothing,
            attachments: Vec::new(),
            context: None,
            worktree: None,
        }
    }

    /// A short name for the bar: the first prompt, else the working dir's name.
    pub fn title(&self) -> String {
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

    /// Where the tab stands, for the bar.
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
}

/// A tab's state as the session bar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabState {
    Idle,
    Running(Duration),
    Approval,
    Done,
    Failed,
}

impl std::ops::Deref for App {
    type Target = Tab;
    fn deref(&self) -> &Tab {
        &self.tabs[self.current]
    }
}

impl std::ops::DerefMut for App {
    fn deref_mut(&mut self) -> &mut Tab {
        &mut self.tabs[self.current]
    }
}

impl App {
    /// The visible tab's id.
    pub fn visible_id(&self) -> u64 {
        self.tabs[self.visible].id
    }

    /// Is the tab being worked on the one on screen?
    pub fn on_screen(&self) -> bool {
        self.current == self.visible
    }

    /// Runs `f` with tab `id` as the current one; `None` when there is no such tab (it closed).
    pub fn in_tab<R>(&mut self, id: u64, f: impl FnOnce(&mut App) -> R) -> Option<R> {
        let i = self.tabs.iter().position(|t| t.id == id)?;
        let previous = std::mem::replace(&mut self.current, i);
        let out = f(self);
        // `f` may have closed tabs: the previous position is re-found by its id.
        self.current = previous.min(self.tabs.len().saturating_sub(1));
        Some(out)
    }

    /// Adds a tab working in `info.cwd` and returns its id; it is not shown yet.
    pub fn add_tab(&mut self, info: Info) -> u64 {
        let id = self.next_tab_id;
        self.next_tab_id += 1;
        let mut agent = self.agent.clone();
        agent.input_tokens = 0;
        agent.cached_tokens = 0;
        agent.output_tokens = 0;
        let mut tab = Tab::new(id, info, agent);
        tab.agent_mode = self.agent_mode;
        self.tabs.push(tab);
        id
    }

    /// Shows the tab at `index`: its approvals come up, what it had to tell is seen.
    pub fn show_tab(&mut self, index: usize) {
        if index >= self.tabs.len() || index == self.visible {
            return;
        }
        // Popups belong to the tab they were opened in.
        self.popups.close(|_| true);
        self.visible = index;
        self.current = index;
        if self.unseen == Unseen::Done {
            self.unseen = Unseen::Nothing;
        }
        self.show_next_approval();
        self.dirty = true;
    }

    /// Removes tab `id` (never the last one); the visible tab stays visible when it can.
    pub fn remove_tab(&mut self, id: u64) {
        if self.tabs.len() == 1 {
            return;
        }
        let Some(i) = self.tabs.iter().position(|t| t.id == id) else {
            return;
        };
        let shown = self.visible_id();
        self.tabs.remove(i);
        let keep = self.tabs.iter().position(|t| t.id == shown);
        self.visible = keep.unwrap_or(i.min(self.tabs.len() - 1));
        self.current = self.visible;
        if keep.is_none() {
            self.popups.close(|_| true);
            self.unseen = Unseen::Nothing;
            self.show_next_approval();
        }
    }

    /// Closes the popups of an approval that is no longer asked.
    pub(super) fn forget_approval(&mut self, request_id: &str) {
        self.approvals.retain(|a| a.request_id != request_id);
        if self.on_screen() {
            self.popups
                .close(|p| matches!(p, Popup::Approval(a) if a.request_id == request_id));
        }
    }
}

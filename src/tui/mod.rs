//! The terminal UI: setup and restore, the event loop, and the effects it carries out.
//!
//! One task owns the [`App`]. It waits on terminal input (crossterm `EventStream`), on
//! messages from services (Codex turns, the file watcher, blocking loaders) and on a frame
//! deadline, and nothing else: there is no fixed render tick, frames are drawn only after a
//! change and at most every [`FRAME`] (so a flood of events costs ≤ 60 frames/s), and a timer
//! runs only while a turn is working (spinner, elapsed time). Every turn runs in its own task
//! that owns its Codex child; quitting interrupts them and waits, so no child outlives the app.
//! The terminal is restored on every exit path: normal, error, signal and panic.

pub mod app;
mod background;
mod batch_tabs;
mod chat;
mod commands;
mod conversation;
mod editor;
mod effect;
mod event_pane;
pub mod files;
pub mod keymap;
mod keyspec;
mod layout;
mod notify;
mod pickers;
pub mod render;
pub mod replay;
mod restore;
pub mod rows;
pub mod run;
mod services;
mod session_view;
mod turn;
pub mod ui;
pub mod views;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::Event;

use crate::agent::{AgentMsg, AgentState};
use crate::engine::{CodexEvent, TurnOutcome};
use crate::session::{LogEntry, SessionRecord};
use crate::skills::Discovery;

/// Minimum time between two frames (60 frames/s).
pub const FRAME: Duration = Duration::from_millis(16);
/// Spinner and timer refresh while a turn runs.
pub const TICK: Duration = Duration::from_millis(100);

/// Everything that can change the App.
#[derive(Debug)]
pub enum Msg {
    Term(Event),
    Codex {
        run: u64,
        event: CodexEvent,
    },
    TurnDone {
        run: u64,
        outcome: TurnOutcome,
    },
    /// What run `run` changed in the working dir (the checkpoint diff, after the turn).
    TurnDiff {
        run: u64,
        diff: crate::session::checkpoint::TurnDiff,
    },
    /// An earlier turn's diff, asked for with `/diff N`.
    DiffLoaded {
        label: String,
        diff: crate::session::checkpoint::TurnDiff,
    },
    FilesChanged,
    Tree {
        entries: Vec<files::Entry>,
        truncated: bool,
    },
    Preview(files::Preview),
    Sessions(Vec<SessionRecord>),
    Skills(Discovery),
    Transcript {
        id: String,
        record: Option<Box<SessionRecord>>,
        entries: Vec<LogEntry>,
        /// The agent conversation stored beside the thread, if any.
        agent: Option<Box<AgentState>>,
    },
    /// The orchestrating agent's progress on a run (its text, tool calls, Codex events).
    Agent {
        run: u64,
        msg: AgentMsg,
    },
    /// Something failed outside a turn (e.g. a `/resume` the session refused).
    Failed(String),
    /// Something done outside a turn, to say in the chat (e.g. where `/export` wrote).
    Notice(String),
    /// A recorded prompt or event, from `codexmcp replay`.
    Replay {
        prompt: Option<String>,
        event: Option<CodexEvent>,
    },
    Tick(Instant),
    /// The models `/model` offers.
    Models(Vec<crate::engine::app_lists::CodexModel>),
    /// The worktree asked for with `/new --worktree`, or why there is none.
    WorktreeReady(Result<crate::session::worktree::Worktree, String>),
    /// `/fork`: the new thread (or why there is none).
    Forked(Box<Result<crate::session::ForkedThread, String>>),
    /// `/review`: the findings and Codex's text (or why there are none).
    Reviewed(
        Result<crate::engine::review::Reviewed, String>,
        Option<Box<crate::session::checkpoint::TurnDiff>>,
    ),
    /// `/compact`: what Codex reported while it compacted (or why it did not).
    Compacted(Result<Vec<CodexEvent>, String>),
    /// The thread a session is on, and its usage so far, as the session actor knows it
    /// (the one owner of the thread id): after a turn, `/new`, `/resume`, `/undo`.
    Thread {
        id: Option<String>,
        total: crate::engine::Usage,
    },
    /// A message of one tab's services (its conversation, scanner, watcher).
    Tab {
        tab: u64,
        msg: Box<Msg>,
    },
    /// `batch --tui`: what the batch did (see `batch_tabs`).
    Batch(Box<crate::batch::Report>),
}

/// How the TUI starts.
#[derive(Debug, Default, Clone)]
pub struct TuiOptions {
    pub prompt: Option<String>,
    /// `Some(None)`: open the resume picker; `Some(Some(id))`: resume that thread.
    pub resume: Option<Option<String>>,
    pub replay: Option<(PathBuf, f64)>,
    /// Run by `codexmcp demo`: the status bar says the model is the scripted demo model.
    pub demo: bool,
    /// `--worktree NAME`: start in a new git worktree of the working dir's repository.
    pub worktree: Option<String>,
    /// `--restore`: reopen the sessions that were open when the TUI last quit.
    pub restore: bool,
    /// `theme` from config.toml.
    pub theme: crate::config::ThemeChoice,
    /// `batch --tui`: run this batch and watch it, one read-only tab per running task.
    pub batch: Option<Box<crate::batch::Batch>>,
}

pub use run::run;

/// How one session's services reach the App: the App's one channel, each message tagged with
/// the session. Once the session moves on (another folder, closed), its old services are
/// retired and whatever they still say is dropped here, so a stale turn cannot speak for the
/// session any more.
#[derive(Clone)]
pub struct TabTx {
    tab: u64,
    tx: tokio::sync::mpsc::Sender<Msg>,
    retired: tokio_util::sync::CancellationToken,
}

impl TabTx {
    pub fn new(tab: u64, tx: tokio::sync::mpsc::Sender<Msg>) -> Self {
        Self {
            tab,
            tx,
            retired: Default::default(),
        }
    }

    fn tag(&self, msg: Msg) -> Msg {
        Msg::Tab {
            tab: self.tab,
            msg: Box::new(msg),
        }
    }

    /// Sends, waiting for room; false when the App is gone (or these services are retired).
    pub async fn send(&self, msg: Msg) -> bool {
        if self.retired.is_cancelled() {
            return false;
        }
        self.tx.send(self.tag(msg)).await.is_ok()
    }

    /// Sends unless the channel is full (progress notes that may be dropped).
    pub fn try_send(&self, msg: Msg) {
        if !self.retired.is_cancelled() {
            let _ = self.tx.try_send(self.tag(msg));
        }
    }

    /// From a blocking thread.
    pub fn blocking_send(&self, msg: Msg) -> bool {
        !self.retired.is_cancelled() && self.tx.blocking_send(self.tag(msg)).is_ok()
    }

    /// Nothing these services say reaches the App any more.
    pub fn retire(&self) {
        self.retired.cancel();
    }
}

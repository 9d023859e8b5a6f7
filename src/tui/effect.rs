//! What the App asks the world to do. `App::update` changes state and returns these; the event
//! loop and the services carry them out (start a turn, read a file, open a tab), so the App
//! itself never waits, spawns or touches the disk.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::engine::{ApprovalDecision, TurnSpec};
use crate::session::worktree::Worktree;

/// What a tab opens with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TabSpec {
    /// `None`: the visible tab's folder.
    pub cwd: Option<PathBuf>,
    /// A thread to continue.
    pub resume: Option<String>,
    pub worktree: Option<Worktree>,
}

/// What `/review` looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewOf {
    /// Uncommitted changes, a branch, a commit.
    Change(crate::engine::review::Target),
    /// Exactly what turn N of the thread changed (its checkpoint diff).
    Turn(i64),
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
        decision: ApprovalDecision,
    },
    /// `/new`: forget the thread and the agent conversation.
    NewThread,
    /// `/export`: write this thread's Markdown transcript beside its session.
    Export(String),
    /// `/diff N`: load the diff of turn `turn` of `thread` from its checkpoints.
    LoadDiff {
        thread: String,
        turn: i64,
    },
    /// `/fork [N] [--worktree NAME]`: a new thread through turn N of this one (`None`: all of
    /// it), in a new worktree holding the files as after that turn.
    Fork {
        through: Option<i64>,
        worktree: Option<String>,
    },
    /// `/compact`: summarise the thread's context.
    Compact,
    /// `/review …`: Codex's review mode on this target, on a thread of its own.
    Review(ReviewOf),
    /// `/undo`: take the last turn back (files and conversation); `/redo` (`redo` true): put
    /// it back.
    Undo {
        redo: bool,
        force: bool,
    },
    /// Text for the running turn (app-server `turn/steer`).
    Steer(String),
    /// An effect of a background tab's message, for that tab's services.
    InTab(u64, Box<Effect>),
    /// Ctrl+T, `/tab [DIR]`, `--restore`: a new session in a new tab.
    OpenTab(TabSpec),
    /// `/close`: the tab is gone from the screen; stop its services (interrupting its turn).
    CloseTab(u64),
    /// A session needs the user while they look elsewhere.
    Notify(super::notify::Notification),
    /// `/rename TITLE`: the thread's title (codexmcp's record; Codex's too on the app-server).
    Rename {
        thread: String,
        title: String,
    },
    /// Forget a stored thread (record, transcript, checkpoints; archived in Codex on the
    /// app-server).
    DeleteSession(String),
    /// `/resume TEXT`: the stored threads whose transcript holds TEXT, in the picker.
    SearchSessions(String),
    /// Alt+M: the mouse to the app (`true`) or to the terminal.
    MouseCapture(bool),
    /// Text to the terminal's clipboard (OSC 52).
    Copy(String),
    /// Ctrl+G: the prompt in `$VISUAL` / `$EDITOR` (the event loop hands the terminal over).
    Editor,
    /// `/model`: list the models to pick from.
    ListModels,
    /// `/model NAME`, `/effort LEVEL`: from the next turn on (`None`: unchanged).
    Configure {
        model: Option<String>,
        effort: Option<String>,
    },
    /// `/new --worktree NAME`, `--worktree NAME`: a git worktree for this tab's next thread.
    CreateWorktree(String),
    /// The tab works in another folder from now on (its worktree): new session services.
    MoveTab(PathBuf),
    /// `/close --remove`: the closed tab's worktree goes (its branch stays).
    RemoveWorktree(crate::session::worktree::Worktree),
}

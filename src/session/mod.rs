//! A session is one conversation with Codex, and the only owner of its bookkeeping: the thread
//! id, the thread's cumulative usage, the policy its turns run with (the engine config:
//! sandbox, approval policy, cwd, model, backend), the credential pre-check, the recorder, and
//! the files stored beside the thread (the agent's conversation among them).
//!
//! Every front end runs turns the same way: [`Session::run`] gives a [`SessionTurn`] whose
//! events arrive already sanitised and recorded; a cancellation token interrupts it, answers
//! to approval requests go in through [`Answers`], and [`SessionTurn::finish`] gives the
//! outcome and updates the session. The thread id is saved the moment `thread.started`
//! arrives, so an interrupted or crashed turn still leaves a resumable thread.

pub mod checkpoint;
mod checkpointing;
mod fork;
pub mod git;
mod history;
mod manage;
pub mod prune;
pub mod record;
mod rewind;
pub mod store;
pub mod transcript;
mod turn;
pub mod undo;
pub mod unsaved;
mod verbs;
pub mod workdir;
pub mod worktree;

use std::path::Path;

use tokio::sync::mpsc;

use crate::engine::app_lists::CodexThread;
use crate::engine::{ApprovalDecision, EngineConfig, EngineError, Usage};
pub use checkpointing::CheckpointProgress;
pub use fork::ForkedThread;
pub use manage::add_codex_threads;
pub use record::{FLUSH_EVERY, LogEntry, Policy, Recorder, SessionRecord, now_ms, title_of};
pub use rewind::Rewound;
pub use store::Store;
pub use turn::{SessionTurn, sanitise};

/// What the user sends to whatever turn the session is running.
#[derive(Debug)]
enum ToTurn {
    Answer(String, ApprovalDecision),
    Steer(String),
}

/// Answers approval requests of whatever turn the session is running, and steers it.
#[derive(Debug, Clone)]
pub struct Answers(mpsc::UnboundedSender<ToTurn>);

impl Answers {
    pub fn answer(&self, request_id: &str, decision: ApprovalDecision) {
        let _ = self
            .0
            .send(ToTurn::Answer(request_id.to_string(), decision));
    }

    /// More input for the running turn (backends that can take it: the app-server).
    pub fn steer(&self, text: &str) {
        let _ = self.0.send(ToTurn::Steer(text.to_string()));
    }
}

pub struct Session {
    engine: EngineConfig,
    store: Option<Store>,
    thread_id: Option<String>,
    /// The Codex thread that holds the conversation when an undo moved it off `thread_id`
    /// (see [`rewind`]); the user keeps knowing the thread as `thread_id`.
    codex_thread: Option<String>,
    total: Usage,
    /// Why no turn can run (no credential), checked once when the session is made.
    blocked: Option<String>,
    /// What is recorded as the backend (the effective one, or the serving front end).
    label: String,
    answers_tx: mpsc::UnboundedSender<ToTurn>,
    answers_rx: mpsc::UnboundedReceiver<ToTurn>,
    /// Where the working dir is recorded before each turn (`None`: not persisting).
    checkpoints: Option<checkpoint::Store>,
    /// The working dir as the last turn left it: the next checkpoint reads only what changed.
    last_state: Option<checkpoint::Manifest>,
    /// What the last turn changed in the working dir.
    last_diff: Option<checkpoint::TurnDiff>,
    /// The state before the first turn since [`Session::take_changes`], and how many turns
    /// ran since.
    since_taken: Option<(checkpoint::Manifest, usize)>,
    /// Images for the next turn (checked by the caller), see [`Session::attach`].
    pending_images: Vec<std::path::PathBuf>,
    /// Cancelled when the process is going away (a signal, a shutdown): checkpoint work on
    /// the working dir stops at once rather than finishing (see [`Session::stop_on`]).
    stop: tokio_util::sync::CancellationToken,
    /// Told, once a second, how far a checkpoint that takes a while has got.
    progress: Option<ProgressHook>,
    /// The next turns run in plan mode (app-server), see [`Session::set_plan`].
    plan: bool,
}

/// A front end's way of showing a long checkpoint's progress.
pub type ProgressHook = std::sync::Arc<dyn Fn(CheckpointProgress) + Send + Sync>;

impl Session {
    /// A session on a new thread (started by its first turn).
    pub fn new(engine: EngineConfig, store: Option<Store>) -> Self {
        let blocked = crate::engine::auth::preflight(&engine.overrides);
        let (answers_tx, answers_rx) = mpsc::unbounded_channel();
        Self {
            label: engine.backend.kind().to_string(),
            engine,
            thread_id: None,
            codex_thread: None,
            total: Usage::default(),
            blocked,
            answers_tx,
            answers_rx,
            // Checkpoints go with a persisted session (the state dir beside its store).
            checkpoints: store.as_ref().and_then(|_| {
                checkpoint::Store::open_default()
                    .inspect_err(|e| {
                        unsaved::say(
                            "checkpoints",
                            format!("checkpoints cannot be taken ({e:#}): {}", unsaved::NO_UNDO),
                        )
                    })
                    .ok()
            }),
            last_state: None,
            last_diff: None,
            since_taken: None,
            pending_images: Vec::new(),
            stop: tokio_util::sync::CancellationToken::new(),
            progress: None,
            plan: false,
            store,
        }
    }

    /// Shows a long checkpoint's progress through `hook` (a large tree's first one takes
    /// seconds).
    pub fn on_progress(mut self, hook: ProgressHook) -> Self {
        self.progress = Some(hook);
        self
    }

    /// Stops the session's work on the working dir (a checkpoint of a huge tree) as soon as
    /// `token` is cancelled: front ends pass their signal or shutdown token.
    pub fn stop_on(mut self, token: tokio_util::sync::CancellationToken) -> Self {
        self.stop = token;
        self
    }

    /// Attaches images (checked with [`crate::engine::images::check`]) to the next turn the
    /// session runs: the next prompt, or the agent's next Codex call.
    pub fn attach(&mut self, images: Vec<std::path::PathBuf>) {
        self.pending_images = images;
    }

    /// A session continuing `id`: the id is checked, the stored usage loaded.
    pub fn resume(
        engine: EngineConfig,
        store: Option<Store>,
        id: &str,
    ) -> Result<Self, EngineError> {
        let mut session = Self::new(engine, store);
        session.switch_to(id)?;
        Ok(session)
    }

    /// Records `label` as the backend (e.g. `mcp-server` for the server's own sessions).
    pub fn labelled(mut self, label: &str) -> Self {
        self.label = label.to_string();
        self
    }

    /// The store, when there is one (`None`: nothing is persisted).
    pub fn open_store() -> Option<Store> {
        Store::open_default()
            .inspect_err(|e| {
                unsaved::say(
                    "store",
                    format!(
                        "sessions cannot be saved ({e:#}): {}",
                        unsaved::NOT_RESUMABLE
                    ),
                )
            })
            .ok()
    }

    pub fn thread_id(&self) -> Option<&str> {
        self.thread_id.as_deref()
    }

    /// The Codex thread that holds this thread's conversation now: the one to send turns,
    /// forks and compactions to.
    fn codex_thread(&self) -> Option<String> {
        self.codex_thread.clone().or_else(|| self.thread_id.clone())
    }

    /// Why no turn can run (Codex would have no credential), if so.
    pub fn blocked(&self) -> Option<&str> {
        self.blocked.as_deref()
    }

    /// The thread's cumulative usage.
    pub fn total(&self) -> Usage {
        self.total
    }

    pub fn engine(&self) -> &EngineConfig {
        &self.engine
    }

    pub fn cwd(&self) -> &Path {
        &self.engine.cwd
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// The handle that answers approval requests of this session's turns.
    pub fn answers(&self) -> Answers {
        Answers(self.answers_tx.clone())
    }

    /// Forgets the thread: the next turn starts a new one.
    pub fn reset(&mut self) {
        self.thread_id = None;
        self.codex_thread = None;
        self.total = Usage::default();
    }

    /// Continues another thread from the next turn on.
    pub fn switch_to(&mut self, id: &str) -> Result<(), EngineError> {
        if !crate::engine::looks_like_thread_id(id) {
            return Err(EngineError::UnknownThread { id: id.to_string() });
        }
        let record = self.stored_record(id);
        self.total = record.as_ref().map(|r| r.usage).unwrap_or_default();
        self.codex_thread = record.as_ref().and_then(|r| r.rewind.backing.clone());
        // A model or effort chosen during the thread stays with it.
        if let Some(p) = record.and_then(|r| r.policy) {
            self.engine.model = p.model.or(self.engine.model.take());
            self.engine.reasoning_effort =
                p.reasoning_effort.or(self.engine.reasoning_effort.take());
        }
        self.thread_id = Some(id.to_string());
        Ok(())
    }

    /// The model for the turns from the next one on (`None`: Codex's default).
    pub fn set_model(&mut self, model: Option<String>) {
        self.engine.model = model;
    }

    /// The reasoning effort from the next turn on (`None`: the model's default).
    pub fn set_effort(&mut self, effort: Option<String>) {
        self.engine.reasoning_effort = effort;
    }

    /// The stored record of a thread, if codexmcp has one.
    pub fn stored_record(&self, id: &str) -> Option<SessionRecord> {
        self.store.as_ref()?.load(id).ok().flatten()
    }

    /// A document stored beside the current thread (e.g. `agent.json`).
    pub fn load_json<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> anyhow::Result<Option<T>> {
        match (&self.store, &self.thread_id) {
            (Some(s), Some(id)) => s.load_json(id, name),
            _ => Ok(None),
        }
    }

    /// Saves a document beside the current thread; nothing without a thread or a store.
    pub fn save_json<T: serde::Serialize>(&self, name: &str, value: &T) {
        if let (Some(s), Some(id)) = (&self.store, &self.thread_id)
            && let Err(e) = s.save_json(id, name, value)
        {
            let path = s.beside(id, name).unwrap_or_default();
            unsaved::report(name, &path, &format!("{e:#}"), unsaved::NOT_RESUMABLE);
        }
    }
}

impl SessionRecord {
    /// A thread Codex listed that codexmcp has no record of.
    pub fn from_codex(t: CodexThread) -> Self {
        Self {
            id: t.id,
            title: title_of(&t.preview),
            cwd: t.cwd,
            backend: "codex".into(),
            created_ms: t.created_ms,
            updated_ms: t.updated_ms,
            usage: Usage::default(),
            turns: 0,
            policy: None,
            rewind: record::Rewind::default(),
        }
    }
}

/// `codexmcp sessions rm ID` / `rename ID TITLE`. Returns the exit code.
pub fn manage_sessions(action: crate::cli::SessionsAction) -> i32 {
    use crate::cli::SessionsAction;
    let store = match Store::open_default() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("codexmcp: cannot open the session store: {e:#}");
            return crate::cli::EXIT_FAILED;
        }
    };
    let done = match &action {
        SessionsAction::Rm { thread_id } => store
            .remove(thread_id, checkpoint::Store::open_default().ok().as_ref())
            .map(|r| {
                let copies = match r.rewind.made.len() {
                    0 => String::new(),
                    n => format!(", and of the {n} copies undo made of it"),
                };
                format!("forgot {thread_id} (Codex's own history of it{copies} stays)")
            })
            .map_err(|e| format!("{e:#}")),
        SessionsAction::Rename { thread_id, title } => store
            .rename(thread_id, title)
            .map(|r| format!("{} is now \"{}\"", r.id, r.title)),
    };
    match done {
        Ok(msg) => {
            println!("{}", crate::text::one_line(&msg, 400));
            crate::cli::EXIT_OK
        }
        Err(e) => {
            eprintln!("codexmcp sessions: {}", crate::text::one_line(&e, 400));
            crate::cli::EXIT_FAILED
        }
    }
}

/// `codexmcp sessions [--search TEXT]`: newest first, one line each (or JSON). Returns the
/// exit code.
pub fn print_sessions(json: bool, search: Option<&str>) -> i32 {
    let listed = Store::open_default().and_then(|s| match search {
        Some(text) => Ok(store::Listing {
            sessions: s.search(text)?,
            broken: Vec::new(),
        }),
        None => s.list(),
    });
    let listing = match listed {
        Ok(l) => l,
        Err(e) => {
            eprintln!("codexmcp: cannot read the session store: {e:#}");
            return crate::cli::EXIT_FAILED;
        }
    };
    let checkpoints = checkpoint::Store::open_default().ok();
    let room = checkpoints.as_ref().map(prune::usage).unwrap_or_default();
    if json {
        let mut v = serde_json::to_value(&listing).unwrap_or_default();
        v["checkpoints"] = serde_json::json!({"files": room.files, "bytes": room.bytes});
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return crate::cli::EXIT_OK;
    }
    match (listing.sessions.is_empty(), search) {
        (true, Some(text)) => println!(
            "no stored session mentions {:?}",
            crate::text::one_line(text, 100)
        ),
        (true, None) => {
            println!("no stored sessions yet (run `codexmcp exec \"...\"` to start one)")
        }
        _ => {}
    }
    for r in &listing.sessions {
        println!(
            "{}  {:>7} tok  {:<10} {}  {}\n    {}",
            crate::text::one_line(&r.id, 40),
            r.usage.total_tokens(),
            crate::text::one_line(&r.backend, 10),
            age(now_ms().saturating_sub(r.updated_ms)),
            crate::text::one_line(&r.title, 80),
            crate::text::one_line(&r.cwd, 120),
        );
    }
    for b in &listing.broken {
        eprintln!(
            "warning: unreadable session {}",
            crate::text::one_line(b, 300)
        );
    }
    if let Some(store) = &checkpoints {
        println!(
            "checkpoints of the working dirs: {:.1} MB in {} files ({}); \
             `codexmcp sessions --prune` removes those older than 30 days",
            room.bytes as f64 / 1e6,
            room.files,
            crate::text::one_line(&store.root().display().to_string(), 200)
        );
    }
    crate::cli::EXIT_OK
}

/// "3m ago", "2h ago", "5d ago".
pub fn age(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{s}s ago"),
        60..3600 => format!("{}m ago", s / 60),
        3600..86400 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86400),
    }
}

/// `codexmcp sessions --prune`: checkpoints older than `days` and unreferenced contents go.
pub fn prune_checkpoints(days: u64) -> i32 {
    let store = match checkpoint::Store::open_default() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("codexmcp: {e:#}");
            return crate::cli::EXIT_FAILED;
        }
    };
    match prune::prune(&store, now_ms(), days.saturating_mul(86_400_000)) {
        Ok(freed) => {
            println!(
                "removed {} files, {:.1} MB of checkpoints older than {days} days",
                freed.files,
                freed.bytes as f64 / 1e6
            );
            crate::cli::EXIT_OK
        }
        Err(e) => {
            eprintln!("codexmcp sessions --prune: {e:#}");
            crate::cli::EXIT_FAILED
        }
    }
}

//! The services behind the App's effects: the conversation actor (turns, approvals, `/new`,
//! `/resume`), and disk or network work (tree scans, previews, session lists, skills) on
//! background tasks and blocking threads, so the UI task never waits.

use std::collections::HashSet;
use std::path::PathBuf;

use tokio::sync::mpsc;

use super::app::{App, Effect, MAX_TABS};
use super::conversation::{Command, Conversation};
mod admin;

use super::effect::TabSpec;
use super::{Msg, TabTx, files};
use crate::agent::{Agent, AgentSettings};
use crate::config::Settings;
use crate::engine::{EngineConfig, EngineError};
use crate::session::{Session, Store};

/// Carries out effects.
pub(super) struct Services {
    tx: mpsc::Sender<Msg>,
    engine: Result<EngineConfig, EngineError>,
    store: Option<Store>,
    /// `[prices]` from config.toml, for the cost in `/export`.
    prices: std::collections::BTreeMap<String, crate::config::Price>,
    /// `models` from config.toml: what `/model` offers when Codex cannot list them.
    models: Vec<String>,
    /// What each tab's agent is built from (`None`: no endpoint).
    agent_settings: Option<AgentSettings>,
    /// How a turn that ends out of sight is announced.
    notify: super::notify::Notifier,
    /// One set of services per tab, in no particular order.
    tabs: Vec<TabServices>,
    /// What the user must know at start (no Codex, no credential).
    pub(super) startup_error: Option<String>,
    pub(super) agent_available: bool,
    pub(super) agent_error: Option<String>,
}

/// What one tab has running for it: its conversation (session and agent), its tree scanner
/// and its file watcher. All of them send on the App's channel, tagged with the tab.
struct TabServices {
    id: u64,
    out: TabTx,
    conversation: Conversation,
    scanner: Scanner,
    _watcher: Option<notify::RecommendedWatcher>,
}

impl TabServices {
    fn start(
        id: u64,
        session: Result<Session, EngineError>,
        agent: Option<Agent>,
        cwd: &std::path::Path,
        app_tx: &mpsc::Sender<Msg>,
    ) -> Self {
        let tx = TabTx::new(id, app_tx.clone());
        let session = session.map(|s| s.on_progress(progress_notices(tx.clone())));
        Self {
            id,
            scanner: Scanner::start(tx.clone()),
            _watcher: files::watch(cwd, tx.clone()),
            conversation: Conversation::start(session, agent, tx.clone()),
            out: tx,
        }
    }

    /// Stops everything off the UI task; nothing it still says reaches the App.
    fn retire(self) {
        self.out.retire();
        tokio::spawn(self.conversation.shutdown());
    }
}

/// A long checkpoint's progress as notices in the chat: when it starts taking a while (a
/// large tree's first checkpoint), and when it is done — two lines, not one a second.
fn progress_notices(tx: TabTx) -> crate::session::ProgressHook {
    use crate::session::CheckpointProgress::{Done, Running};
    let said = std::sync::atomic::AtomicBool::new(false);
    std::sync::Arc::new(move |p| {
        let first = !said.swap(!matches!(p, Done(_)), std::sync::atomic::Ordering::Relaxed);
        if matches!(p, Running(_)) && !first {
            return;
        }
        let text = crate::present::diff::checkpoint_progress(p);
        tx.try_send(Msg::Notice(text));
    })
}

impl Services {
    pub(super) async fn new(settings: &Settings, tx: mpsc::Sender<Msg>) -> Self {
        let engine = crate::engine::connect(settings).await;
        let store = Session::open_store();
        let session = engine
            .clone()
            .map(|config| Session::new(config, store.clone()));
        let startup_error = match &session {
            Err(e) => Some(e.to_string()),
            Ok(s) => s.blocked().map(str::to_string),
        };
        let agent_settings = AgentSettings::resolve(settings);
        let (agent, agent_error) = match agent_settings.clone().and_then(Agent::new) {
            Ok(a) => (Some(a), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let cwd = crate::config::absolute(&settings.cwd);
        Self {
            agent_available: agent.is_some(),
            agent_settings: agent_settings.ok(),
            tabs: vec![TabServices::start(0, session, agent, &cwd, &tx)],
            notify: super::notify::Notifier::from_settings(settings),
            models: settings.models.clone(),
            tx,
            engine,
            store,
            prices: settings.prices.clone(),
            startup_error,
            agent_error,
        }
    }

    /// Opens a tab (in the visible tab's folder unless `spec` says), shows it, and resumes
    /// the thread `spec` names.
    fn open_tab(&mut self, spec: TabSpec, app: &mut App) {
        if app.sessions().len() >= MAX_TABS {
            app.fail(&format!("{MAX_TABS} sessions at most: /close one first"));
            return;
        }
        let mut info = app.session().info().clone();
        if let Some(cwd) = spec.cwd {
            info.cwd = cwd;
        }
        let cwd = info.cwd.clone();
        let id = app.add_session(info, spec.worktree);
        let services = self.tab_services(id, &cwd);
        self.tabs.push(services);
        self.perform_for(id, Effect::Rescan, app);
        if let Some(thread) = spec.resume {
            self.perform_for(id, Effect::LoadTranscript(thread), app);
        }
    }

    /// A tab's services, its session working in `cwd`.
    fn tab_services(&self, id: u64, cwd: &std::path::Path) -> TabServices {
        let engine = self.engine.clone().map(|mut e| {
            e.cwd = cwd.to_path_buf();
            e
        });
        let session = engine.map(|config| Session::new(config, self.store.clone()));
        let agent = self.agent_settings.clone().and_then(|s| Agent::new(s).ok());
        TabServices::start(id, session, agent, cwd, &self.tx)
    }

    /// Tab `id` works in `cwd` from now on: new services (a new session), and the old ones
    /// retired: wound down off the UI task, and silent.
    fn move_tab(&mut self, id: u64, cwd: PathBuf) {
        let Some(i) = self.tabs.iter().position(|t| t.id == id) else {
            return;
        };
        let fresh = self.tab_services(id, &cwd);
        std::mem::replace(&mut self.tabs[i], fresh).retire();
    }

    /// What the engine wants the user to know (e.g. a backend fallback).
    pub(super) fn notice(&self) -> Option<String> {
        self.engine.as_ref().ok().and_then(|c| c.notice.clone())
    }

    /// The backend turns really run on.
    pub(super) fn backend(&self) -> Option<crate::engine::BackendKind> {
        self.engine.as_ref().ok().map(|c| c.backend.kind())
    }

    pub(super) fn load_skills(&self, cwd: &std::path::Path) {
        let tx = self.tx.clone();
        let cwd = cwd.to_path_buf();
        let codex = self.engine.as_ref().ok().cloned();
        tokio::spawn(async move {
            let dir = cwd.clone();
            let mut found = tokio::task::spawn_blocking(move || crate::skills::discover(&dir))
                .await
                .unwrap_or_default();
            if let Some(cfg) = codex {
                for s in crate::engine::app_lists::skills(&cfg, &cwd).await {
                    if !found.skills.iter().any(|k| k.name == s.name) {
                        found.skills.push(s);
                    }
                }
                found.skills.sort_by(|a, b| a.name.cmp(&b.name));
            }
            let _ = tx.send(Msg::Skills(found)).await;
        });
    }

    fn blocking(&self, job: impl FnOnce() -> Option<Msg> + Send + 'static) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(m) = job() {
                let _ = tx.blocking_send(m);
            }
        });
    }

    /// Carries out `effect` for the tab it came from: `InTab` names it, anything else is the
    /// visible tab's.
    pub(super) fn perform(&mut self, effect: Effect, app: &mut App) {
        match effect {
            Effect::InTab(id, inner) => self.perform_for(id, *inner, app),
            effect => {
                let id = app.session().id();
                self.perform_for(id, effect, app)
            }
        }
    }

    /// Carries out `effect` for tab `id`.
    fn perform_for(&mut self, id: u64, effect: Effect, app: &mut App) {
        match effect {
            Effect::InTab(id, inner) => self.perform_for(id, *inner, app),
            Effect::OpenTab(spec) => self.open_tab(spec, app),
            Effect::MoveTab(cwd) => self.move_tab(id, cwd),
            Effect::CreateWorktree(name) => self.create_worktree(id, name, app),
            Effect::RemoveWorktree(wt) => self.remove_worktree(wt),
            Effect::CloseTab(id) => {
                if let Some(i) = self.tabs.iter().position(|t| t.id == id) {
                    // Interrupts its turn and waits for its child, off the UI task.
                    self.tabs.swap_remove(i).retire();
                }
            }
            Effect::Notify(note) => self.notify.send(&note),
            Effect::Copy(text) => super::notify::copy(&text),
            Effect::Rename { thread, title } => self.rename(thread, title),
            Effect::DeleteSession(id) => self.delete_session(id),
            Effect::SearchSessions(text) => {
                let store = self.store.clone();
                self.blocking(move || {
                    let found = store.map(|s| s.search(&text));
                    Some(match found {
                        Some(Ok(list)) if list.is_empty() => {
                            Msg::Notice(format!("no stored thread mentions {text:?}"))
                        }
                        Some(Ok(list)) => Msg::Sessions(list),
                        Some(Err(e)) => Msg::Failed(format!("search failed: {e:#}")),
                        None => Msg::Failed("no session store".into()),
                    })
                });
            }
            effect => self.perform_here(id, effect, app),
        }
    }

    /// An effect on tab `id`'s own services.
    fn perform_here(&mut self, id: u64, effect: Effect, app: &mut App) {
        let (Some(tab), Some(view)) =
            (self.tabs.iter().find(|t| t.id == id), app.session_by_id(id))
        else {
            return;
        };
        let files = view.files();
        let conversation = &tab.conversation;
        match effect {
            Effect::StartTurn { run, spec, agent } => conversation.send(Command::Run {
                run,
                prompt: spec.prompt,
                agent,
                images: spec.images,
                plan: spec.plan,
            }),
            Effect::Fork { through, worktree } => {
                conversation.send(Command::Fork { through, worktree })
            }
            Effect::Compact => conversation.send(Command::Compact),
            Effect::Review(target) => conversation.send(Command::Review(target)),
            Effect::Interrupt => conversation.send(Command::Interrupt),
            Effect::Approve {
                request_id,
                decision,
                ..
            } => conversation.send(Command::Answer {
                request_id,
                decision,
            }),
            Effect::Steer(text) => conversation.send(Command::Steer(text)),
            Effect::Configure { model, effort } => {
                conversation.send(Command::Configure { model, effort })
            }
            Effect::NewThread => conversation.send(Command::Reset),
            Effect::Undo { redo, force } => conversation.send(Command::Undo { redo, force }),
            Effect::LoadTranscript(id) => conversation.send(Command::Load(id)),
            Effect::Rescan => tab
                .scanner
                .request(files.root().to_path_buf(), files.expanded()),
            Effect::LoadDiff { thread, turn } => {
                self.blocking(move || Some(load_diff(&thread, turn)))
            }
            Effect::Export(id) => {
                let store = self.store.clone();
                let prices = crate::agent::cost::PriceTable::new(&self.prices);
                self.blocking(move || Some(export(store.as_ref(), &id, &prices)));
            }
            Effect::Quit => {}
            Effect::ListModels => {
                let (tx, configured) = (self.tx.clone(), self.models.clone());
                let codex = self.engine.as_ref().ok().cloned();
                tokio::spawn(async move {
                    let mut list = match codex {
                        Some(cfg) => crate::engine::app_lists::models(&cfg).await,
                        None => Vec::new(),
                    };
                    if list.is_empty() {
                        list = configured
                            .into_iter()
                            .map(|id| crate::engine::app_lists::CodexModel {
                                id,
                                description: "from config.toml".into(),
                                efforts: Vec::new(),
                            })
                            .collect();
                    }
                    let _ = tx.send(Msg::Models(list)).await;
                });
            }
            Effect::InTab(..)
            | Effect::OpenTab(_)
            | Effect::MoveTab(_)
            | Effect::CreateWorktree(_)
            | Effect::RemoveWorktree(_)
            | Effect::CloseTab(_)
            | Effect::Notify(_)
            | Effect::Copy(_)
            | Effect::MouseCapture(_)
            | Effect::Editor
            | Effect::Rename { .. }
            | Effect::DeleteSession(_)
            | Effect::SearchSessions(_) => {}
            Effect::LoadPreview(path) => {
                let root = files.root().to_path_buf();
                self.blocking(move || Some(Msg::Preview(files::load_preview(&root, &path))));
            }
            Effect::ListSessions => {
                let store = self.store.clone();
                let codex = self.engine.as_ref().ok().cloned();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let mut sessions = match store {
                        Some(s) => tokio::task::spawn_blocking(move || {
                            s.list().map(|l| l.sessions).unwrap_or_default()
                        })
                        .await
                        .unwrap_or_default(),
                        None => Vec::new(),
                    };
                    if let Some(cfg) = codex {
                        let listed = crate::engine::app_lists::threads(&cfg).await;
                        crate::session::add_codex_threads(&mut sessions, listed);
                    }
                    let _ = tx.send(Msg::Sessions(sessions)).await;
                });
            }
        }
    }

    /// Interrupts the running turn, waits for it (and so its child) to end while draining
    /// its messages, then stops the long-lived backend.
    pub(super) async fn shutdown(self, mut rx: mpsc::Receiver<Msg>) {
        let Services {
            tx,
            engine,
            tabs,
            notify,
            ..
        } = self;
        drop(tx);
        notify.shutdown().await;
        let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
        // Every tab's turn is interrupted at once, and each child waited for.
        futures::future::join_all(tabs.into_iter().map(|t| t.conversation.shutdown())).await;
        drain.abort();
        if let Ok(e) = engine {
            e.shutdown().await;
        }
    }
}

/// The root and the expanded folders of the tree to scan.
type ScanRequest = (PathBuf, HashSet<PathBuf>);

/// Scans the tree one at a time: requests that arrive while a scan runs collapse into one
/// more scan of the latest state, so a burst of changes never piles up blocking walks.
struct Scanner {
    latest: std::sync::Arc<std::sync::Mutex<Option<ScanRequest>>>,
    wake: std::sync::Arc<tokio::sync::Notify>,
}

impl Scanner {
    fn start(tx: TabTx) -> Self {
        let me = Self {
            latest: Default::default(),
            wake: Default::default(),
        };
        let (latest, wake) = (me.latest.clone(), me.wake.clone());
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                let Some((root, expanded)) = latest.lock().ok().and_then(|mut l| l.take()) else {
                    continue;
                };
                let scanned =
                    tokio::task::spawn_blocking(move || files::scan(&root, &expanded)).await;
                let Ok((entries, truncated)) = scanned else {
                    continue;
                };
                if !tx.send(Msg::Tree { entries, truncated }).await {
                    return;
                }
            }
        });
        me
    }

    fn request(&self, root: PathBuf, expanded: HashSet<PathBuf>) {
        if let Ok(mut l) = self.latest.lock() {
            *l = Some((root, expanded));
        }
        // One stored permit at most: many requests during a scan wake it once.
        self.wake.notify_one();
    }
}

/// `/export`: the Markdown transcript beside the session; says where, or why not.
fn export(
    store: Option<&crate::session::Store>,
    id: &str,
    prices: &crate::agent::cost::PriceTable,
) -> Msg {
    use crate::present::export::document;
    let Some(store) = store else {
        return Msg::Failed("no session store: nothing to export".into());
    };
    let written = document(store, id, crate::cli::ExportFormat::Md, prices).and_then(|doc| {
        let path = store
            .beside(id, "transcript.md")
            .map_err(|e| format!("{e:#}"))?;
        std::fs::write(&path, doc).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    });
    match written {
        Ok(path) => Msg::Notice(format!("transcript written to {}", path.display())),
        Err(e) => Msg::Failed(format!("export failed: {e}")),
    }
}

/// `/diff N`: turn `turn` of `thread` (1 the first, -1 the last) from its checkpoints.
fn load_diff(thread: &str, turn: i64) -> Msg {
    let loaded = (|| -> Result<Msg, String> {
        let store =
            crate::session::checkpoint::Store::open_default().map_err(|e| format!("{e:#}"))?;
        let (number, n, diff) = store.numbered_turn(thread, turn)?;
        Ok(Msg::DiffLoaded {
            label: format!("turn {number} of {n}"),
            diff,
        })
    })();
    loaded.unwrap_or_else(|e| Msg::Failed(format!("/diff: {e}")))
}

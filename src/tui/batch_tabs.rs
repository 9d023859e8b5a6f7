//! `codexmcp batch --tui`: the normal TUI watching a batch. Each task that starts gets a tab of
//! its own, read-only, in the task's folder: its prompt, its events live (fed as a replay is),
//! its file tree live (the tab's own watcher). The session bar shows every open task's state
//! (running, done, failed); the first tab keeps the batch's log — each task's end, and the
//! tasks an earlier run finished. When the bar is full, the tab of the task that finished first
//! makes room.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use super::Msg;
use super::app::{App, Effect, MAX_TABS};
use super::effect::TabSpec;
use crate::batch::results::Status;
use crate::batch::{Batch, Report};

pub struct BatchTabs {
    /// Each task's folder and prompt, by id.
    tasks: HashMap<String, (PathBuf, String)>,
    /// The tab of each task that has one.
    tabs: HashMap<String, u64>,
    /// Tabs of finished tasks, the first finished first: closed to make room.
    finished: VecDeque<u64>,
    /// The first tab: the batch's log.
    log: u64,
    done: usize,
    total: usize,
}

impl BatchTabs {
    pub fn new(batch: &Batch, app: &App) -> Self {
        let tasks = batch
            .tasks
            .iter()
            .map(|t| {
                let dir = crate::batch::folder_of(t, &batch.out);
                (t.id.clone(), (dir, t.prompt.clone()))
            })
            .collect();
        Self {
            tasks,
            tabs: HashMap::new(),
            finished: VecDeque::new(),
            log: app.session().id(),
            done: 0,
            total: batch.tasks.len(),
        }
    }

    /// The first tab's opening line.
    pub fn intro(&self, out: &std::path::Path) -> Msg {
        Msg::Notice(format!(
            "batch: {} tasks, results in {}; each task opens a tab as it starts",
            self.total,
            crate::text::bytes_literal(out.as_os_str().as_encoded_bytes())
        ))
    }

    /// What a report means for the screen: messages for the App, and effects (a tab to open
    /// comes back as an effect to carry out first — `open` then names it).
    pub fn on_report(&mut self, report: Report, app: &mut App) -> (Vec<Msg>, Vec<Effect>) {
        match report {
            Report::Started { id } => {
                let mut fx = Vec::new();
                if app.sessions().len() >= MAX_TABS
                    && let Some(old) = self.finished.pop_front()
                {
                    fx.extend(app.close_session(old));
                }
                let cwd = self.tasks.get(&id).map(|(dir, _)| dir.clone());
                fx.push(Effect::OpenTab(TabSpec {
                    cwd,
                    ..TabSpec::default()
                }));
                (Vec::new(), fx)
            }
            Report::Event { id, event } => match self.tabs.get(&id) {
                Some(&tab) => (
                    vec![in_tab(
                        tab,
                        Msg::Replay {
                            prompt: None,
                            event: Some(event),
                        },
                    )],
                    vec![],
                ),
                None => (Vec::new(), Vec::new()),
            },
            Report::Retrying {
                id,
                attempt,
                reason,
                ..
            } => {
                let text = format!("try {attempt}: {}", crate::text::one_line(&reason, 200));
                let to = self.tabs.get(&id).copied().unwrap_or(self.log);
                (vec![in_tab(to, Msg::Notice(text))], Vec::new())
            }
            Report::Skipped(r) => {
                self.done += 1;
                let text = format!("{} {} in an earlier run", r.id, r.status.as_str());
                (vec![in_tab(self.log, Msg::Notice(text))], Vec::new())
            }
            Report::Finished(r) => {
                self.done += 1;
                if let Some(&tab) = self.tabs.get(&r.id) {
                    self.finished.push_back(tab);
                }
                let mark = if r.status == Status::Done {
                    "✓"
                } else {
                    "✗"
                };
                let why = r
                    .reason
                    .as_deref()
                    .map(|w| format!(": {}", crate::text::one_line(w, 200)));
                let text = format!(
                    "{mark} {} {} in {:.1} s{} ({}/{} tasks over)",
                    r.id,
                    r.status.as_str(),
                    r.duration_ms as f64 / 1000.0,
                    why.unwrap_or_default(),
                    self.done,
                    self.total
                );
                (vec![in_tab(self.log, Msg::Notice(text))], Vec::new())
            }
        }
    }

    /// The tab just opened for task `id` (the last one): its prompt goes in as the turn's.
    pub fn opened(&mut self, id: &str, app: &mut App) -> Option<Msg> {
        let tab = app.sessions().last()?.id();
        app.label_session(tab, id);
        self.tabs.insert(id.to_string(), tab);
        let prompt = self.tasks.get(id).map(|(_, p)| p.clone());
        Some(in_tab(
            tab,
            Msg::Replay {
                prompt,
                event: None,
            },
        ))
    }
}

fn in_tab(tab: u64, msg: Msg) -> Msg {
    Msg::Tab {
        tab,
        msg: Box::new(msg),
    }
}

/// A batch running under the TUI: its tabs, its runner, and how to stop it.
pub struct Watch {
    pub tabs: BatchTabs,
    runner: tokio::task::JoinHandle<
        Result<std::collections::BTreeMap<String, crate::batch::results::TaskResult>, String>,
    >,
    stop: tokio_util::sync::CancellationToken,
    order: Vec<String>,
    engine: crate::engine::EngineConfig,
}

impl Watch {
    /// Starts `batch`; its reports reach the App's channel as `Msg::Batch`.
    pub fn start(batch: Batch, app: &App, tx: tokio::sync::mpsc::Sender<Msg>) -> (Self, Msg) {
        let tabs = BatchTabs::new(&batch, app);
        let intro = tabs.intro(&batch.out);
        let stop = tokio_util::sync::CancellationToken::new();
        let order = batch.tasks.iter().map(|t| t.id.clone()).collect();
        let engine = batch.engine.clone();
        let (rtx, mut rrx) = tokio::sync::mpsc::unbounded_channel();
        let runner = tokio::spawn(crate::batch::run(batch, rtx, stop.clone()));
        tokio::spawn(async move {
            while let Some(r) = rrx.recv().await {
                if tx.send(Msg::Batch(Box::new(r))).await.is_err() {
                    break;
                }
            }
        });
        let me = Self {
            tabs,
            runner,
            stop,
            order,
            engine,
        };
        let log = me.tabs.log;
        (me, in_tab(log, intro))
    }

    /// Carries out a report: tabs opened (through `open`, the services' way), messages applied.
    pub fn apply(
        &mut self,
        report: Report,
        app: &mut App,
        mut open: impl FnMut(Effect, &mut App),
    ) -> Vec<Effect> {
        let started = match &report {
            Report::Started { id } => Some(id.clone()),
            _ => None,
        };
        let shown = app.session().id();
        let (msgs, effects) = self.tabs.on_report(report, app);
        let before = app.sessions().last().map(|s| s.id());
        for e in effects {
            open(e, app);
        }
        let mut fx = Vec::new();
        let added = app.sessions().last().map(|s| s.id()) != before;
        if let Some(id) = started.filter(|_| added) {
            // The tab opens in the bar; the one on screen stays.
            if let Some(i) = app.sessions().iter().position(|s| s.id() == shown) {
                app.show(i);
            }
            if let Some(m) = self.tabs.opened(&id, app) {
                fx.extend(app.update(m));
            }
        }
        for m in msgs {
            fx.extend(app.update(m));
        }
        fx
    }

    /// Stops what still runs (the TUI is closing), waits for it; the summary and exit code.
    pub async fn finish(self) -> (String, i32) {
        self.stop.cancel();
        let ran = self.runner.await;
        self.engine.shutdown().await;
        match ran {
            Ok(Ok(all)) => crate::batch::outcome(&all, &self.order),
            Ok(Err(e)) => (format!("batch: {e}\n"), crate::cli::EXIT_FAILED),
            Err(e) => (format!("batch: {e}\n"), crate::cli::EXIT_FAILED),
        }
    }
}

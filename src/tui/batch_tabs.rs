//! `codexmcp batch --tui`: the normal TUI watching a batch. Each task that starts gets a tab of
//! its own, read-only, in the task's folder: its prompt, its events live (fed as a replay is),
//! its file tree live (the tab's own watcher). The session bar shows every open task's state
//! (running, done, failed); the first tab keeps the batch's log — each task's end, and the
//! tasks an earlier run finished. When the bar is full, the tab of the task that finished first
//! makes room; a task that starts while every tab holds a running task waits for one, its
//! events held (the newest [`HELD_EVENTS`]), and gets the next tab a finished task gives up.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use super::Msg;
use super::app::{App, Effect, MAX_TABS};
use super::effect::TabSpec;
use crate::batch::results::Status;
use crate::batch::{Batch, Report};
use crate::engine::CodexEvent;

pub struct BatchTabs {
    /// Each task's folder and prompt, by id.
    tasks: HashMap<String, (PathBuf, String)>,
    /// The tab of each task that has one.
    tabs: HashMap<String, u64>,
    /// Tabs of finished tasks, the first finished first: closed to make room.
    finished: VecDeque<u64>,
    /// Running tasks waiting for a tab, the first started first.
    waiting: VecDeque<Pending>,
    /// The first tab: the batch's log.
    log: u64,
    done: usize,
    total: usize,
}

/// Events held for a task waiting for a tab, at most (the newest are kept).
pub const HELD_EVENTS: usize = 2000;

/// A task getting a tab, or waiting for one: what it did meanwhile.
#[derive(Debug)]
pub struct Pending {
    id: String,
    /// Its newest events, and how many older ones went.
    events: VecDeque<CodexEvent>,
    dropped: usize,
}

impl Pending {
    fn new(id: String) -> Self {
        Self {
            id,
            events: VecDeque::new(),
            dropped: 0,
        }
    }

    fn hold(&mut self, event: CodexEvent) {
        if self.events.len() == HELD_EVENTS {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(event);
    }
}

/// What a report means for the screen.
#[derive(Default)]
pub struct Shown {
    /// Messages for the App.
    pub msgs: Vec<Msg>,
    /// Effects to carry out first (a tab to close, a tab to open).
    pub effects: Vec<Effect>,
    /// The task whose tab the effects open: [`BatchTabs::opened`] then names it.
    pub opens: Option<Pending>,
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
        Self::with_tasks(tasks, app.session().id())
    }

    /// Each task's folder and prompt by id; `log` the first tab.
    fn with_tasks(tasks: HashMap<String, (PathBuf, String)>, log: u64) -> Self {
        Self {
            total: tasks.len(),
            tasks,
            tabs: HashMap::new(),
            finished: VecDeque::new(),
            waiting: VecDeque::new(),
            log,
            done: 0,
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

    /// What a report means for the screen.
    pub fn on_report(&mut self, report: Report, app: &mut App) -> Shown {
        match report {
            Report::Started { id } => self.place(Pending::new(id), app),
            Report::Event { id, event } => {
                if let Some(&tab) = self.tabs.get(&id) {
                    return self.say(tab, replayed(event));
                }
                if let Some(p) = self.waiting.iter_mut().find(|p| p.id == id) {
                    p.hold(event);
                }
                Shown::default()
            }
            Report::Retrying {
                id,
                attempt,
                reason,
                ..
            } => {
                let text = format!("try {attempt}: {}", crate::text::one_line(&reason, 200));
                let to = self.tabs.get(&id).copied().unwrap_or(self.log);
                self.say(to, Msg::Notice(text))
            }
            Report::Skipped(r) => {
                self.done += 1;
                let text = format!("{} {} in an earlier run", r.id, r.status.as_str());
                self.say(self.log, Msg::Notice(text))
            }
            Report::Finished(r) => {
                self.done += 1;
                if let Some(i) = self.waiting.iter().position(|p| p.id == r.id) {
                    // Over before a tab was free: its end in the log is all there is to show.
                    self.waiting.remove(i);
                } else if let Some(&tab) = self.tabs.get(&r.id) {
                    self.finished.push_back(tab);
                }
                let mut shown = self.say(self.log, Msg::Notice(self.ended(&r)));
                let room = app.sessions().len() < MAX_TABS || !self.finished.is_empty();
                if room && let Some(next) = self.waiting.pop_front() {
                    let placed = self.place(next, app);
                    shown.effects = placed.effects;
                    shown.opens = placed.opens;
                }
                shown
            }
        }
    }

    /// A tab for task `id`, making room by closing the tab of the task that finished first;
    /// with every tab holding a running task, `id` waits for the next one free.
    fn place(&mut self, task: Pending, app: &mut App) -> Shown {
        let mut effects = Vec::new();
        if app.sessions().len() >= MAX_TABS {
            match self.finished.pop_front() {
                Some(old) => effects.extend(app.close_session(old)),
                None => {
                    let text = format!("{} runs without a tab until one is free", task.id);
                    self.waiting.push_back(task);
                    return self.say(self.log, Msg::Notice(text));
                }
            }
        }
        let cwd = self.tasks.get(&task.id).map(|(dir, _)| dir.clone());
        effects.push(Effect::OpenTab(TabSpec {
            cwd,
            ..TabSpec::default()
        }));
        Shown {
            msgs: Vec::new(),
            effects,
            opens: Some(task),
        }
    }

    fn say(&self, tab: u64, msg: Msg) -> Shown {
        Shown {
            msgs: vec![in_tab(tab, msg)],
            ..Shown::default()
        }
    }

    /// A task's end, as the log tab tells it.
    fn ended(&self, r: &crate::batch::results::TaskResult) -> String {
        let mark = if r.status == Status::Done {
            "✓"
        } else {
            "✗"
        };
        let why = r
            .reason
            .as_deref()
            .map(|w| format!(": {}", crate::text::one_line(w, 200)));
        format!(
            "{mark} {} {} in {:.1} s{} ({}/{} tasks over)",
            r.id,
            r.status.as_str(),
            r.duration_ms as f64 / 1000.0,
            why.unwrap_or_default(),
            self.done,
            self.total
        )
    }

    /// The tab just opened for `task` (the last one): its prompt goes in as the turn's, then
    /// whatever it did while it waited for the tab.
    pub fn opened(&mut self, task: Pending, app: &mut App) -> Vec<Msg> {
        let Some(tab) = app.sessions().last().map(|s| s.id()) else {
            return Vec::new();
        };
        let Pending {
            id,
            events,
            dropped,
        } = task;
        app.label_session(tab, &id);
        let prompt = self.tasks.get(&id).map(|(_, p)| p.clone());
        let mut msgs = vec![in_tab(
            tab,
            Msg::Replay {
                prompt,
                event: None,
            },
        )];
        if dropped > 0 {
            let text = format!("{dropped} earlier events of {id} are not shown");
            msgs.push(in_tab(tab, Msg::Notice(text)));
        }
        msgs.extend(events.into_iter().map(|e| in_tab(tab, replayed(e))));
        self.tabs.insert(id, tab);
        msgs
    }
}

fn replayed(event: CodexEvent) -> Msg {
    Msg::Replay {
        prompt: None,
        event: Some(event),
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
        let shown = app.session().id();
        let Shown {
            msgs,
            effects,
            opens,
        } = self.tabs.on_report(report, app);
        let before = app.sessions().last().map(|s| s.id());
        for e in effects {
            open(e, app);
        }
        let mut fx = Vec::new();
        let added = app.sessions().last().map(|s| s.id()) != before;
        if let Some(task) = opens.filter(|_| added) {
            // The tab opens in the bar; the one on screen stays.
            if let Some(i) = app.sessions().iter().position(|s| s.id() == shown) {
                app.show(i);
            }
            for m in self.tabs.opened(task, app) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::Info;
    use crate::tui::keymap::Keymap;

    fn tabs_for(app: &App, n: usize) -> BatchTabs {
        let task = |i: usize| {
            (
                format!("t{i}"),
                (PathBuf::from(format!("/out/t{i}")), format!("task {i}")),
            )
        };
        BatchTabs::with_tasks((1..=n).map(task).collect(), app.session().id())
    }

    /// Carries out a report as `Watch::apply` does, opening tabs without services.
    fn apply(t: &mut BatchTabs, app: &mut App, report: Report) -> Vec<Msg> {
        let shown = t.on_report(report, app);
        for e in shown.effects {
            if let Effect::OpenTab(spec) = e {
                let mut info = app.session().info().clone();
                info.cwd = spec.cwd.unwrap_or_default();
                app.add_session(info, None);
            }
        }
        let mut msgs = shown.msgs;
        if let Some(task) = shown.opens {
            msgs.extend(t.opened(task, app));
        }
        msgs
    }

    fn finished(id: &str) -> Report {
        Report::Finished(
            serde_json::from_value(serde_json::json!({
                "id": id, "thread_id": null, "status": "done", "reason": null,
                "duration_ms": 1000, "usage": {}, "cost_usd": null, "changed_files": [],
                "final_message": null,
            }))
            .unwrap(),
        )
    }

    fn notices(msgs: &[Msg]) -> Vec<String> {
        msgs.iter()
            .filter_map(|m| match m {
                Msg::Tab { msg, .. } => match &**msg {
                    Msg::Notice(text) => Some(text.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_task_started_on_a_full_bar_waits_and_gets_the_next_free_tab_with_what_it_did() {
        let info = Info {
            cwd: PathBuf::from("/w"),
            ..Info::default()
        };
        let mut app = App::new(Keymap::default(), info);
        let mut t = tabs_for(&app, MAX_TABS + 1);
        for i in 1..MAX_TABS {
            apply(
                &mut t,
                &mut app,
                Report::Started {
                    id: format!("t{i}"),
                },
            );
        }
        assert_eq!(
            app.sessions().len(),
            MAX_TABS,
            "the log tab and a tab per task"
        );
        let late = format!("t{MAX_TABS}");
        let msgs = apply(&mut t, &mut app, Report::Started { id: late.clone() });
        assert_eq!(app.sessions().len(), MAX_TABS);
        assert_eq!(
            notices(&msgs),
            [format!("{late} runs without a tab until one is free")]
        );
        for n in 0..HELD_EVENTS + 3 {
            let event = CodexEvent::EngineError {
                kind: "test".into(),
                message: format!("event {n}"),
            };
            let msgs = apply(
                &mut t,
                &mut app,
                Report::Event {
                    id: late.clone(),
                    event,
                },
            );
            assert!(msgs.is_empty(), "held, not shown anywhere yet");
        }

        let t2 = t.tabs["t2"];
        let msgs = apply(&mut t, &mut app, finished("t2"));
        assert_eq!(app.sessions().len(), MAX_TABS);
        assert!(
            !app.sessions().iter().any(|s| s.id() == t2),
            "t2's tab made room"
        );
        let tab = app.sessions().last().unwrap().id();
        assert_eq!(t.tabs.get(&late), Some(&tab));
        let to_tab: Vec<&Msg> = msgs
            .iter()
            .filter(|m| matches!(m, Msg::Tab { tab: to, .. } if *to == tab))
            .collect();
        // The prompt, the note of what was dropped, then the newest events held.
        assert_eq!(to_tab.len(), 2 + HELD_EVENTS);
        assert!(notices(&msgs).contains(&format!("3 earlier events of {late} are not shown")));
        let Msg::Tab { msg, .. } = to_tab[2] else {
            unreachable!()
        };
        assert!(
            matches!(&**msg, Msg::Replay { event: Some(CodexEvent::EngineError { message, .. }), .. } if message == "event 3"),
            "the oldest kept is event 3"
        );
    }

    #[test]
    fn a_waiting_task_that_ends_before_a_tab_frees_leaves_the_queue() {
        let mut app = App::new(Keymap::default(), Info::default());
        let mut t = tabs_for(&app, MAX_TABS + 1);
        for i in 1..=MAX_TABS {
            apply(
                &mut t,
                &mut app,
                Report::Started {
                    id: format!("t{i}"),
                },
            );
        }
        let late = format!("t{MAX_TABS}");
        let waiting: Vec<&str> = t.waiting.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(waiting, [late.as_str()]);
        let msgs = apply(&mut t, &mut app, finished(&late));
        assert!(t.waiting.is_empty(), "its held events go with it");
        assert_eq!(app.sessions().len(), MAX_TABS, "no tab closed for it");
        assert!(
            notices(&msgs)[0].contains(&format!("{late} done")),
            "{msgs:?}"
        );
    }
}

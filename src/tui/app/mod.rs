//! The App: the sessions on screen, the popup stack and the status line — and the one function
//! that changes them.
//!
//! `update(msg)` is the only mutation point (codex-rs/tui's rule): terminal input, session
//! services' reports, file-system batches and timer ticks all arrive as [`Msg`]s on one task,
//! and anything with a side effect leaves as an [`Effect`] for the event loop to carry out. So
//! the App is testable without a terminal or a child process: feed messages, look at the state,
//! snapshot the render.
//!
//! The App routes: a session's message goes to its [`SessionView`], which changes itself and
//! answers with [`Up`]s; the App turns those into effects (tagged with the session when it is
//! not the one on screen), popups, the status line's error, and notifications for sessions the
//! user is not looking at. Keys are resolved by the layer stack in [`keys`], slash commands by
//! the table in [`super::commands`] and [`commands`].

mod commands;
mod keys;
mod mouse;
mod popups;
#[cfg(test)]
mod tests;

use std::time::Instant;

pub use super::chat::{Chat, ChatLine, MAX_CHAT, Who};
pub use super::effect::{Effect, ReviewOf};
pub use super::layout::Focus;
pub use super::session_view::{Info, MAX_TABS, SessionView, TabState};
pub use super::views::{ApprovalView, Popup, Popups, Reaction};

use super::Msg;
use super::keymap::Keymap;
use super::pickers::Picker;
use super::session_view::{LAST, Up};
use super::views::{APPROVAL_GUARD, DiffView};
use crate::skills::{Skill, SkillError};

/// The orchestrating agent as the whole app has it: whether it can run, its model and prices
/// (each session counts its own tokens).
#[derive(Debug, Clone, Default)]
pub struct AgentConfig {
    /// An endpoint is configured (OPENAI_API_KEY), so `/agent` can work.
    pub available: bool,
    pub model: String,
    pub prices: Option<crate::agent::cost::PriceTable>,
}

impl AgentConfig {
    /// What `usage` cost, when the model's price is known.
    pub fn cost(&self, usage: &super::session_view::AgentUsage) -> Option<f64> {
        self.prices.as_ref()?.estimate(
            &self.model,
            usage.input_tokens,
            usage.cached_tokens,
            usage.output_tokens,
        )
    }
}

pub struct App {
    pub keymap: Keymap,
    /// Every session, in bar order; never empty.
    sessions: Vec<SessionView>,
    /// The session on screen.
    visible: usize,
    next_id: u64,
    pub popups: Popups,
    pub focus: Focus,
    /// The status line's error (the visible session's last one, until dismissed).
    pub error: Option<String>,
    pub quit_armed: bool,
    /// The key before this one armed quitting (see [`keys`]).
    armed_by_last_key: bool,
    pub now: Instant,
    pub spinner: usize,
    pub skills: Vec<Skill>,
    pub skill_errors: Vec<SkillError>,
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
    /// The account's rate-limit windows, as last reported.
    pub rate_limits: Vec<crate::engine::event::RateWindow>,
    pub agent: AgentConfig,
}

impl App {
    pub fn new(keymap: Keymap, info: Info) -> Self {
        Self {
            keymap,
            sessions: vec![SessionView::new(0, info, false)],
            visible: 0,
            next_id: 1,
            popups: Popups::default(),
            focus: Focus::Input,
            error: None,
            quit_armed: false,
            armed_by_last_key: false,
            now: Instant::now(),
            spinner: 0,
            skills: Vec::new(),
            skill_errors: Vec::new(),
            read_only: false,
            size: (120, 40),
            dirty: true,
            quit: false,
            term_focused: true,
            mouse_captured: true,
            confirm_delete: None,
            rate_limits: Vec::new(),
            agent: AgentConfig::default(),
        }
    }

    /// Every session, in bar order.
    pub fn sessions(&self) -> &[SessionView] {
        &self.sessions
    }

    /// The session on screen.
    pub fn session(&self) -> &SessionView {
        &self.sessions[self.visible]
    }

    /// The position of the session on screen.
    pub fn visible(&self) -> usize {
        self.visible
    }

    pub fn session_by_id(&self, id: u64) -> Option<&SessionView> {
        self.sessions.iter().find(|s| s.id() == id)
    }

    /// The popup on top, which gets the keys.
    pub fn popup(&self) -> Option<&Popup> {
        self.popups.top()
    }

    /// Runs `f` on the session on screen and takes in what it asks for.
    pub fn here<R>(&mut self, fx: &mut Vec<Effect>, f: impl FnOnce(&mut SessionView) -> R) -> R {
        let i = self.visible;
        let out = f(&mut self.sessions[i]);
        self.take_ups(i, false, fx);
        out
    }

    /// An error in the session on screen (its chat and the status line).
    pub fn fail(&mut self, message: &str) {
        self.here(&mut Vec::new(), |s| s.fail(message));
    }

    pub fn say(&mut self, who: Who, text: &str) {
        self.here(&mut Vec::new(), |s| s.say(who, text));
    }

    /// The single entry point for every change.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        let mut fx = Vec::new();
        match msg {
            Msg::Tab { tab, msg } => self.route(Some(tab), *msg, &mut fx),
            msg => self.route(None, msg, &mut fx),
        }
        self.sync_approvals();
        fx
    }

    /// A message for the App itself, or for a session: the one it names, else the visible one.
    fn route(&mut self, tab: Option<u64>, msg: Msg, fx: &mut Vec<Effect>) {
        match msg {
            Msg::Term(ev) => self.on_terminal(ev, fx),
            Msg::Tick(now) => {
                self.now = now;
                self.spinner = self.spinner.wrapping_add(1);
            }
            Msg::DiffLoaded { label, diff } => {
                self.popups.push(Popup::Diff(DiffView::new(&label, &diff)));
            }
            Msg::Preview(p) => self.popups.push(Popup::Preview(p)),
            Msg::Sessions(list) if list.is_empty() => {
                self.say(Who::Notice, "no stored sessions yet");
            }
            Msg::Sessions(list) => self.popups.push(Popup::Resume(Picker::new(list, ""))),
            Msg::Skills(d) => {
                self.skills = d.skills;
                self.skill_errors = d.errors;
                // `$` typed before the list came: the open picker gets it, filter kept.
                if let Some(Popup::Skills(p)) = self.popups.top_mut() {
                    *p = Picker::new(self.skills.clone(), &p.query);
                }
            }
            Msg::Models(list) => self.models_listed(list),
            Msg::Tab { tab, msg } => self.route(Some(tab), *msg, fx),
            msg => {
                let i = match tab {
                    // A closed session's late news goes nowhere.
                    Some(id) => match self.sessions.iter().position(|s| s.id() == id) {
                        Some(i) => i,
                        None => return,
                    },
                    None => self.visible,
                };
                let now = self.now;
                self.sessions[i].on_msg(msg, now);
                self.take_ups(i, tab.is_some(), fx);
            }
        }
    }

    /// What session `i` asked for. `tagged`: it answers a message of its services, so its
    /// effects name it (a background session's must not land on the visible one).
    fn take_ups(&mut self, i: usize, tagged: bool, fx: &mut Vec<Effect>) {
        let id = self.sessions[i].id();
        let on_screen = i == self.visible;
        let wrap = |e: Effect| match tagged {
            true => Effect::InTab(id, Box::new(e)),
            false => e,
        };
        for up in self.sessions[i].take_ups() {
            match up {
                Up::Effect(e) => fx.push(wrap(e)),
                // A background session's error waits in its chat (and the bar).
                Up::Error(m) if on_screen => self.error = Some(crate::text::one_line(&m, 400)),
                Up::Error(_) => {}
                Up::Open(p) if on_screen => self.popups.push(p),
                Up::Open(_) => {}
                Up::LiveDiff(d) if on_screen => {
                    if let Some(Popup::Diff(view)) = self.popups.top_mut()
                        && view.live
                    {
                        view.refresh(&d);
                    }
                }
                Up::FinalDiff(d) if on_screen => {
                    if let Some(Popup::Diff(view)) = self.popups.top_mut()
                        && view.live
                    {
                        *view = DiffView::new(LAST, &d);
                    }
                }
                Up::LiveDiff(_) | Up::FinalDiff(_) => {}
                Up::Attention {
                    status,
                    last_message,
                } => {
                    if !on_screen && matches!(status, "done" | "interrupted") {
                        self.sessions[i].mark_unseen();
                    }
                    // The user is looking: nothing to announce.
                    if on_screen && self.term_focused {
                        continue;
                    }
                    let s = &self.sessions[i];
                    let note = super::notify::Notification {
                        kind: "codexmcp-turn",
                        thread_id: s.thread_id().map(str::to_string),
                        title: s.title(),
                        status,
                        last_message,
                        cwd: s.info().cwd.display().to_string(),
                    };
                    fx.push(wrap(Effect::Notify(note)));
                }
                Up::RateLimits(w) => self.rate_limits = w,
            }
        }
    }

    /// The visible session's oldest unanswered approval is on screen, and no answered one.
    fn sync_approvals(&mut self) {
        let s = &self.sessions[self.visible];
        let asked = |id: &str| s.approvals().iter().any(|a| a.request_id == id);
        self.popups
            .close(|p| matches!(p, Popup::Approval(a) if !asked(&a.request_id)));
        if self.popups.any(|p| matches!(p, Popup::Approval(_))) {
            return;
        }
        if let Some(mut a) = s.approvals().front().cloned() {
            // The completion popups belong to the prompt being typed: the modal replaces them.
            self.popups
                .close(|p| matches!(p, Popup::Skills(_) | Popup::Commands(_)));
            a.armed_at = Some(self.now + APPROVAL_GUARD);
            self.popups.push(Popup::Approval(a));
        }
    }

    /// Adds a session working in `info.cwd` (in `worktree`, if given), shows it, and returns
    /// its id.
    pub fn add_session(
        &mut self,
        info: Info,
        worktree: Option<crate::session::worktree::Worktree>,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut s = SessionView::new(id, info, self.session().agent_mode());
        s.set_worktree(worktree);
        self.sessions.push(s);
        self.show(self.sessions.len() - 1);
        id
    }

    /// Shows the session at `index`: its approvals come up, what it had to tell is seen.
    pub fn show(&mut self, index: usize) {
        if index >= self.sessions.len() || index == self.visible {
            return;
        }
        // Popups belong to the session they were opened in.
        self.popups.close(|_| true);
        self.error = None;
        self.visible = index;
        self.sessions[index].seen();
        self.sync_approvals();
        self.dirty = true;
    }

    /// Names session `id` in the bar (a batch task's id).
    pub fn label_session(&mut self, id: u64, label: &str) {
        if let Some(s) = self.sessions.iter_mut().find(|s| s.id() == id) {
            s.set_label(label);
            self.dirty = true;
        }
    }

    /// Closes session `id` from outside (a finished batch task's tab making room): gone from
    /// the screen, its services stopped.
    pub fn close_session(&mut self, id: u64) -> Vec<Effect> {
        self.remove(id);
        vec![Effect::CloseTab(id)]
    }

    /// Removes session `id` (never the last one); the visible one stays visible when it can.
    fn remove(&mut self, id: u64) {
        if self.sessions.len() == 1 {
            return;
        }
        let Some(i) = self.sessions.iter().position(|s| s.id() == id) else {
            return;
        };
        let shown = self.session().id();
        self.sessions.remove(i);
        let keep = self.sessions.iter().position(|s| s.id() == shown);
        self.visible = keep.unwrap_or(i.min(self.sessions.len() - 1));
        if keep.is_none() {
            self.popups.close(|_| true);
            self.sessions[self.visible].seen();
        }
    }

    /// `--restore`: the first saved session continues in the first one when it worked in the
    /// same folder; every other one opens a session of its own.
    pub fn restore(&mut self, specs: Vec<super::effect::TabSpec>) -> Vec<Effect> {
        let mut fx = Vec::new();
        let mut specs = specs.into_iter();
        let mut first = specs.next();
        let cwd = self.session().info().cwd.clone();
        if let Some(spec) = first.take_if(|s| s.cwd.as_ref() == Some(&cwd)) {
            self.here(&mut fx, |s| {
                s.set_worktree(spec.worktree);
                if let Some(id) = spec.resume {
                    s.resume(id);
                }
            });
        }
        fx.extend(first.into_iter().chain(specs).map(Effect::OpenTab));
        fx
    }
}

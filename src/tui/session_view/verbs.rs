//! The thread verbs a session offers beyond a prompt: `/fork [N]` (a new tab on a new thread
//! that continues from turn N), `/compact` (Codex summarises the context) and `/plan` (plan
//! mode for the next turns). The session actor does the work; this is what the screen shows.

use std::time::Instant;

use super::super::chat::Who;
use super::super::effect::{Effect, TabSpec};
use super::SessionView;
use crate::engine::CodexEvent;
use crate::engine::review::{Reviewed, Target};
use crate::engine::threads::Forked;

impl SessionView {
    /// `/fork [N]`.
    pub fn fork(&mut self, through: Option<i64>) {
        if self.thread_id().is_none() {
            return self.fail("nothing to fork yet: the thread starts with the first prompt");
        }
        let at = through.map_or("its last turn".to_string(), |n| format!("turn {n}"));
        self.note(&format!("forking the thread at {at}…"));
        self.effect(Effect::Fork(through));
    }

    pub(super) fn on_forked(&mut self, forked: Result<Forked, String>) {
        match forked {
            Ok(f) => {
                let id = crate::text::one_line(&f.thread_id, 80);
                self.say(
                    Who::Notice,
                    &format!(
                        "forked at turn {} of {}: thread {id}, opened in a new tab",
                        f.at_turn, f.of
                    ),
                );
                self.effect(Effect::OpenTab(TabSpec {
                    cwd: Some(self.info.cwd.clone()),
                    resume: Some(f.thread_id),
                    worktree: None,
                }));
            }
            Err(e) => self.fail(&format!("/fork: {e}")),
        }
    }

    /// `/compact`.
    pub fn compact(&mut self) {
        if self.thread_id().is_none() {
            return self.fail("nothing to compact yet: the thread starts with the first prompt");
        }
        self.note("compacting the context…");
        self.effect(Effect::Compact);
    }

    pub(super) fn on_compacted(&mut self, done: Result<Vec<CodexEvent>, String>, now: Instant) {
        match done {
            Ok(events) => {
                for e in &events {
                    if let CodexEvent::UsageUpdated {
                        context_tokens,
                        context_window,
                        ..
                    } = e
                    {
                        self.context = Some((*context_tokens, *context_window));
                    }
                    // Shown outside any turn (run 0), like the other notes.
                    if matches!(
                        e,
                        CodexEvent::ThreadCompacted { .. } | CodexEvent::ItemCompleted { .. }
                    ) {
                        self.events.apply(0, e, now);
                    }
                }
                self.say(
                    Who::Notice,
                    "context compacted: the next turn continues from a summary",
                );
            }
            Err(e) => self.fail(&format!("/compact: {e}")),
        }
    }

    /// `/plan`: plan mode on or off for the next turns.
    pub fn toggle_plan(&mut self) {
        self.plan = !self.plan;
        let said = match self.plan {
            true => {
                "plan mode: Codex plans before it acts, from the next turn (/plan again ends it)"
            }
            false => "plan mode off: Codex acts from the next turn",
        };
        self.say(Who::Notice, said);
    }

    /// `/review …`: Codex reviews the change on a thread of its own; this thread goes on.
    pub fn review(&mut self, target: Target) {
        self.note("Codex is reviewing…");
        self.effect(Effect::Review(target));
    }

    pub(super) fn on_reviewed(&mut self, done: Result<Reviewed, String>) {
        let r = match done {
            Ok(r) => r,
            Err(e) => return self.fail(&format!("/review: {e}")),
        };
        if r.findings.is_empty() {
            let said = r.text.as_deref().map(|t| crate::text::one_line(t, 400));
            self.say(
                Who::Notice,
                &format!("review: no findings. {}", said.unwrap_or_default()),
            );
            return;
        }
        let n = r.findings.len();
        let mut lines = vec![format!(
            "review: {n} finding{}",
            if n == 1 { "" } else { "s" }
        )];
        for f in &r.findings {
            let row = format!("{}{}", crate::text::one_line(&f.title, 200), f.place());
            self.events
                .note(0, super::super::rows::RowKind::Warning, &row);
            lines.push(format!(
                "- {row}\n  {}",
                crate::text::one_line(&f.body, 400)
            ));
        }
        self.say(Who::Notice, &lines.join("\n"));
    }
}

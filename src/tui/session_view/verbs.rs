//! The thread verbs a session offers beyond a prompt: `/fork [N] [--worktree NAME]` (a new tab
//! on a new thread that continues from turn N, with the files as after it in a new worktree), `/compact` (Codex summarises the context) and `/plan` (plan
//! mode for the next turns). The session actor does the work; this is what the screen shows.

use std::time::Instant;

use super::super::chat::Who;
use super::super::effect::{Effect, ReviewOf, TabSpec};
use super::SessionView;
use crate::engine::CodexEvent;
use crate::engine::review::Reviewed;
use crate::session::ForkedThread;
use crate::session::checkpoint::TurnDiff;

impl SessionView {
    /// `/fork [N] [--worktree NAME]`.
    pub fn fork(&mut self, through: Option<i64>, worktree: Option<String>) {
        if self.thread_id().is_none() {
            return self.fail("nothing to fork yet: the thread starts with the first prompt");
        }
        let at = through.map_or("its last turn".to_string(), |n| format!("turn {n}"));
        let into = worktree
            .as_ref()
            .map(|w| format!(" into the worktree {}", crate::text::one_line(w, 64)))
            .unwrap_or_default();
        self.note(&format!("forking the thread at {at}{into}…"));
        self.effect(Effect::Fork { through, worktree });
    }

    pub(super) fn on_forked(&mut self, forked: Result<ForkedThread, String>) {
        let ForkedThread {
            forked: f,
            worktree,
            files,
        } = match forked {
            Ok(f) => f,
            Err(e) => return self.fail(&format!("/fork: {e}")),
        };
        let id = crate::text::one_line(&f.thread_id, 80);
        let mut said = format!(
            "forked at turn {} of {}: thread {id}, opened in a new tab",
            f.at_turn, f.of
        );
        if let Some(wt) = &worktree {
            said.push_str(&format!(
                "\nit works in the worktree {} (branch {})",
                crate::text::bytes_literal(wt.path.as_os_str().as_encoded_bytes()),
                crate::text::one_line(&wt.branch, 80)
            ));
        }
        match files {
            Some(Ok(done)) => said.push_str(&format!(
                "\nits files are as after turn {}\n{}",
                f.at_turn,
                done.report().trim_end()
            )),
            Some(Err(e)) => said.push_str(&format!("\nits files could not be put back: {e}")),
            None => {}
        }
        self.say(Who::Notice, &said);
        self.effect(Effect::OpenTab(TabSpec {
            cwd: Some(
                worktree
                    .as_ref()
                    .map_or(self.info.cwd.clone(), |w| w.cwd.clone()),
            ),
            resume: Some(f.thread_id),
            worktree,
        }));
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
    pub fn review(&mut self, of: ReviewOf) {
        if matches!(of, ReviewOf::Turn(_)) && self.thread_id().is_none() {
            return self.fail("no thread yet: no turn to review");
        }
        self.note("Codex is reviewing…");
        self.effect(Effect::Review(of));
    }

    pub(super) fn on_reviewed(&mut self, done: Result<Reviewed, String>, diff: Option<TurnDiff>) {
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
        self.list_findings(r.findings, diff);
    }
}

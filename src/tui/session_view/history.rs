//! Filling the screen from the past: a stored thread's transcript (`/resume`) and a recorded
//! stream (`codexmcp replay`). Both go through the same row and chat code as live events.

use std::time::Instant;

use super::super::chat::Who;
use super::SessionView;
use crate::engine::{CodexEvent, ItemKind};
use crate::session::{LogEntry, SessionRecord};

impl SessionView {
    /// Rebuilds chat and rows from a stored session log, and continues that thread.
    pub(super) fn load_transcript(
        &mut self,
        id: &str,
        record: Option<SessionRecord>,
        entries: Vec<LogEntry>,
        now: Instant,
    ) {
        self.chat.clear();
        self.events.clear();
        let mut run = 0;
        for entry in entries {
            match entry {
                LogEntry::Prompt { text, .. } => {
                    run = self.turn.next_run();
                    self.say(Who::User, &text);
                }
                LogEntry::Steer { text, .. } => self.say(Who::User, &text),
                LogEntry::Rewind { redo, turn, .. } => {
                    self.say(
                        Who::Notice,
                        &crate::session::transcript::mark_text(redo, turn),
                    );
                }
                LogEntry::Event { event, .. } => {
                    if let CodexEvent::ItemCompleted { item } = &event
                        && let ItemKind::AgentMessage { text } = &item.kind
                    {
                        self.say(Who::Codex, text);
                    }
                    self.events.apply(run, &event, now);
                }
            }
        }
        let title = record
            .map(|r| r.title)
            .unwrap_or_else(|| "no local transcript; Codex keeps the history".into());
        let id = crate::text::one_line(id, 80);
        self.say(Who::Notice, &format!("resumed thread {id}: {title}"));
    }

    /// A recorded prompt starts a pseudo-turn; recorded events flow through the normal path.
    pub(super) fn on_replay(
        &mut self,
        prompt: Option<String>,
        event: Option<CodexEvent>,
        now: Instant,
    ) {
        if let Some(p) = prompt {
            self.say(Who::User, &p);
            self.turn.begin(now);
        }
        if let Some(e) = event {
            if !self.turn.is_running() {
                self.turn.begin(now);
            }
            let run = self.turn.running().map_or(0, |t| t.run);
            // A replay has no session actor: the recording says which thread it was.
            if let CodexEvent::ThreadStarted { thread_id } = &e {
                let total = self.turn.total();
                self.turn.set_thread(Some(thread_id.clone()), total);
            }
            self.on_codex(run, &e, now);
            if e.is_terminal() {
                self.turn.end(run);
            }
        }
    }
}

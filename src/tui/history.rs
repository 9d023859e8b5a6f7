//! Filling the screen from the past: a stored thread's transcript (`/resume`) and a recorded
//! stream (`codexmcp replay`). Both go through the same row and chat code as live events.

use super::app::{App, Who};
use crate::engine::{CodexEvent, ItemKind};
use crate::session::{LogEntry, SessionRecord};

impl App {
    /// Rebuilds chat and rows from a stored session log, and continues that thread.
    pub(super) fn load_transcript(
        &mut self,
        id: String,
        record: Option<SessionRecord>,
        entries: Vec<LogEntry>,
    ) {
        self.chat.clear();
        self.events.clear();
        let total = record.as_ref().map(|r| r.usage).unwrap_or_default();
        self.turn.set_thread(Some(id.clone()), total);
        let mut run = 0;
        for entry in entries {
            match entry {
                LogEntry::Prompt { text, .. } => {
                    run = self.turn.next_run();
                    self.say(Who::User, &text);
                }
                LogEntry::Event { event, .. } => {
                    if let CodexEvent::ItemCompleted { item } = &event
                        && let ItemKind::AgentMessage { text } = &item.kind
                    {
                        self.say(Who::Codex, text);
                    }
                    let now = self.now;
                    self.events.apply(run, &event, now);
                }
            }
        }
        let title = record
            .map(|r| r.title)
            .unwrap_or_else(|| "no local transcript; Codex keeps the history".into());
        let id = crate::text::one_line(&id, 80);
        self.say(Who::Notice, &format!("resumed thread {id}: {title}"));
    }

    /// A recorded prompt starts a pseudo-turn; recorded events flow through the normal path.
    pub(super) fn on_replay(&mut self, prompt: Option<String>, event: Option<CodexEvent>) {
        if let Some(p) = prompt {
            self.say(Who::User, &p);
            let now = self.now;
            self.turn.begin(now);
        }
        if let Some(e) = event {
            if !self.turn.is_running() {
                let now = self.now;
                self.turn.begin(now);
            }
            let run = self.turn.running().map_or(0, |t| t.run);
            self.on_codex(run, &e);
            if e.is_terminal() {
                self.turn.end(run);
            }
        }
    }
}

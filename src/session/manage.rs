//! Managing stored threads: find them by any text of their transcript, give them a title,
//! forget them. `codexmcp sessions --search/rename/rm` and the TUI's `/rename` and resume
//! picker use these; each touches codexmcp's own store (and a thread's checkpoints), never
//! Codex's history, which the app-server manages (`thread/name/set`, `thread/archive`).

use anyhow::{Context, Result};

use super::checkpoint;
use super::record::{LogEntry, SessionRecord};
use super::store::Store;
use crate::engine::CodexEvent;

/// Longest title kept.
pub const MAX_TITLE: usize = 120;

impl Store {
    /// Renames thread `id`; the new record.
    pub fn rename(&self, id: &str, title: &str) -> std::result::Result<SessionRecord, String> {
        let title = crate::text::one_line(title, MAX_TITLE);
        if title.trim().is_empty() {
            return Err("a title needs some text".into());
        }
        let mut record = self.record(id)?;
        record.title = title;
        self.save(&record).map_err(|e| format!("{e:#}"))?;
        Ok(record)
    }

    /// Forgets thread `id`: its record, transcript and the files beside it, and its
    /// checkpoints (their contents go with the next `sessions --prune`). Returns the record it
    /// was: its `rewind.made` names Codex's copies that undo made, which go with it.
    pub fn remove(
        &self,
        id: &str,
        checkpoints: Option<&checkpoint::Store>,
    ) -> Result<SessionRecord> {
        let record = self.record(id).map_err(anyhow::Error::msg)?;
        let dir = self.dir(id)?;
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        if let Some(store) = checkpoints {
            let manifests = store.root().join("manifests").join(id);
            match std::fs::remove_dir_all(&manifests) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("removing {}", manifests.display()));
                }
                _ => {}
            }
        }
        Ok(record)
    }

    /// The stored threads whose title, id, folder or transcript (prompts, answers, commands)
    /// contains `text`, ignoring case; newest first.
    pub fn search(&self, text: &str) -> Result<Vec<SessionRecord>> {
        let needle = text.to_lowercase();
        let mut found = Vec::new();
        for r in self.list()?.sessions {
            let head = format!("{} {} {}", r.title, r.id, r.cwd).to_lowercase();
            if head.contains(&needle) || self.transcript_has(&r.id, &needle) {
                found.push(r);
            }
        }
        Ok(found)
    }

    fn transcript_has(&self, id: &str, needle: &str) -> bool {
        let Ok(log) = self.read_log(id) else {
            return false;
        };
        log.entries.iter().any(|e| {
            let text = match e {
                LogEntry::Prompt { text, .. } | LogEntry::Steer { text, .. } => text.as_str(),
                LogEntry::Rewind { .. } => return false,
                LogEntry::Event { event, .. } => match event {
                    CodexEvent::ItemCompleted { item } => match &item.kind {
                        crate::engine::ItemKind::AgentMessage { text } => text.as_str(),
                        crate::engine::ItemKind::CommandExecution { command, .. } => {
                            command.as_str()
                        }
                        _ => return false,
                    },
                    _ => return false,
                },
            };
            text.to_lowercase().contains(needle)
        })
    }
}

/// Adds the threads Codex lists that codexmcp has no record of to `sessions`, newest first —
/// but not the copies undo made (they hold a recorded thread's conversation, not one of their
/// own).
pub fn add_codex_threads(
    sessions: &mut Vec<SessionRecord>,
    listed: Vec<crate::engine::app_lists::CodexThread>,
) {
    let known: std::collections::HashSet<String> = sessions
        .iter()
        .flat_map(|s| std::iter::once(&s.id).chain(&s.rewind.made))
        .cloned()
        .collect();
    sessions.extend(
        listed
            .into_iter()
            .filter(|t| !known.contains(&t.id))
            .map(SessionRecord::from_codex),
    );
    sessions.sort_by_key(|s| std::cmp::Reverse(s.updated_ms));
}

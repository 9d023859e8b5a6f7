//! A session is one Codex thread as codexmcp remembers it: who started it, where, with what
//! backend, how many tokens it used, and every prompt and event of every turn.
//!
//! [`Recorder`] is the piece front ends use: it buffers events until the thread id is known
//! (`thread.started`), then appends them to the store and keeps the record's usage and
//! timestamps current. Codex keeps its own history in CODEX_HOME; this store is what lets
//! codexmcp list, title, replay and resume threads across restarts.

pub mod store;

use serde::{Deserialize, Serialize};

use crate::engine::{CodexEvent, Usage};
pub use store::Store;

/// What codexmcp knows about a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub id: String,
    /// The first prompt, shortened to one line.
    pub title: String,
    pub cwd: String,
    pub backend: String,
    pub created_ms: u64,
    pub updated_ms: u64,
    /// Cumulative usage of the thread.
    #[serde(default)]
    pub usage: Usage,
    #[serde(default)]
    pub turns: u32,
}

/// One line of a thread's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum LogEntry {
    Prompt { ts_ms: u64, text: String },
    Event { ts_ms: u64, event: CodexEvent },
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// A title from a prompt: first non-empty line, at most 80 characters.
pub fn title_of(prompt: &str) -> String {
    let line = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("(empty prompt)");
    let mut t: String = line.chars().filter(|c| !c.is_control()).take(80).collect();
    if line.chars().count() > 80 {
        t.push('…');
    }
    t
}

/// Starts the bookkeeping of one turn, the same for every front end: the spec (with the
/// thread's usage so far, for per-turn figures) and a recorder primed with the stored record
/// of the thread it resumes.
pub fn begin_turn(
    store: Option<&Store>,
    prompt: &str,
    resume: Option<String>,
    cwd: &std::path::Path,
    backend: &str,
) -> (crate::engine::TurnSpec, Option<Recorder>) {
    let existing = match (store, &resume) {
        (Some(s), Some(id)) => s.load(id).ok().flatten(),
        _ => None,
    };
    let prior_total = existing.as_ref().map(|r| r.usage).unwrap_or_default();
    let recorder = store.map(|s| {
        Recorder::new(
            s.clone(),
            existing,
            prompt,
            &cwd.display().to_string(),
            backend,
        )
    });
    (
        crate::engine::TurnSpec {
            prompt: prompt.to_string(),
            resume,
            prior_total,
        },
        recorder,
    )
}

/// Records one turn into the store as it happens. Store errors are logged, never fatal: a
/// full disk must not kill a running turn.
pub struct Recorder {
    store: Store,
    record: Option<SessionRecord>,
    pending: Vec<LogEntry>,
    prompt: String,
    cwd: String,
    backend: String,
}

impl Recorder {
    /// `existing` is the stored record when the turn resumes a known thread.
    pub fn new(
        store: Store,
        existing: Option<SessionRecord>,
        prompt: &str,
        cwd: &str,
        backend: &str,
    ) -> Self {
        Self {
            store,
            record: existing,
            pending: vec![LogEntry::Prompt {
                ts_ms: now_ms(),
                text: prompt.to_string(),
            }],
            prompt: prompt.to_string(),
            cwd: cwd.to_string(),
            backend: backend.to_string(),
        }
    }

    pub fn record(&self) -> Option<&SessionRecord> {
        self.record.as_ref()
    }

    pub fn observe(&mut self, event: &CodexEvent) {
        let now = now_ms();
        if let CodexEvent::ThreadStarted { thread_id } = event {
            let known = self.record.as_ref().is_some_and(|r| &r.id == thread_id);
            if !known {
                let stored = self.store.load(thread_id).ok().flatten();
                self.record = Some(stored.unwrap_or_else(|| SessionRecord {
                    id: thread_id.clone(),
                    title: title_of(&self.prompt),
                    cwd: self.cwd.clone(),
                    backend: self.backend.clone(),
                    created_ms: now,
                    updated_ms: now,
                    usage: Usage::default(),
                    turns: 0,
                }));
            }
            self.save_record();
        }
        self.pending.push(LogEntry::Event {
            ts_ms: now,
            event: event.clone(),
        });
        if let Some(record) = &mut self.record {
            record.updated_ms = now;
            if let CodexEvent::TurnCompleted { total, .. } = event {
                record.usage = *total;
                record.turns += 1;
            }
            self.flush();
        }
    }

    /// Writes buffered entries (called after each event once the id is known, and at the end).
    pub fn flush(&mut self) {
        let Some(record) = &self.record else { return };
        if let Err(e) = self.store.append(&record.id, &self.pending) {
            tracing::warn!("session log not written: {e:#}");
        }
        self.pending.clear();
    }

    fn save_record(&mut self) {
        if let Some(record) = &self.record
            && let Err(e) = self.store.save(record)
        {
            tracing::warn!("session record not written: {e:#}");
        }
    }

    /// Final save when the turn is over (however it ended).
    pub fn finish(mut self) -> Option<SessionRecord> {
        if let Some(r) = &mut self.record {
            r.updated_ms = now_ms();
        }
        self.save_record();
        self.flush();
        self.record
    }
}

/// `codexmcp sessions`: newest first, one line each (or JSON). Returns the exit code.
pub fn print_sessions(json: bool) -> i32 {
    let listing = match Store::open_default().and_then(|s| s.list()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("codexmcp: cannot read the session store: {e:#}");
            return 1;
        }
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&listing).unwrap_or_default()
        );
        return 0;
    }
    if listing.sessions.is_empty() {
        println!("no stored sessions yet (run `codexmcp exec \"...\"` to start one)");
    }
    for r in &listing.sessions {
        println!(
            "{}  {:>7} tok  {:<10} {}  {}\n    {}",
            r.id,
            r.usage.total_tokens(),
            r.backend,
            age(now_ms().saturating_sub(r.updated_ms)),
            crate::text::one_line(&r.title, 80),
            crate::text::one_line(&r.cwd, 120),
        );
    }
    for b in &listing.broken {
        eprintln!("warning: unreadable session {b}");
    }
    0
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

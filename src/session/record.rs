//! What a session writes down: the record of a thread (`meta.json`) and its log of prompts and
//! events (`log.jsonl`), kept by one [`Recorder`] per turn.
//!
//! The recorder holds entries until the thread id is known (`thread.started`), then appends
//! them to the thread's log through one open, buffered file: flushed at turn boundaries and at
//! least every [`FLUSH_EVERY`] (the session's turn loop drives the timer), never reopened per
//! event. A run of `item.delta`s for the same item and stream becomes one log entry. Store
//! errors are logged, never fatal: a full disk must not kill a running turn.

use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::store::Store;
use crate::engine::{CodexEvent, Usage};

/// Longest time a recorded event waits in memory before it reaches the log file.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

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
    /// What the thread's last turn ran with, so a later turn elsewhere (`codex-reply` in
    /// mcp-server) continues with the thread's settings, not its own defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    /// Where undos and redos left the conversation (see `session::rewind`).
    #[serde(default, skip_serializing_if = "Rewind::is_empty")]
    pub rewind: Rewind,
}

/// How the thread id the user knows maps onto Codex's threads through undos and redos. An undo
/// moves the conversation to a copy without the last turn and keeps the thread it left, so a
/// redo can go back to it exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rewind {
    /// The Codex thread that holds the conversation now (`None`: the thread itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backing: Option<String>,
    /// What a redo puts back, the latest undo last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redo: Vec<Undid>,
    /// Every Codex thread made for this one (not shown as threads of their own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub made: Vec<String>,
}

/// One undo, as a redo needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undid {
    /// The Codex thread that held the conversation before the undo (the turn included).
    pub thread: String,
    /// The undone turn's checkpoint (its `<ms>`).
    pub at: String,
}

impl Rewind {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// The settings a turn runs with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub sandbox: crate::cli::SandboxMode,
    pub approval_policy: crate::cli::ApprovalPolicy,
    /// The working dir, as text (escaped, when it is not UTF-8: see `cwd_b64`).
    pub cwd: String,
    /// The working dir's bytes (base64), when it is not UTF-8: a path is never guessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd_b64: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// `-c key=value` overrides, in order.
    #[serde(default)]
    pub overrides: Vec<String>,
}

impl Policy {
    pub fn of(engine: &crate::engine::EngineConfig) -> Self {
        use base64::Engine;
        let bytes = engine.cwd.as_os_str().as_encoded_bytes();
        Self {
            sandbox: engine.sandbox,
            approval_policy: engine.approval_policy,
            cwd: crate::text::bytes_literal(bytes),
            cwd_b64: std::str::from_utf8(bytes)
                .is_err()
                .then(|| base64::engine::general_purpose::STANDARD.encode(bytes)),
            model: engine.model.clone(),
            reasoning_effort: engine.reasoning_effort.clone(),
            overrides: engine.overrides.clone(),
        }
    }

    /// The working dir, exactly.
    pub fn cwd_path(&self) -> std::path::PathBuf {
        use base64::Engine;
        use std::os::unix::ffi::OsStringExt;
        match self
            .cwd_b64
            .as_ref()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        {
            Some(bytes) => std::ffi::OsString::from_vec(bytes).into(),
            None => std::path::PathBuf::from(&self.cwd),
        }
    }

    /// `engine` with this policy in place of its own.
    pub fn apply(&self, engine: &mut crate::engine::EngineConfig) {
        engine.sandbox = self.sandbox;
        engine.approval_policy = self.approval_policy;
        engine.cwd = self.cwd_path();
        engine.model = self.model.clone();
        engine.reasoning_effort = self.reasoning_effort.clone();
        engine.overrides = self.overrides.clone();
    }
}

impl SessionRecord {
    /// The working dir, exactly (from the policy, which keeps it whole, when there is one).
    pub fn cwd_path(&self) -> std::path::PathBuf {
        match &self.policy {
            Some(p) => p.cwd_path(),
            None => std::path::PathBuf::from(&self.cwd),
        }
    }
}

/// One line of a thread's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum LogEntry {
    /// What the user sent to start a turn.
    Prompt {
        ts_ms: u64,
        text: String,
    },
    /// Text the user sent into a running turn: part of that turn, not a new one.
    Steer {
        ts_ms: u64,
        text: String,
    },
    Event {
        ts_ms: u64,
        event: CodexEvent,
    },
    /// An undo (or, with `redo`, a redo) of the thread's last turn; `turn` is its number among
    /// the turns in effect (1 the first). See [`super::transcript`].
    Rewind {
        ts_ms: u64,
        redo: bool,
        turn: usize,
    },
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

/// Records one turn into the store as it happens.
pub struct Recorder {
    store: Store,
    record: Option<SessionRecord>,
    /// Entries not yet written (all of them until the thread id is known).
    pending: Vec<LogEntry>,
    /// The open log of the thread, once known.
    log: Option<BufWriter<std::fs::File>>,
    /// Bytes written to `log` but not flushed, and since when.
    unflushed_since: Option<Instant>,
    prompt: String,
    cwd: String,
    backend: String,
    policy: Option<Policy>,
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
            log: None,
            unflushed_since: None,
            prompt: prompt.to_string(),
            cwd: cwd.to_string(),
            backend: backend.to_string(),
            policy: None,
        }
    }

    /// Records `policy` as what this turn ran with.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    pub fn record(&self) -> Option<&SessionRecord> {
        self.record.as_ref()
    }

    /// Text the user sent into the running turn, logged as part of it.
    pub fn steered(&mut self, text: &str) {
        self.pending.push(LogEntry::Steer {
            ts_ms: now_ms(),
            text: text.to_string(),
        });
        self.write_pending();
    }

    pub fn observe(&mut self, event: &CodexEvent) {
        let now = now_ms();
        if let CodexEvent::ThreadStarted { thread_id } = event {
            self.thread_started(thread_id, now);
        }
        self.push(now, event);
        if let Some(record) = &mut self.record {
            self.unflushed_since.get_or_insert_with(Instant::now);
            record.updated_ms = now;
            if let CodexEvent::TurnCompleted { total, .. } = event {
                record.usage = *total;
                record.turns += 1;
            }
        }
        if event.is_terminal() {
            self.save_record();
            self.flush();
        } else {
            self.write_pending();
        }
    }

    fn thread_started(&mut self, thread_id: &str, now: u64) {
        let known = self.record.as_ref().is_some_and(|r| r.id == thread_id);
        if !known {
            let stored = self.store.load(thread_id).ok().flatten();
            self.record = Some(stored.unwrap_or_else(|| SessionRecord {
                id: thread_id.to_string(),
                title: title_of(&self.prompt),
                cwd: self.cwd.clone(),
                backend: self.backend.clone(),
                created_ms: now,
                updated_ms: now,
                usage: Usage::default(),
                turns: 0,
                policy: None,
                rewind: Rewind::default(),
            }));
            self.log = None;
        }
        if let (Some(record), Some(policy)) = (&mut self.record, &self.policy) {
            record.policy = Some(policy.clone());
        }
        self.save_record();
    }

    /// Adds an entry; a delta that continues the previous one (same item, same stream) is
    /// merged into it.
    fn push(&mut self, ts_ms: u64, event: &CodexEvent) {
        if let CodexEvent::ItemDelta {
            item_id,
            stream,
            delta,
        } = event
            && let Some(LogEntry::Event {
                event:
                    CodexEvent::ItemDelta {
                        item_id: last_id,
                        stream: last_stream,
                        delta: text,
                    },
                ..
            }) = self.pending.last_mut()
            && last_id == item_id
            && last_stream == stream
        {
            text.push_str(delta);
            return;
        }
        self.pending.push(LogEntry::Event {
            ts_ms,
            event: event.clone(),
        });
    }

    /// Writes every pending entry but a trailing delta (it may still grow) into the buffer.
    fn write_pending(&mut self) {
        let keep = matches!(
            self.pending.last(),
            Some(LogEntry::Event {
                event: CodexEvent::ItemDelta { .. },
                ..
            })
        );
        let n = self.pending.len() - usize::from(keep);
        self.write_entries(n);
    }

    fn write_entries(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let Some(record) = &self.record else { return };
        if self.log.is_none() {
            match self.store.open_log(&record.id) {
                Ok(f) => self.log = Some(BufWriter::with_capacity(64 * 1024, f)),
                Err(e) => {
                    self.unsaved_log(&format!("{e:#}"));
                    self.pending.clear();
                    return;
                }
            }
        }
        let Some(log) = self.log.as_mut() else { return };
        let mut line = Vec::with_capacity(256);
        for entry in self.pending.drain(..n) {
            line.clear();
            if serde_json::to_writer(&mut line, &entry).is_err() {
                continue;
            }
            line.push(b'\n');
            if let Err(e) = log.write_all(&line) {
                let (store, id) = (self.store.clone(), record.id.clone());
                unsaved_log(&store, &id, &e);
                break;
            }
        }
    }

    /// When the buffered entries must reach the file at the latest (`None`: nothing waits).
    pub fn flush_due(&self) -> Option<Instant> {
        self.unflushed_since.map(|at| at + FLUSH_EVERY)
    }

    /// Writes everything held so far through to the file.
    pub fn flush(&mut self) {
        let n = self.pending.len();
        self.write_entries(n);
        if let Some(log) = self.log.as_mut()
            && let Err(e) = log.flush()
            && let Some(record) = &self.record
        {
            unsaved_log(&self.store, &record.id, &e);
        }
        self.unflushed_since = None;
    }

    fn save_record(&mut self) {
        if let Some(record) = &self.record
            && let Err(e) = self.store.save(record)
        {
            let path = self
                .store
                .beside(&record.id, "meta.json")
                .unwrap_or_default();
            super::unsaved::report(
                "the session record",
                &path,
                &format!("{e:#}"),
                super::unsaved::NOT_RESUMABLE,
            );
        }
    }

    fn unsaved_log(&self, error: &str) {
        if let Some(record) = &self.record {
            unsaved_log(&self.store, &record.id, &error);
        }
    }

    /// Final save when the turn is over (however it ended).
    pub fn finish(mut self) -> Option<SessionRecord> {
        if let Some(r) = &mut self.record {
            r.updated_ms = now_ms();
        }
        self.save_record();
        self.flush();
        self.record.take()
    }
}

/// Says (once) that thread `id`'s log could not be written.
fn unsaved_log(store: &Store, id: &str, error: &dyn std::fmt::Display) {
    let path = store.beside(id, "log.jsonl").unwrap_or_default();
    super::unsaved::report(
        "the session log",
        &path,
        error,
        super::unsaved::NO_TRANSCRIPT,
    );
}

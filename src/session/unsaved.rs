//! Failures to persist, said once where the user looks (DESIGN §8, rule 8).
//!
//! A session record, a log line or a checkpoint that cannot be written never stops a turn —
//! but it takes away something the user counts on later: resuming the thread by id, its
//! transcript, its diff and undo. Logged only, such a failure is found when it is too late. So
//! each one is logged and queued here once per process (per what and where), and every front
//! end says what is queued where its user looks: `exec` and `mcp-server` on stderr, the TUI as
//! a notice in the chat.

use std::collections::HashSet;
use std::sync::Mutex;

#[derive(Default)]
struct Said {
    keys: HashSet<String>,
    pending: Vec<String>,
}

static SAID: Mutex<Option<Said>> = Mutex::new(None);

/// What is lost when a thread's record cannot be written.
pub const NOT_RESUMABLE: &str =
    "this thread will not be resumable by id from codexmcp (Codex's own history still has it)";
/// What is lost when a thread's log cannot be written.
pub const NO_TRANSCRIPT: &str = "its transcript (export, the history /resume shows) will miss this";
/// What is lost when a checkpoint cannot be taken or written.
pub const NO_UNDO: &str = "this turn's diff and undo will not be available";

/// Notes that `what` could not be written to `where_` (a path, shown escaped) because of
/// `error`, and what the user loses (`consequence`). Said once per `what` and `where_`.
pub fn report(
    what: &str,
    where_: &std::path::Path,
    error: &dyn std::fmt::Display,
    consequence: &str,
) {
    let place = crate::text::bytes_literal(where_.as_os_str().as_encoded_bytes());
    say(
        &format!("{what}\0{place}"),
        format!("{what} could not be written to {place} ({error}): {consequence}"),
    );
}

/// Queues `message` to be said, once per `key`.
pub fn say(key: &str, message: String) {
    tracing::warn!("{message}");
    let Ok(mut said) = SAID.lock() else { return };
    let said = said.get_or_insert_with(Said::default);
    if said.keys.insert(key.to_string()) {
        said.pending.push(crate::text::one_line(&message, 600));
    }
}

/// What is queued to be said (each message once), oldest first.
pub fn take() -> Vec<String> {
    SAID.lock()
        .ok()
        .and_then(|mut s| s.as_mut().map(|s| std::mem::take(&mut s.pending)))
        .unwrap_or_default()
}

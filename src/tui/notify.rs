//! Telling the user that a session needs them: a turn ended, failed or waits for an approval
//! while the terminal was not focused or the session was not the visible one.
//!
//! The terminal is asked first (`notify` in config.toml): the bell, or a desktop
//! notification by OSC 9 or OSC 777, written between frames by the task that owns the
//! terminal. Then `notify_command`, if set, runs with one JSON argument — thread id, session
//! title, status, last message — the way Codex runs its own `notify` program. The text is
//! Codex's and the model's: it is flattened to one line of plain characters before it goes
//! into an escape sequence, and passed to the program as data, never through a shell.

use std::io::Write;

use serde::Serialize;

use crate::config::{NotifyMode, Settings};

/// What happened, and to which session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub thread_id: Option<String>,
    pub title: String,
    /// `done`, `failed`, `interrupted` or `approval`.
    pub status: &'static str,
    pub last_message: Option<String>,
    pub cwd: String,
}

pub struct Notifier {
    mode: NotifyMode,
    command: Vec<String>,
    /// `notify_command` runs still going: reaped as they end, and at exit waited for
    /// briefly, then killed (nothing of ours outlives the TUI).
    running: tokio::task::JoinSet<()>,
    /// Carried by every `notify_command` run and whatever it starts, so the whole tree can be
    /// killed at exit (and by the guardian, should the TUI be killed).
    marker: String,
}

/// How long a `notify_command` still running at exit is given to finish.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

impl Notifier {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            mode: settings.notify,
            command: settings.notify_command.clone(),
            running: tokio::task::JoinSet::new(),
            marker: crate::engine::procs::new_marker(),
        }
    }

    /// At exit: every `notify_command` still running gets [`EXIT_GRACE`] to finish, then is
    /// killed and reaped.
    pub async fn shutdown(mut self) {
        let all = async { while self.running.join_next().await.is_some() {} };
        if tokio::time::timeout(EXIT_GRACE, all).await.is_err() {
            // Everything carrying the marker (the program and what it started), then the
            // waits, which reap.
            crate::engine::procs::kill_marked(&self.marker);
            while self.running.join_next().await.is_some() {}
        }
    }

    pub fn send(&mut self, note: &Notification) {
        let what = match note.status {
            "approval" => "needs your approval",
            "failed" => "failed",
            "interrupted" => "was interrupted",
            _ => "is done",
        };
        let body = plain(&format!("{} {what}", note.title), 200);
        let seq = match self.mode {
            NotifyMode::Bell => "\u{7}".to_string(),
            NotifyMode::Osc9 => format!("\u{1b}]9;codexmcp: {body}\u{7}"),
            NotifyMode::Osc777 => format!("\u{1b}]777;notify;codexmcp;{body}\u{7}"),
            NotifyMode::Off => String::new(),
        };
        if !seq.is_empty() {
            let mut out = std::io::stdout();
            let _ = out.write_all(seq.as_bytes()).and_then(|_| out.flush());
        }
        if let Some((program, args)) = self.command.split_first() {
            let json = serde_json::to_string(note).unwrap_or_default();
            crate::engine::procs::guard_children();
            let spawned = tokio::process::Command::new(program)
                .args(args)
                .arg(json)
                .env(crate::engine::procs::MARKER_VAR, &self.marker)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn();
            match spawned {
                // Reaped in the background as it ends (see `shutdown` for the exit).
                Ok(mut child) => {
                    while self.running.try_join_next().is_some() {}
                    self.running.spawn(async move {
                        let _ = child.wait().await;
                    });
                }
                Err(e) => tracing::warn!("notify_command {program}: {e}"),
            }
        }
    }
}

/// One line of printable characters: what an escape sequence may carry (`;` too, which OSC
/// 777 would read as a field separator).
fn plain(text: &str, max: usize) -> String {
    crate::text::one_line(text, max)
        .chars()
        .map(|c| if c.is_control() || c == ';' { ' ' } else { c })
        .collect()
}

/// Puts `text` on the terminal's clipboard (OSC 52; works over ssh and in tmux with
/// `set-clipboard on`). Only ids are copied, but the text is flattened all the same.
pub fn copy(text: &str) {
    use base64::Engine;
    let payload = base64::engine::general_purpose::STANDARD.encode(plain(text, 400));
    let mut out = std::io::stdout();
    let _ = out
        .write_all(format!("\u{1b}]52;c;{payload}\u{7}").as_bytes())
        .and_then(|_| out.flush());
}

//! `codexmcp replay FILE`: feed a recorded run into the TUI.
//!
//! Three formats are accepted, line by line, so any capture can be reviewed: a stored session
//! log (`{"entry": ...}` lines with timestamps), the normalized `codexmcp exec --json` output,
//! and raw `codex exec --json` output. Timing follows the recorded timestamps divided by
//! `--speed` (50 ms per event when there are none, 5 s at most); `--speed 0` replays as fast
//! as possible.
//!
//! A replay file is somebody else's capture: untrusted. Lines are framed with the engine's
//! limit (a longer one becomes a `malformed` event, the rest of it is skipped), bytes that
//! are not UTF-8 are replaced, and only regular files and pipes are read (a device such as
//! `/dev/zero` would never end).

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use super::Msg;
use crate::engine::CodexEvent;
use crate::engine::jsonl::{ExecParser, MAX_LINE};
use crate::session::LogEntry;

/// One recorded step: (timestamp in ms if known, prompt or event).
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Prompt(Option<u64>, String),
    Event(Option<u64>, CodexEvent),
}

/// Parses one line of any supported format. A capture is somebody else's file: every text in
/// it goes through the session's sanitiser, as a live event would.
pub fn parse_line(line: &str, raw: &mut ExecParser) -> Option<Step> {
    if line.trim().is_empty() {
        return None;
    }
    let step = if let Ok(entry) = serde_json::from_str::<LogEntry>(line) {
        match entry {
            LogEntry::Prompt { ts_ms, text } | LogEntry::Steer { ts_ms, text } => {
                Step::Prompt(Some(ts_ms), text)
            }
            LogEntry::Event { ts_ms, event } => Step::Event(Some(ts_ms), event),
            // A replay plays back what streamed; an undo happened beside the stream.
            LogEntry::Rewind { .. } => return None,
        }
    } else if let Ok(event) = serde_json::from_str::<CodexEvent>(line) {
        Step::Event(None, event)
    } else {
        Step::Event(None, raw.parse_str(line))
    };
    Some(match step {
        Step::Prompt(ts, text) => Step::Prompt(ts, crate::text::clean(&text)),
        Step::Event(ts, mut event) => {
            crate::session::sanitise(&mut event);
            Step::Event(ts, event)
        }
    })
}

pub use crate::session::store::read_line;

/// The pause before a step recorded `gap` after the previous one, at `speed`.
pub fn pause(gap: Duration, speed: f64) -> Duration {
    let max = Duration::from_secs(5);
    if speed <= 0.0 || !speed.is_finite() {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(gap.min(max).as_secs_f64() / speed).map_or(max, |d| d.min(max))
}

pub fn open_capture(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::metadata(path)?.file_type();
    if !(kind.is_file() || kind.is_fifo()) {
        return Err(std::io::Error::other(
            "not a regular file or a pipe; replay reads a recorded JSONL stream",
        ));
    }
    std::fs::File::open(path)
}

/// Reads the file on a blocking thread and sends its steps with the recorded pacing.
pub fn spawn(path: PathBuf, speed: f64, tx: mpsc::Sender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let file = match open_capture(&path) {
            Ok(f) => f,
            Err(e) => {
                let event = CodexEvent::EngineError {
                    kind: "replay".into(),
                    message: format!("cannot replay {}: {e}", path.display()),
                };
                let _ = tx.blocking_send(Msg::Replay {
                    prompt: None,
                    event: Some(event),
                });
                return;
            }
        };
        let mut raw = ExecParser::default();
        let mut last_ts: Option<u64> = None;
        let mut reader = std::io::BufReader::new(file);
        let mut buf = Vec::new();
        loop {
            let truncated = match read_line(&mut reader, &mut buf, MAX_LINE) {
                Ok(Some(t)) => t,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!("replay stopped: {e}");
                    break;
                }
            };
            let line = String::from_utf8_lossy(&buf);
            let step = if truncated {
                Some(Step::Event(
                    None,
                    CodexEvent::Malformed {
                        reason: format!("line longer than {MAX_LINE} bytes; skipped"),
                        line: line.chars().take(256).collect(),
                    },
                ))
            } else {
                parse_line(&line, &mut raw)
            };
            let Some(step) = step else {
                continue;
            };
            let ts = match &step {
                Step::Prompt(ts, _) | Step::Event(ts, _) => *ts,
            };
            let gap = match (last_ts, ts) {
                (Some(a), Some(b)) => Duration::from_millis(b.saturating_sub(a)),
                _ => Duration::from_millis(50),
            };
            let wait = pause(gap, speed);
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
            last_ts = ts.or(last_ts);
            let msg = match step {
                Step::Prompt(_, text) => Msg::Replay {
                    prompt: Some(text),
                    event: None,
                },
                Step::Event(_, event) => Msg::Replay {
                    prompt: None,
                    event: Some(event),
                },
            };
            if tx.blocking_send(msg).is_err() {
                break;
            }
        }
    });
}

//! `codexmcp replay FILE`: feed a recorded run into the TUI.
//!
//! Three formats are accepted, line by line, so any capture can be reviewed: a stored session
//! log (`{"entry": ...}` lines with timestamps), the normalized `codexmcp exec --json` output,
//! and raw `codex exec --json` output. Timing follows the recorded timestamps divided by
//! `--speed` (50 ms per event when there are none); `--speed 0` replays as fast as possible.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use super::Msg;
use crate::engine::CodexEvent;
use crate::engine::jsonl::ExecParser;
use crate::session::LogEntry;

/// One recorded step: (timestamp in ms if known, prompt or event).
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Prompt(Option<u64>, String),
    Event(Option<u64>, CodexEvent),
}

/// Parses one line of any supported format.
pub fn parse_line(line: &str, raw: &mut ExecParser) -> Option<Step> {
    if line.trim().is_empty() {
        return None;
    }
    if let Ok(entry) = serde_json::from_str::<LogEntry>(line) {
        return Some(match entry {
            LogEntry::Prompt { ts_ms, text } => Step::Prompt(Some(ts_ms), text),
            LogEntry::Event { ts_ms, event } => Step::Event(Some(ts_ms), event),
        });
    }
    if let Ok(event) = serde_json::from_str::<CodexEvent>(line) {
        return Some(Step::Event(None, event));
    }
    Some(Step::Event(None, raw.parse_str(line)))
}

/// Reads the file on a blocking thread and sends its steps with the recorded pacing.
pub fn spawn(path: PathBuf, speed: f64, tx: mpsc::Sender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                let event = CodexEvent::EngineError {
                    kind: "replay".into(),
                    message: format!("cannot read {}: {e}", path.display()),
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
        for line in std::io::BufReader::new(file).lines() {
            let Ok(line) = line else { break };
            let Some(step) = parse_line(&line, &mut raw) else {
                continue;
            };
            let ts = match &step {
                Step::Prompt(ts, _) | Step::Event(ts, _) => *ts,
            };
            if speed > 0.0 {
                let gap = match (last_ts, ts) {
                    (Some(a), Some(b)) => Duration::from_millis(b.saturating_sub(a).min(5_000)),
                    _ => Duration::from_millis(50),
                };
                std::thread::sleep(gap.div_f64(speed));
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

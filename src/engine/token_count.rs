//! Codex's own `token_count` record as meter events, for the backends that do not stream them.
//!
//! The app-server sends `thread/tokenUsage/updated` and `account/rateLimits/updated`; the
//! other two backends do not, yet Codex keeps the same numbers in a `token_count` record: the
//! last request's tokens, the model's context window and the account's rate-limit windows.
//! The old MCP server streams that record as an event. `codex exec --json` leaves it out (its
//! `turn.completed` usage is cumulative and names no window), but writes it to the thread's
//! rollout file under `$CODEX_HOME/sessions`, which [`from_rollout`] reads back after the turn.
//! Either way the front ends get the same `usage.updated` and `rate_limits.updated` events.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::event::{CodexEvent, RateWindow, Usage, count};

/// How much of a rollout's end is read: the record sits among the turn's last lines.
const TAIL_BYTES: u64 = 1024 * 1024;
/// How many dated folders are looked through for a thread's rollout, newest first.
const MAX_DAYS: usize = 400;

/// The meter events a `token_count` payload (`{info, rate_limits}`) carries; `total` is the
/// thread's usage so far as the caller knows it.
pub fn events(payload: &Value, total: Usage) -> Vec<CodexEvent> {
    let mut out = Vec::new();
    let info = &payload["info"];
    // Codex always names the window (null when unknown); a record without the key is not
    // Codex's (a per-turn summary) and does not move the context meter.
    if info["last_token_usage"].is_object() && info.get("model_context_window").is_some() {
        let last = &info["last_token_usage"];
        let sum = count(&last["input_tokens"]).saturating_add(count(&last["output_tokens"]));
        out.push(CodexEvent::UsageUpdated {
            total,
            context_tokens: count(&last["total_tokens"]).max(sum),
            context_window: info["model_context_window"].as_u64().filter(|w| *w > 0),
        });
    }
    let windows = RateWindow::both(
        &payload["rate_limits"],
        ["used_percent", "window_minutes", "resets_at"],
    );
    if !windows.is_empty() {
        out.push(CodexEvent::RateLimits { windows });
    }
    out
}

/// The other way, for `codexmcp mcp-server`: a meter event as the `token_count` message the
/// old server sent, which [`events`] reads back into the same event.
pub fn message(event: &CodexEvent) -> Option<Value> {
    match event {
        CodexEvent::UsageUpdated {
            total,
            context_tokens,
            context_window,
        } => Some(json!({"type": "token_count", "info": {
            "total_token_usage": {"input_tokens": total.input_tokens,
                "cached_input_tokens": total.cached_input_tokens,
                "output_tokens": total.output_tokens,
                "reasoning_output_tokens": total.reasoning_output_tokens,
                "total_tokens": total.total_tokens()},
            "last_token_usage": {"total_tokens": context_tokens},
            "model_context_window": context_window}, "rate_limits": null})),
        CodexEvent::RateLimits { windows } => {
            let mut limits = serde_json::Map::new();
            for w in windows {
                limits.insert(
                    w.name.clone(),
                    json!({"used_percent": w.used_percent, "window_minutes": w.window_minutes,
                           "resets_at": w.resets_at}),
                );
            }
            Some(json!({"type": "token_count", "info": null, "rate_limits": limits}))
        }
        _ => None,
    }
}

/// The meter events from the last `token_count` record of the thread's rollout, or none when
/// there is no rollout, no record, or no `CODEX_HOME`. Runs off the async workers.
pub async fn from_rollout(thread_id: String, total: Usage) -> Vec<CodexEvent> {
    let Some(home) = crate::config::codex_home() else {
        return Vec::new();
    };
    tokio::task::spawn_blocking(move || {
        let path = rollout_path(&home.join("sessions"), &thread_id)?;
        let record = last_record(&path)?;
        Some(events(&record, total))
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default()
}

/// `sessions/YYYY/MM/DD/rollout-…-<thread id>.jsonl`, looked for newest day first. The id is
/// only ever compared with file names, never joined into a path.
pub fn rollout_path(sessions: &Path, thread_id: &str) -> Option<PathBuf> {
    if thread_id.is_empty() {
        return None;
    }
    let suffix = format!("-{thread_id}.jsonl");
    let mut days = 0;
    for year in newest_first(sessions) {
        for month in newest_first(&year) {
            for day in newest_first(&month) {
                days += 1;
                if days > MAX_DAYS {
                    return None;
                }
                let found = std::fs::read_dir(&day).ok()?.flatten().find(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    name.starts_with("rollout-") && name.ends_with(&suffix)
                });
                if let Some(entry) = found {
                    return Some(entry.path());
                }
            }
        }
    }
    None
}

fn newest_first(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort_unstable_by(|a, b| b.cmp(a));
    dirs
}

/// The payload of the last `token_count` event in the file's last [`TAIL_BYTES`]; a line cut
/// by the tail's start, or torn by a writer, is skipped.
pub fn last_record(path: &Path) -> Option<Value> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::with_capacity((len - start) as usize);
    file.take(TAIL_BYTES).read_to_end(&mut tail).ok()?;
    let text = String::from_utf8_lossy(&tail);
    let mut lines = text.lines();
    if start > 0 {
        lines.next(); // begins mid-line
    }
    lines
        .rev()
        .filter(|l| l.contains("\"token_count\""))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["type"] == "event_msg" && v["payload"]["type"] == "token_count")
        .map(|mut v| v["payload"].take())
}

//! The tools that look after threads rather than run turns: `codex-sessions` (the stored
//! threads this server may continue), `codex-diff` (what one turn changed, from the
//! checkpoints), `codex-undo` (take the last turn back) and `codex-redo` (put it back). Each
//! sees only threads within the deployer's limits — the same gate as `codex-reply` — so
//! listing or undoing cannot reach a thread that continuing could not.

use rmcp::model::CallToolResult;
use serde_json::{Map, Value, json};

use super::CodexServer;
use super::tools::structured;
use crate::session::{Session, SessionRecord};
use crate::text::one_line;

pub(super) fn refused(text: &str) -> CallToolResult {
    structured(text, json!({"error": text}), true)
}

/// The `threadId` argument, checked to look like one.
pub(super) fn thread_arg(args: &Map<String, Value>) -> Result<String, String> {
    let id = args.get("threadId").and_then(Value::as_str).unwrap_or("");
    if !crate::engine::looks_like_thread_id(id) {
        return Err(format!(
            "{:?} is not a thread id (pass one codex, codex-reply or codex-sessions gave)",
            one_line(id, 80)
        ));
    }
    Ok(id.to_string())
}

impl CodexServer {
    /// `codex-sessions`: stored threads within the limits, newest first.
    pub(super) fn sessions(&self, args: &Map<String, Value>) -> CallToolResult {
        let Some(store) = &self.store else {
            return refused("this server has no session store (is HOME set?)");
        };
        let limit = args
            .get("limit")
            .and_then(Value::as_u64)
            .map_or(50, |n| n.clamp(1, 500)) as usize;
        let listed = match args.get("search").and_then(Value::as_str) {
            Some(text) => store.search(text),
            None => store.list().map(|l| l.sessions),
        };
        let records = match listed {
            Ok(r) => r,
            Err(e) => return refused(&format!("cannot read the session store: {e:#}")),
        };
        let visible: Vec<&SessionRecord> = records
            .iter()
            .filter(|r| self.config_for_reply(&r.id).is_ok())
            .take(limit)
            .collect();
        let rows: Vec<Value> = visible
            .iter()
            .map(|r| {
                let running = self.is_busy(&r.id) || store.lock(&r.id).is_err();
                json!({
                    "threadId": r.id, "title": r.title, "cwd": r.cwd, "turns": r.turns,
                    "lastActivityMs": r.updated_ms,
                    "status": if running { "running" } else { "idle" },
                })
            })
            .collect();
        let text = match visible.is_empty() {
            true => "no stored thread this server may continue".to_string(),
            false => visible
                .iter()
                .map(|r| format!("{}  {}  ({} turns)", r.id, one_line(&r.title, 80), r.turns))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        structured(&text, json!({"sessions": rows}), false)
    }

    /// `codex-diff`: one turn's diff, from the checkpoints.
    pub(super) async fn diff(&self, args: &Map<String, Value>) -> CallToolResult {
        let id = match thread_arg(args) {
            Ok(id) => id,
            Err(e) => return refused(&e),
        };
        if let Err(e) = self.config_for_reply(&id) {
            return refused(&e);
        }
        let turn = args.get("turn").and_then(Value::as_i64).unwrap_or(-1);
        let work = move || -> Result<Value, String> {
            let store =
                crate::session::checkpoint::Store::open_default().map_err(|e| format!("{e:#}"))?;
            let (n, total, diff) = store.numbered_turn(&id, turn)?;
            let stat = crate::present::diffstat(&diff.files).unwrap_or_default()
                + &crate::present::diff::ignored_summary(&diff.ignored).unwrap_or_default();
            Ok(json!({
                "threadId": id, "turn": n, "turns": total, "stat": stat,
                "diff": crate::text::clean(&diff.patch), "files": diff.files,
            }))
        };
        match tokio::task::spawn_blocking(work).await {
            Ok(Ok(v)) => {
                let text = format!(
                    "{}{}",
                    v["stat"].as_str().unwrap_or(""),
                    v["diff"].as_str().unwrap_or("")
                );
                structured(&text, v, false)
            }
            Ok(Err(e)) => refused(&e),
            Err(e) => refused(&format!("the diff failed: {e}")),
        }
    }

    /// `codex-undo` (`redo` false): the last turn back, files and conversation; `codex-redo`:
    /// what the last undo took, put back.
    pub(super) async fn rewind(&self, args: &Map<String, Value>, redo: bool) -> CallToolResult {
        let id = match thread_arg(args) {
            Ok(id) => id,
            Err(e) => return refused(&e),
        };
        let Some(_claim) = self.claim(&id) else {
            return refused(&format!(
                "thread {id} is busy with another call; retry when that call has finished"
            ));
        };
        let cfg = match self.config_for_reply(&id) {
            Ok(c) => c,
            Err(e) => return refused(&e),
        };
        let _call = self.inflight.enter();
        let undone = match Session::resume(cfg, self.store.clone(), &id) {
            Ok(mut s) if redo => s.redo(false).await,
            Ok(mut s) => s.undo(false).await,
            Err(e) => Err(e.to_string()),
        };
        super::say_unsaved();
        match undone {
            Ok(done) => {
                let report = done.report();
                let mut v = done.event();
                if let Some(o) = v.as_object_mut() {
                    o.remove("type");
                    o.remove("thread_id");
                    o.insert("threadId".into(), json!(id));
                    o.insert("report".into(), json!(report));
                }
                structured(&report, v, false)
            }
            Err(e) => refused(&e),
        }
    }
}

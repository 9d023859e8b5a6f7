//! The thread verbs as tools, so any agent can do what a person does in the TUI:
//! `codex-fork` (a new thread with a stored thread's turns up to one of them) and
//! `codex-review` (Codex's review mode on the uncommitted changes, a branch, a commit, or
//! exactly what one turn of a stored thread changed). Both pass the same policy gate as the
//! turn tools: a fork only of a thread `codex-reply` could continue, a review only in a
//! working dir `codex` could work in (a turn's review runs in its thread's folder).

use rmcp::model::CallToolResult;
use serde_json::{Map, Value, json};

use super::CodexServer;
use super::admin::{refused, thread_arg};
use super::tools::structured;
use crate::engine::review::{self, Target};
use crate::session::Session;
use crate::text::one_line;

/// A turn number argument: 1 the first, -1 the last; 0 and non-integers are refused.
fn turn_arg(args: &Map<String, Value>) -> Result<Option<i64>, String> {
    match args.get("turn") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if n != 0 => Ok(Some(n)),
            _ => Err("`turn` is a turn number: 1 the first, -1 the last".into()),
        },
    }
}

impl CodexServer {
    /// `codex-fork`.
    pub(super) async fn fork(&self, args: &Map<String, Value>) -> CallToolResult {
        let (id, turn) = match thread_arg(args).and_then(|id| Ok((id, turn_arg(args)?))) {
            Ok(x) => x,
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
        let made = match Session::resume(cfg, self.store.clone(), &id) {
            Ok(s) => s.fork(turn, None).await,
            Err(e) => Err(e.to_string()),
        };
        super::say_unsaved();
        match made {
            Ok(made) => {
                let f = made.forked;
                let new_id = one_line(&f.thread_id, 80);
                let text = format!(
                    "thread {new_id}: a fork of {id} at turn {} of {}; continue it with codex-reply",
                    f.at_turn, f.of
                );
                let value = json!({"threadId": new_id, "fromThreadId": id,
                    "atTurn": f.at_turn, "turns": f.of});
                structured(&text, value, false)
            }
            Err(e) => refused(&e),
        }
    }

    /// `codex-review`.
    pub(super) async fn review(&self, args: &Map<String, Value>) -> CallToolResult {
        let text = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
        let picked = [
            args.contains_key("threadId"),
            args.contains_key("base"),
            args.contains_key("commit"),
        ];
        if picked.iter().filter(|&&p| p).count() > 1 {
            return refused("review one thing: `threadId`, `base` or `commit`");
        }
        let asked = match (args.contains_key("threadId"), text("base"), text("commit")) {
            (true, _, _) => self.turn_target(args).await,
            (false, Some(b), _) => self.config_for(args).map(|c| (c, Target::Base(b))),
            (false, None, Some(sha)) => self.config_for(args).map(|c| (c, Target::Commit(sha))),
            (false, None, None) => self.config_for(args).map(|c| (c, Target::Uncommitted)),
        };
        let (cfg, target) = match asked {
            Ok(x) => x,
            Err(e) => return refused(&e),
        };
        let _call = self.inflight.enter();
        match review::review(&cfg, None, &target, Default::default()).await {
            Ok(r) => {
                let lines: Vec<String> = r
                    .findings
                    .iter()
                    .map(|f| format!("- {}{}", one_line(&f.title, 200), f.place()))
                    .collect();
                let text = match lines.is_empty() {
                    true => format!(
                        "no findings. {}",
                        one_line(r.text.as_deref().unwrap_or_default(), 2000)
                    ),
                    false => lines.join("\n"),
                };
                let value = json!({"reviewThreadId": r.thread_id, "findings": r.findings,
                    "text": r.text});
                structured(&text, value, false)
            }
            Err(e) => refused(&e.to_string()),
        }
    }

    /// A stored thread's turn as the thing to review, in that thread's folder.
    async fn turn_target(
        &self,
        args: &Map<String, Value>,
    ) -> Result<(crate::engine::EngineConfig, Target), String> {
        let id = thread_arg(args)?;
        let turn = turn_arg(args)?.unwrap_or(-1);
        let cfg = self.config_for_reply(&id)?;
        let session =
            Session::resume(cfg.clone(), self.store.clone(), &id).map_err(|e| e.to_string())?;
        let (target, _) = session.turn_review(turn).await?;
        Ok((cfg, target))
    }
}

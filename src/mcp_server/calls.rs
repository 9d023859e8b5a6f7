//! One `codex` or `codex-reply` call: a session turn whose events go out as `codex/event`
//! notifications (and progress, when asked for), whose approval requests become MCP
//! elicitations when the client can answer them, and whose result carries Codex's answer, the
//! turn's usage and what it changed in the working dir.
//!
//! Approvals: with approval policy `never` Codex asks nothing. Otherwise a client that
//! declared the elicitation capability is asked each question (accept / decline / cancel maps
//! to Codex's decision); one that did not has every request declined, and the result says how
//! many, so the agent on the other side knows why a command did not run.

use rmcp::model::{
    CallToolResult, CustomNotification, ElicitRequestParams, ElicitationAction, ElicitationSchema,
    ProgressNotificationParam, ServerNotification,
};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::json;

use super::CodexServer;
use super::tools::{result, structured};
use crate::engine::mcp_events as events;
use crate::engine::{
    ApprovalDecision, ApprovalMode, CodexEvent, EngineConfig, ItemKind, TurnStatus, Usage,
};
use crate::session::Session;

impl CodexServer {
    pub(super) async fn run_turn(
        &self,
        mut cfg: EngineConfig,
        prompt: String,
        resume: Option<String>,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        let _call = self.inflight.enter();
        let cwd = cfg.cwd.display().to_string();
        let asks = can_elicit(ctx);
        cfg.approvals = if asks {
            ApprovalMode::Ask
        } else {
            ApprovalMode::Decline
        };
        let session = match &resume {
            Some(id) => Session::resume(cfg, self.store.clone(), id),
            None => Ok(Session::new(cfg, self.store.clone())),
        };
        let mut session = match session {
            Ok(s) => s.labelled("mcp-server").stop_on(self.stop.clone()),
            Err(e) => return result(resume.as_deref().unwrap_or(""), &e.to_string(), true),
        };
        let answers = session.answers();
        // The client's cancellation and our own shutdown both interrupt the turn; the events
        // that follow (`turn_aborted`) still reach the client.
        let cancel = self.stop.child_token();
        let client_cancel = ctx.ct.clone();
        let relay = {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                client_cancel.cancelled().await;
                tracing::info!("mcp-server: call cancelled by the client; interrupting");
                cancel.cancel();
            })
        };
        let mut turn = match session.run(&prompt, cancel).await {
            Ok(t) => t,
            Err(e) => {
                relay.abort();
                return result(resume.as_deref().unwrap_or(""), &e.to_string(), true);
            }
        };
        super::say_unsaved();
        let progress = ctx.meta.get_progress_token();
        let mut last_message: Option<String> = None;
        let mut usage: Option<Usage> = None;
        let mut declined = 0usize;
        let mut step = 0.0;
        while let Some(ev) = turn.next().await {
            match &ev {
                CodexEvent::ItemCompleted { item } => {
                    if let ItemKind::AgentMessage { text } = &item.kind {
                        last_message = Some(text.clone());
                    }
                }
                CodexEvent::TurnCompleted { usage: u, .. } => usage = Some(*u),
                CodexEvent::ApprovalRequested {
                    request_id,
                    command,
                    reason,
                    diff,
                    ..
                } if asks => {
                    let question =
                        approval_question(command.as_deref(), reason.as_deref(), diff.as_deref());
                    let (peer, answers, id) =
                        (ctx.peer.clone(), answers.clone(), request_id.clone());
                    tokio::spawn(async move {
                        let decision = ask(&peer, question).await;
                        tracing::info!(%id, %decision, "approval answered by the MCP client");
                        answers.answer(&id, decision);
                    });
                }
                CodexEvent::ApprovalResolved { decision, by, .. }
                    if by == "policy" && *decision == ApprovalDecision::Decline =>
                {
                    declined += 1;
                }
                _ => {}
            }
            let thread = turn.thread_id().unwrap_or_default().to_string();
            for msg in events::to_msgs(&ev, &cwd, last_message.as_deref()) {
                let params = json!({"_meta": {"requestId": ctx.id, "threadId": thread}, "id": "", "msg": msg});
                let note = ServerNotification::CustomNotification(CustomNotification::new(
                    "codex/event",
                    Some(params),
                ));
                // Once the client is gone nobody reads these, and rmcp would wait forever.
                if self.gone.is_cancelled() {
                    continue;
                }
                tokio::select! {
                    _ = ctx.peer.send_notification(note) => {}
                    _ = self.gone.cancelled() => continue,
                }
                if let Some(token) = &progress {
                    step += 1.0;
                    let mut note = ProgressNotificationParam::new(token.clone(), step);
                    if let Some(kind) = msg["type"].as_str() {
                        note = note.with_message(kind);
                    }
                    tokio::select! {
                        _ = ctx.peer.notify_progress(note) => {}
                        _ = self.gone.cancelled() => {}
                    }
                }
            }
        }
        let outcome = turn.finish().await;
        relay.abort();
        let changed = session.take_changes().await;
        super::say_unsaved();
        let thread = outcome.thread_id.clone().or(resume).unwrap_or_default();
        let (mut text, error) = match &outcome.status {
            TurnStatus::Completed => (outcome.last_message.clone().unwrap_or_default(), false),
            TurnStatus::Interrupted => ("the turn was interrupted".to_string(), true),
            TurnStatus::Failed(e) => (e.to_string(), true),
        };
        if declined > 0 {
            text.push_str(&format!(
                "\n\n(codexmcp: {declined} approval request{} declined: this MCP client declares no elicitation capability, so nobody could answer; use approval-policy `never`, or a client that supports elicitation)",
                if declined == 1 { " was" } else { "s were" }
            ));
        }
        let mut value = json!({"threadId": thread, "content": text});
        if let Some(u) = usage {
            value["usage"] = json!({
                "input_tokens": u.input_tokens, "cached_input_tokens": u.cached_input_tokens,
                "output_tokens": u.output_tokens, "reasoning_output_tokens": u.reasoning_output_tokens,
            });
        }
        if let Some(diff) = changed {
            value["changedFiles"] = serde_json::to_value(&diff.files).unwrap_or_default();
        }
        structured(&text, value, error)
    }
}

/// Whether the client said it can answer questions (the elicitation capability).
fn can_elicit(ctx: &RequestContext<RoleServer>) -> bool {
    ctx.peer
        .peer_info()
        .is_some_and(|info| info.capabilities.elicitation.is_some())
}

/// The question an approval request puts to the client's user.
fn approval_question(command: Option<&str>, reason: Option<&str>, diff: Option<&str>) -> String {
    let mut q = match command {
        Some(c) => format!("Codex wants to run: {}", crate::text::literal(c)),
        None => "Codex wants to change files".to_string(),
    };
    if let Some(r) = reason {
        q.push_str(&format!("\nbecause: {}", crate::text::one_line(r, 500)));
    }
    if let Some(d) = diff {
        q.push_str(&format!("\n\n{}", crate::text::clean(d)));
    }
    q.push_str(
        "\n\nAccept to allow it, decline to refuse it (the turn goes on), cancel to stop the turn.",
    );
    q
}

/// Asks the client; its answer as Codex's decision (a failure or no answer declines).
async fn ask(peer: &rmcp::Peer<RoleServer>, question: String) -> ApprovalDecision {
    let params = ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: question,
        requested_schema: ElicitationSchema::new(Default::default()),
    };
    match peer.create_elicitation(params).await {
        Ok(r) => match r.action {
            ElicitationAction::Accept => ApprovalDecision::Accept,
            ElicitationAction::Decline => ApprovalDecision::Decline,
            ElicitationAction::Cancel => ApprovalDecision::Cancel,
            _ => ApprovalDecision::Decline,
        },
        Err(e) => {
            tracing::warn!("elicitation failed ({e}); declining");
            ApprovalDecision::Decline
        }
    }
}

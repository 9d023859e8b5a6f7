//! The agent's tools: `codex` and `codex_reply`, mirroring Codex's own MCP tools.
//!
//! The model chooses *what* Codex should do; the app decides *how*: approval policy, working
//! dir and sandbox come from codexmcp's configuration, and arguments that try to change them
//! are dropped (and logged). A Codex failure becomes an error result the model can react to,
//! never a crash of the loop. `$skill` mentions pass through verbatim.

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::AgentMsg;
use super::wire::ToolSpec;
use crate::engine::{CodexEvent, TurnStatus, Usage};
use crate::session::Session;

pub const CODEX: &str = "codex";
pub const CODEX_REPLY: &str = "codex_reply";

/// Arguments the model may send but the app owns.
const APP_OWNED: &[&str] = &[
    "sandbox",
    "cwd",
    "approval-policy",
    "approval_policy",
    "approvalPolicy",
    "config",
    "model",
    "base-instructions",
    "developer-instructions",
];

pub fn specs() -> Vec<ToolSpec> {
    vec![
        ToolSpec {
            name: CODEX,
            description: "Start a new Codex session: Codex, a coding agent, carries out the prompt in the \
                          project's working directory (it can write files and run commands). Returns the \
                          Codex thread id and Codex's final message.",
            parameters: json!({"type": "object", "properties": {
                "prompt": {"type": "string", "description": "The task for Codex, in full."}},
                "required": ["prompt"], "additionalProperties": false}),
        },
        ToolSpec {
            name: CODEX_REPLY,
            description: "Continue an existing Codex session with a follow-up prompt (Codex keeps its \
                          context: files it wrote, what it was asked). Use the threadId a previous codex \
                          or codex_reply call returned.",
            parameters: json!({"type": "object", "properties": {
                "threadId": {"type": "string", "description": "The Codex thread id to continue."},
                "prompt": {"type": "string", "description": "The follow-up for Codex."}},
                "required": ["threadId", "prompt"], "additionalProperties": false}),
        },
    ]
}

/// The result of one tool call, as given back to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub ok: bool,
    pub thread_id: Option<String>,
    /// JSON text for the model.
    pub text: String,
}

/// Runs Codex turns for the agent on the conversation's session, and adds up their usage.
#[derive(Debug, Default)]
pub struct CodexTools {
    /// Codex usage accumulated over this agent's calls (per-turn figures summed).
    pub usage: Usage,
}

impl CodexTools {
    pub async fn call(
        &mut self,
        session: &mut Session,
        name: &str,
        arguments: &str,
        tx: &mpsc::Sender<AgentMsg>,
        cancel: &CancellationToken,
    ) -> ToolOutput {
        let args: Value = serde_json::from_str(arguments).unwrap_or(Value::Null);
        let error = |msg: String| ToolOutput {
            ok: false,
            thread_id: None,
            text: json!({"error": msg}).to_string(),
        };
        if let Some(map) = args.as_object() {
            for key in map.keys().filter(|k| APP_OWNED.contains(&k.as_str())) {
                tracing::warn!(tool = name, key, value = %map[key], "ignoring an argument the app decides");
            }
        }
        let Some(prompt) = args["prompt"].as_str().filter(|p| !p.trim().is_empty()) else {
            return error(format!("{name}: `prompt` is required"));
        };
        match name {
            CODEX => session.reset(),
            CODEX_REPLY => {
                let Some(id) = args["threadId"]
                    .as_str()
                    .or(args["conversationId"].as_str())
                else {
                    return error("codex_reply: `threadId` is required".into());
                };
                if session.thread_id() != Some(id)
                    && let Err(e) = session.switch_to(id)
                {
                    return error(e.to_string());
                }
            }
            other => return error(format!("unknown tool {other}; use codex or codex_reply")),
        }
        self.run(session, prompt, tx, cancel).await
    }

    async fn run(
        &mut self,
        session: &mut Session,
        prompt: &str,
        tx: &mpsc::Sender<AgentMsg>,
        cancel: &CancellationToken,
    ) -> ToolOutput {
        let mut turn = match session.run(prompt, cancel.child_token()).await {
            Ok(t) => t,
            Err(e) => {
                return ToolOutput {
                    ok: false,
                    thread_id: session.thread_id().map(str::to_string),
                    text: json!({"error": e.to_string()}).to_string(),
                };
            }
        };
        while let Some(ev) = turn.next().await {
            if let CodexEvent::TurnCompleted { usage, .. } = &ev {
                self.usage.add(usage);
            }
            let _ = tx.send(AgentMsg::Codex(ev)).await;
        }
        let outcome = turn.finish().await;
        let thread_id = outcome.thread_id.clone();
        match outcome.status {
            TurnStatus::Completed => {
                let content = outcome.last_message.unwrap_or_default();
                ToolOutput {
                    ok: true,
                    thread_id: thread_id.clone(),
                    text: json!({"threadId": thread_id, "content": content}).to_string(),
                }
            }
            TurnStatus::Interrupted => ToolOutput {
                ok: false,
                thread_id: thread_id.clone(),
                text:
                    json!({"threadId": thread_id, "error": "the user interrupted this Codex turn"})
                        .to_string(),
            },
            TurnStatus::Failed(e) => ToolOutput {
                ok: false,
                thread_id: thread_id.clone(),
                text: json!({"threadId": thread_id, "error": format!("Codex turn failed: {e}")})
                    .to_string(),
            },
        }
    }
}

//! `codex/event` notifications: the dialect of the old `codex mcp-server` (reference §2).
//!
//! The server turns each [`CodexEvent`] into the message types a client of Codex 0.153's
//! server understands (`session_configured`, `task_started`, `agent_message`,
//! `exec_command_begin`/`end`, `patch_apply_begin`/`end`, `token_count`, `task_complete`,
//! `error`, ...). The client backend reads the same messages — from `codexmcp mcp-server` or
//! from a real `codex mcp-server` — back into `CodexEvent`s. Both directions live here so they
//! cannot drift apart.

use serde_json::{Value, json};

use crate::engine::event::{FileChange, ItemKind, Status};
use crate::engine::{CodexEvent, Item, Usage};

/// The `msg` objects for one event (some events need two, some none).
pub fn to_msgs(event: &CodexEvent, cwd: &str, last_message: Option<&str>) -> Vec<Value> {
    let usage = |u: &Usage| {
        json!({"input_tokens": u.input_tokens, "cached_input_tokens": u.cached_input_tokens,
               "output_tokens": u.output_tokens, "reasoning_output_tokens": u.reasoning_output_tokens,
               "total_tokens": u.total_tokens()})
    };
    match event {
        CodexEvent::ThreadStarted { thread_id } => vec![json!({"type": "session_configured",
            "session_id": thread_id, "thread_id": thread_id, "cwd": cwd})],
        CodexEvent::TurnStarted => vec![json!({"type": "task_started"})],
        CodexEvent::ItemStarted { item } => match &item.kind {
            ItemKind::CommandExecution { command, .. } => {
                vec![json!({"type": "exec_command_begin",
                "call_id": item.id, "command": ["/bin/sh", "-c", command], "cwd": cwd})]
            }
            ItemKind::FileChange { changes, .. } => vec![json!({"type": "patch_apply_begin",
                "call_id": item.id, "auto_approved": true, "changes": changes_map(changes)})],
            _ => vec![],
        },
        CodexEvent::ItemUpdated { .. } | CodexEvent::ThreadCompacted { .. } => vec![],
        CodexEvent::PlanUpdated { steps } => {
            let plan: Vec<Value> = steps
                .iter()
                .map(|s| json!({"step": s.text, "status": s.status}))
                .collect();
            vec![json!({"type": "plan_update", "plan": plan})]
        }
        CodexEvent::ItemCompleted { item } => match &item.kind {
            ItemKind::AgentMessage { text } => {
                vec![json!({"type": "agent_message", "message": text})]
            }
            ItemKind::Reasoning { text } => vec![json!({"type": "agent_reasoning", "text": text})],
            ItemKind::CommandExecution {
                command,
                aggregated_output,
                exit_code,
                ..
            } => vec![json!({"type": "exec_command_end",
                "call_id": item.id, "command": ["/bin/sh", "-c", command], "aggregated_output": aggregated_output,
                "stdout": aggregated_output, "stderr": "", "exit_code": exit_code.unwrap_or(-1)})],
            ItemKind::FileChange { changes, status } => vec![json!({"type": "patch_apply_end",
                "call_id": item.id, "success": *status == Status::Completed, "changes": changes_map(changes)})],
            ItemKind::McpToolCall {
                server,
                tool,
                arguments,
                result,
                ..
            } => vec![json!({"type": "mcp_tool_call_end",
                "call_id": item.id, "invocation": {"server": server, "tool": tool, "arguments": arguments}, "result": result})],
            ItemKind::WebSearch { query, .. } => {
                vec![json!({"type": "web_search_end", "call_id": item.id, "query": query})]
            }
            ItemKind::TodoList { items } => {
                vec![json!({"type": "plan_update", "plan": items.iter()
                .map(|t| json!({"step": t.text, "status": if t.completed { "completed" } else { "pending" }})).collect::<Vec<_>>()})]
            }
            ItemKind::Error { message } => vec![json!({"type": "warning", "message": message})],
            ItemKind::Other { .. } => vec![],
        },
        CodexEvent::TurnCompleted { usage: last, total } => vec![
            json!({"type": "token_count", "info": {"total_token_usage": usage(total), "last_token_usage": usage(last)}}),
            json!({"type": "task_complete", "last_agent_message": last_message}),
        ],
        CodexEvent::TurnFailed { message } | CodexEvent::EngineError { message, .. } => {
            vec![json!({"type": "error", "message": message})]
        }
        CodexEvent::TurnInterrupted { .. } => {
            vec![json!({"type": "turn_aborted", "reason": "interrupted"})]
        }
        CodexEvent::Error { message } => vec![json!({"type": "stream_error", "message": message})],
        CodexEvent::UsageUpdated { .. } | CodexEvent::RateLimits { .. } => {
            super::token_count::message(event).into_iter().collect()
        }
        CodexEvent::TurnDiffUpdated { diff } => {
            vec![json!({"type": "turn_diff", "unified_diff": diff})]
        }
        CodexEvent::ItemDelta {
            item_id,
            stream,
            delta,
        } => match stream.as_str() {
            "agent_message" => vec![
                json!({"type": "agent_message_content_delta", "item_id": item_id, "delta": delta}),
            ],
            "reasoning" => {
                vec![json!({"type": "reasoning_content_delta", "item_id": item_id, "delta": delta})]
            }
            _ => vec![],
        },
        CodexEvent::ApprovalRequested { .. } | CodexEvent::ApprovalResolved { .. } => vec![],
        CodexEvent::Unknown { .. } | CodexEvent::Malformed { .. } => vec![],
    }
}

fn changes_map(changes: &[FileChange]) -> Value {
    Value::Object(
        changes
            .iter()
            .map(|c| {
                let mut v = json!({"type": c.kind});
                // The old server's shape: a unified diff for updates, the content otherwise.
                if let Some(d) = &c.diff {
                    let key = if c.kind == "update" {
                        "unified_diff"
                    } else {
                        "content"
                    };
                    v[key] = json!(d);
                }
                (c.path.clone(), v)
            })
            .collect(),
    )
}

/// Reads `codex/event` messages back into events. Keeps what the messages only imply:
/// open commands (to pair begin/end), the thread's usage, a counter for synthetic ids.
#[derive(Debug, Default)]
pub struct Decoder {
    next_id: u64,
    commands: std::collections::HashMap<String, String>,
    prior_total: Usage,
    total: Option<Usage>,
    last: Option<Usage>,
    pub thread_id: Option<String>,
    pub completed: bool,
    pub failed: Option<String>,
    pub aborted: bool,
}

impl Decoder {
    pub fn new(prior_total: Usage) -> Self {
        Self {
            prior_total,
            ..Self::default()
        }
    }

    /// The thread's cumulative usage as last reported (`token_count`).
    pub fn total_usage(&self) -> Option<Usage> {
        self.total
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("mcp_{}", self.next_id)
    }

    pub fn decode(&mut self, msg: &Value) -> Vec<CodexEvent> {
        let s = |k: &str| msg[k].as_str().unwrap_or_default().to_string();
        let item = |id: String, kind: ItemKind| Item { id, kind };
        match msg["type"].as_str().unwrap_or("") {
            "session_configured" => {
                let id = msg["thread_id"]
                    .as_str()
                    .or(msg["session_id"].as_str())
                    .unwrap_or_default()
                    .to_string();
                self.thread_id = Some(id.clone());
                vec![CodexEvent::ThreadStarted { thread_id: id }]
            }
            "task_started" => vec![CodexEvent::TurnStarted],
            "turn_diff" => vec![CodexEvent::TurnDiffUpdated {
                diff: s("unified_diff"),
            }],
            "agent_message" => {
                let id = self.id();
                vec![CodexEvent::ItemCompleted {
                    item: item(id, ItemKind::AgentMessage { text: s("message") }),
                }]
            }
            "agent_reasoning" => {
                let id = self.id();
                vec![CodexEvent::ItemCompleted {
                    item: item(id, ItemKind::Reasoning { text: s("text") }),
                }]
            }
            "exec_command_begin" => {
                let command = command_text(&msg["command"]);
                self.commands.insert(s("call_id"), command.clone());
                let kind = ItemKind::CommandExecution {
                    command,
                    aggregated_output: String::new(),
                    exit_code: None,
                    status: Status::InProgress,
                };
                vec![CodexEvent::ItemStarted {
                    item: item(s("call_id"), kind),
                }]
            }
            "exec_command_end" => {
                let call = s("call_id");
                let command = self
                    .commands
                    .remove(&call)
                    .unwrap_or_else(|| command_text(&msg["command"]));
                let exit = msg["exit_code"].as_i64();
                let output = msg["aggregated_output"]
                    .as_str()
                    .or(msg["formatted_output"].as_str())
                    .unwrap_or_default()
                    .to_string();
                let status = if exit == Some(0) {
                    Status::Completed
                } else {
                    Status::Failed
                };
                let kind = ItemKind::CommandExecution {
                    command,
                    aggregated_output: output,
                    exit_code: exit,
                    status,
                };
                vec![CodexEvent::ItemCompleted {
                    item: item(call, kind),
                }]
            }
            "patch_apply_begin" => {
                let kind = ItemKind::FileChange {
                    changes: changes_of(&msg["changes"]),
                    status: Status::InProgress,
                };
                vec![CodexEvent::ItemStarted {
                    item: item(s("call_id"), kind),
                }]
            }
            "patch_apply_end" => {
                let status = if msg["success"].as_bool().unwrap_or(false) {
                    Status::Completed
                } else {
                    Status::Failed
                };
                let kind = ItemKind::FileChange {
                    changes: changes_of(&msg["changes"]),
                    status,
                };
                vec![CodexEvent::ItemCompleted {
                    item: item(s("call_id"), kind),
                }]
            }
            "token_count" => {
                let parse = |v: &Value| serde_json::from_value::<Usage>(v.clone()).ok();
                self.total = parse(&msg["info"]["total_token_usage"]).or(self.total);
                self.last = parse(&msg["info"]["last_token_usage"]).or(self.last);
                super::token_count::events(msg, self.total.unwrap_or_default())
            }
            "task_complete" => {
                self.completed = true;
                let total = self.total.unwrap_or_default();
                let usage = if self.total.is_some() {
                    total.since(&self.prior_total)
                } else {
                    self.last.unwrap_or_default()
                };
                vec![CodexEvent::TurnCompleted { usage, total }]
            }
            "warning" => {
                let id = self.id();
                vec![CodexEvent::ItemCompleted {
                    item: item(
                        id,
                        ItemKind::Error {
                            message: s("message"),
                        },
                    ),
                }]
            }
            "stream_error" => vec![CodexEvent::Error {
                message: s("message"),
            }],
            "error" => {
                self.failed = Some(s("message"));
                vec![CodexEvent::Error {
                    message: s("message"),
                }]
            }
            "turn_aborted" => {
                self.aborted = true;
                vec![CodexEvent::TurnInterrupted {
                    reason: format!("aborted: {}", s("reason")),
                }]
            }
            _ => vec![],
        }
    }
}

/// `["bash", "-lc", "echo hi"]` → `echo hi`; other argv joined with spaces.
fn command_text(v: &Value) -> String {
    match v {
        Value::Array(parts) => {
            let parts: Vec<&str> = parts.iter().filter_map(Value::as_str).collect();
            match parts.as_slice() {
                [sh, flag, script]
                    if sh.ends_with("sh") && flag.starts_with('-') && flag.ends_with('c') =>
                {
                    script.to_string()
                }
                _ => parts.join(" "),
            }
        }
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn changes_of(v: &Value) -> Vec<FileChange> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(path, c)| {
                    let kind = c["type"]
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| c.as_object().and_then(|o| o.keys().next().cloned()));
                    let diff = c["unified_diff"].as_str().or(c["content"].as_str());
                    FileChange {
                        path: path.clone(),
                        kind: kind.unwrap_or_else(|| "update".into()),
                        diff: diff.map(str::to_string),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

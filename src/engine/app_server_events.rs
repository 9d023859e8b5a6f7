//! Reading `codex app-server` notifications (reference §3.4) into `CodexEvent`s.
//!
//! The app-server speaks camelCase v2 items (`agentMessage`, `commandExecution`,
//! `fileChange`...) and streams deltas; this decoder maps them onto the same events the exec
//! backend produces, plus `ItemDelta` for the text that exec never streams. Unknown item types
//! and notifications degrade to `Other` items or nothing, never to an error.

use serde_json::Value;

use super::event::{
    CodexEvent, DeltaStream, FileChange, Item, ItemKind, PlanStep, RateWindow, Status, Usage,
};

/// A plan longer than this is cut (a plan comes from the model: its size is not ours).
const MAX_PLAN_STEPS: usize = 200;

#[derive(Debug, Default)]
pub struct Decoder {
    prior_total: Usage,
    total: Option<Usage>,
    /// The last `error` notification's message (a failed turn's reason).
    pub last_error: Option<String>,
    /// The turn ended (completed, interrupted or failed).
    pub finished: bool,
    /// Why the turn failed, when it did.
    pub failed: Option<String>,
    warnings: u64,
    pub interrupted: bool,
}

fn status(s: &Value) -> Status {
    match s.as_str().unwrap_or("") {
        "inProgress" => Status::InProgress,
        "completed" => Status::Completed,
        "failed" => Status::Failed,
        "declined" => Status::Declined,
        _ => Status::Unknown,
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The thread's usage from `thread/tokenUsage/updated` (`total` or `last`).
fn usage(v: &Value) -> Option<Usage> {
    let n = |k: &str| super::event::count(&v[k]);
    v.is_object().then(|| Usage {
        input_tokens: n("inputTokens"),
        cached_input_tokens: n("cachedInputTokens"),
        cache_write_input_tokens: n("cacheWriteInputTokens"),
        output_tokens: n("outputTokens"),
        reasoning_output_tokens: n("reasoningOutputTokens"),
    })
}

/// The steps of a plan written as Markdown: its list items (`- x`, `* x`, `1. x`), pending.
fn plan_steps(text: &str) -> Vec<PlanStep> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix("- ")
                .or_else(|| l.strip_prefix("* "))
                .or_else(|| {
                    let digits = l.len() - l.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                    (digits > 0)
                        .then(|| l[digits..].strip_prefix(". "))
                        .flatten()
                })?;
            Some(PlanStep {
                text: rest.trim().to_string(),
                status: "pending".into(),
            })
        })
        .filter(|s| !s.text.is_empty())
        .take(MAX_PLAN_STEPS)
        .collect()
}

/// One v2 `ThreadItem` as an `Item` (`None` for the user's own message).
pub fn item(v: &Value) -> Option<Item> {
    let id = text(&v["id"]);
    let kind = match v["type"].as_str().unwrap_or("") {
        "userMessage" => return None,
        // Plan mode's proposed plan (experimental): the answer of a planning turn.
        "agentMessage" | "plan" => ItemKind::AgentMessage {
            text: text(&v["text"]),
        },
        "reasoning" => {
            let parts: Vec<&str> = v["summary"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            ItemKind::Reasoning {
                text: parts.join("\n"),
            }
        }
        "commandExecution" => ItemKind::CommandExecution {
            command: text(&v["command"]),
            aggregated_output: text(&v["aggregatedOutput"]),
            exit_code: v["exitCode"].as_i64(),
            status: status(&v["status"]),
        },
        "fileChange" => ItemKind::FileChange {
            changes: v["changes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| FileChange {
                    path: text(&c["path"]),
                    kind: c["kind"]["type"]
                        .as_str()
                        .or(c["kind"].as_str())
                        .unwrap_or("update")
                        .to_string(),
                    diff: c["diff"].as_str().map(str::to_string),
                })
                .collect(),
            status: status(&v["status"]),
        },
        "mcpToolCall" => ItemKind::McpToolCall {
            server: text(&v["server"]),
            tool: text(&v["tool"]),
            arguments: v["arguments"].clone(),
            result: Some(v["result"].clone()).filter(|r| !r.is_null()),
            error: v["error"]["message"]
                .as_str()
                .or(v["error"].as_str())
                .map(str::to_string),
            status: status(&v["status"]),
        },
        "webSearch" => ItemKind::WebSearch {
            search_id: None,
            query: text(&v["query"]),
            action: v["action"].clone(),
        },
        other => ItemKind::Other {
            item_type: other.to_string(),
            raw: v.clone(),
        },
    };
    Some(Item { id, kind })
}

impl Decoder {
    pub fn new(prior_total: Usage) -> Self {
        Self {
            prior_total,
            ..Self::default()
        }
    }

    pub fn total(&self) -> Usage {
        self.total.unwrap_or(self.prior_total)
    }

    pub fn decode(&mut self, method: &str, p: &Value) -> Vec<CodexEvent> {
        let delta = |stream: DeltaStream| CodexEvent::ItemDelta {
            item_id: text(&p["itemId"]),
            stream,
            delta: text(&p["delta"]),
        };
        match method {
            "turn/started" => vec![CodexEvent::TurnStarted],
            "item/started" => item(&p["item"])
                .map(|item| vec![CodexEvent::ItemStarted { item }])
                .unwrap_or_default(),
            "item/completed" => {
                let mut out: Vec<CodexEvent> = item(&p["item"])
                    .map(|item| CodexEvent::ItemCompleted { item })
                    .into_iter()
                    .collect();
                // A proposed plan is text; its list items are the plan's steps.
                if p["item"]["type"] == "plan" {
                    let steps = plan_steps(&text(&p["item"]["text"]));
                    if !steps.is_empty() {
                        out.push(CodexEvent::PlanUpdated { steps });
                    }
                }
                out
            }
            "item/agentMessage/delta" => vec![delta(DeltaStream::AgentMessage)],
            "item/reasoning/summaryTextDelta" | "item/reasoning/textDelta" => {
                vec![delta(DeltaStream::Reasoning)]
            }
            "item/commandExecution/outputDelta" => vec![delta(DeltaStream::CommandOutput)],
            "turn/plan/updated" => vec![CodexEvent::PlanUpdated {
                steps: p["plan"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .take(MAX_PLAN_STEPS)
                    .map(|s| PlanStep {
                        text: text(&s["step"]),
                        status: match s["status"].as_str() {
                            Some("completed") => "completed",
                            Some("inProgress") => "in_progress",
                            _ => "pending",
                        }
                        .to_string(),
                    })
                    .collect(),
            }],
            "thread/compacted" => vec![CodexEvent::ThreadCompacted {
                thread_id: text(&p["threadId"]),
            }],
            "turn/diff/updated" => vec![CodexEvent::TurnDiffUpdated {
                diff: text(&p["diff"]),
            }],
            "thread/tokenUsage/updated" => {
                let t = &p["tokenUsage"];
                self.total = usage(&t["total"]).or(self.total);
                let last = usage(&t["last"]).unwrap_or_default();
                vec![CodexEvent::UsageUpdated {
                    total: self.total(),
                    context_tokens: super::event::count(&t["last"]["totalTokens"])
                        .max(last.input_tokens.saturating_add(last.output_tokens)),
                    context_window: t["modelContextWindow"].as_u64().filter(|w| *w > 0),
                }]
            }
            "account/rateLimits/updated" => {
                let windows = RateWindow::both(
                    &p["rateLimits"],
                    ["usedPercent", "windowDurationMins", "resetsAt"],
                );
                if windows.is_empty() {
                    vec![]
                } else {
                    vec![CodexEvent::RateLimits { windows }]
                }
            }
            "warning" => {
                self.warnings += 1;
                let item = Item {
                    id: format!("warning-{}", self.warnings),
                    kind: ItemKind::Error {
                        message: text(&p["message"]),
                    },
                };
                vec![CodexEvent::ItemCompleted { item }]
            }
            "error" => {
                let message = p["error"]["message"]
                    .as_str()
                    .unwrap_or("error")
                    .to_string();
                self.last_error = Some(message.clone());
                vec![CodexEvent::Error { message }]
            }
            "turn/completed" => {
                self.finished = true;
                let turn = &p["turn"];
                match turn["status"].as_str().unwrap_or("") {
                    "interrupted" => {
                        self.interrupted = true;
                        vec![CodexEvent::TurnInterrupted {
                            reason: "interrupted by the user".into(),
                        }]
                    }
                    "failed" => {
                        let message = turn["error"]["message"]
                            .as_str()
                            .map(str::to_string)
                            .or(self.last_error.clone())
                            .unwrap_or_else(|| "the turn failed".into());
                        self.failed = Some(message.clone());
                        vec![CodexEvent::TurnFailed { message }]
                    }
                    _ => {
                        let total = self.total();
                        vec![CodexEvent::TurnCompleted {
                            usage: total.since(&self.prior_total),
                            total,
                        }]
                    }
                }
            }
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_plan_tool_and_a_proposed_plan_become_plan_updated() {
        let mut d = Decoder::new(Usage::default());
        let tool = json!({"threadId": "t", "turnId": "u", "plan": [
            {"step": "Sketch", "status": "completed"},
            {"step": "Loop", "status": "inProgress"},
            {"step": "Ship", "status": "pending"},
        ]});
        let decoded = d.decode("turn/plan/updated", &tool);
        let [CodexEvent::PlanUpdated { steps }] = decoded.as_slice() else {
            panic!("one plan.updated")
        };
        let got: Vec<(&str, &str)> = steps
            .iter()
            .map(|s| (s.text.as_str(), s.status.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Sketch", "completed"),
                ("Loop", "in_progress"),
                ("Ship", "pending")
            ]
        );
        let item = json!({"item": {"type": "plan", "id": "p1",
            "text": "# Plan\n1. Board\n- Loop\nnot a step\n"}});
        let events = d.decode("item/completed", &item);
        assert!(matches!(&events[0], CodexEvent::ItemCompleted { item }
            if matches!(&item.kind, ItemKind::AgentMessage { text } if text.contains("1. Board"))));
        let CodexEvent::PlanUpdated { steps } = &events[1] else {
            panic!("{events:?}")
        };
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1].text, "Loop");
    }
}

//! The two wire formats the agent speaks: the Responses API (default) and Chat Completions.
//!
//! The conversation is kept in one neutral form ([`Entry`]) and rendered into either request
//! shape. Streams are read through async-openai's bring-your-own-type calls as
//! `serde_json::Value`, then folded by hand: "OpenAI-compatible" servers often omit fields the
//! typed structs require, and a missing `created` must not break a run.

use serde_json::{Value, json};

/// One conversation entry, API-neutral.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    User {
        text: String,
    },
    Assistant {
        text: String,
    },
    Call {
        call_id: String,
        name: String,
        arguments: String,
    },
    Output {
        call_id: String,
        output: String,
    },
}

/// A tool the model may call.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
}

/// What one model request produced.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub calls: Vec<(String, String, String)>, // (call_id, name, arguments)
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
}

pub fn responses_request(
    model: &str,
    instructions: &str,
    history: &[Entry],
    tools: &[ToolSpec],
) -> Value {
    let input: Vec<Value> = history
        .iter()
        .map(|e| match e {
            Entry::User { text } => json!({"role": "user", "content": text}),
            Entry::Assistant { text } => json!({"role": "assistant", "content": text}),
            Entry::Call { call_id, name, arguments } => {
                json!({"type": "function_call", "call_id": call_id, "name": name, "arguments": arguments})
            }
            Entry::Output { call_id, output } => json!({"type": "function_call_output", "call_id": call_id, "output": output}),
        })
        .collect();
    let tools: Vec<Value> = tools
        .iter()
        .map(|t| json!({"type": "function", "name": t.name, "description": t.description, "parameters": t.parameters}))
        .collect();
    json!({"model": model, "instructions": instructions, "input": input, "tools": tools, "stream": true, "store": false})
}

pub fn chat_request(
    model: &str,
    instructions: &str,
    history: &[Entry],
    tools: &[ToolSpec],
) -> Value {
    let mut messages = vec![json!({"role": "system", "content": instructions})];
    for e in history {
        match e {
            Entry::User { text } => messages.push(json!({"role": "user", "content": text})),
            Entry::Assistant { text } => {
                messages.push(json!({"role": "assistant", "content": text}))
            }
            Entry::Call {
                call_id,
                name,
                arguments,
            } => {
                let call = json!({"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}});
                // Consecutive calls belong to one assistant message.
                match messages.last_mut() {
                    Some(m) if m["role"] == "assistant" && m.get("tool_calls").is_some() => {
                        if let Some(calls) = m["tool_calls"].as_array_mut() {
                            calls.push(call);
                        }
                    }
                    _ => messages
                        .push(json!({"role": "assistant", "content": null, "tool_calls": [call]})),
                }
            }
            Entry::Output { call_id, output } => {
                messages.push(json!({"role": "tool", "tool_call_id": call_id, "content": output}))
            }
        }
    }
    let tools: Vec<Value> = tools
        .iter()
        .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
        .collect();
    json!({"model": model, "messages": messages, "tools": tools, "stream": true, "stream_options": {"include_usage": true}})
}

/// Folds Responses API stream events. Returns a text delta to show, if any.
pub fn fold_responses(reply: &mut Reply, event: &Value) -> Result<Option<String>, String> {
    match event["type"].as_str().unwrap_or("") {
        "response.output_text.delta" => {
            let d = event["delta"].as_str().unwrap_or("").to_string();
            reply.text.push_str(&d);
            return Ok(Some(d));
        }
        "response.output_item.done" => {
            let item = &event["item"];
            match item["type"].as_str() {
                Some("function_call") => reply.calls.push((
                    item["call_id"].as_str().unwrap_or_default().to_string(),
                    item["name"].as_str().unwrap_or_default().to_string(),
                    item["arguments"].as_str().unwrap_or("{}").to_string(),
                )),
                Some("message") if reply.text.is_empty() => {
                    // A server that sends no deltas: take the whole text, show it at once.
                    let text: String = item["content"]
                        .as_array()
                        .map(|parts| parts.iter().filter_map(|p| p["text"].as_str()).collect())
                        .unwrap_or_default();
                    reply.text.push_str(&text);
                    return Ok((!text.is_empty()).then_some(text));
                }
                _ => {}
            }
        }
        "response.completed" | "response.incomplete" => {
            let u = &event["response"]["usage"];
            reply.input_tokens = u["input_tokens"].as_u64().unwrap_or(0);
            reply.cached_tokens = u["input_tokens_details"]["cached_tokens"]
                .as_u64()
                .unwrap_or(0);
            reply.output_tokens = u["output_tokens"].as_u64().unwrap_or(0);
        }
        "response.failed" => {
            return Err(event["response"]["error"]["message"]
                .as_str()
                .unwrap_or("the response failed")
                .to_string());
        }
        "error" => {
            return Err(event["message"]
                .as_str()
                .unwrap_or("stream error")
                .to_string());
        }
        _ => {}
    }
    Ok(None)
}

/// Most tool calls one reply may carry (a model's `index` sizes a buffer: bounded).
pub const MAX_TOOL_CALLS: usize = 64;
/// Most bytes of one tool call's name plus arguments.
pub const MAX_CALL_BYTES: usize = 1 << 20;

/// Folds Chat Completions stream chunks (tool call fragments are joined by index). A chunk
/// that would exceed the bounds above is an error, not an allocation.
pub fn fold_chat(
    reply: &mut Reply,
    pending: &mut Vec<(String, String, String)>,
    chunk: &Value,
) -> Result<Option<String>, String> {
    if let Some(u) = chunk.get("usage").filter(|u| !u.is_null()) {
        reply.input_tokens = u["prompt_tokens"].as_u64().unwrap_or(0);
        reply.cached_tokens = u["prompt_tokens_details"]["cached_tokens"]
            .as_u64()
            .unwrap_or(0);
        reply.output_tokens = u["completion_tokens"].as_u64().unwrap_or(0);
    }
    let delta = &chunk["choices"][0]["delta"];
    for call in delta["tool_calls"].as_array().into_iter().flatten() {
        let index = call["index"].as_u64().unwrap_or(0);
        if index >= MAX_TOOL_CALLS as u64 {
            return Err(format!(
                "the model sent tool call number {index}; at most {MAX_TOOL_CALLS} are taken per reply"
            ));
        }
        let index = index as usize;
        while pending.len() <= index {
            pending.push(Default::default());
        }
        let slot = &mut pending[index];
        if let Some(id) = call["id"].as_str() {
            slot.0 = id.chars().take(256).collect();
        }
        let name = call["function"]["name"].as_str().unwrap_or("");
        let args = call["function"]["arguments"].as_str().unwrap_or("");
        if slot.1.len() + slot.2.len() + name.len() + args.len() > MAX_CALL_BYTES {
            return Err(format!(
                "the model's tool call {index} is larger than {MAX_CALL_BYTES} bytes"
            ));
        }
        slot.1.push_str(name);
        slot.2.push_str(args);
    }
    let Some(text) = delta["content"].as_str().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    reply.text.push_str(text);
    Ok(Some(text.to_string()))
}

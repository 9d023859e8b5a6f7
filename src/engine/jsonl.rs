//! Framing and parsing of `codex exec --json` output.
//!
//! Codex's stdout is untrusted input: a line may be garbage, torn by a crash, not UTF-8, or
//! tens of megabytes long. [`LineReader`] bounds every line (an oversized one is cut and
//! flagged, the rest of it skipped), and [`ExecParser`] turns each line into exactly one
//! [`CodexEvent`], never an error or a panic. Unknown event and item types survive as
//! `Unknown` / `Other` so a newer Codex degrades gracefully instead of breaking the stream.

use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::event::{CodexEvent, FileChange, Item, ItemKind, Status, Todo, Usage};

/// Longest line kept whole. Larger lines are truncated and reported as malformed.
pub const MAX_LINE: usize = 8 * 1024 * 1024;
/// How much of a bad line is echoed back in a `Malformed` event.
const ECHO: usize = 256;

/// One framed line: its bytes, and whether the original was longer than the limit.
#[derive(Debug, Default)]
pub struct Line {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

/// Reads `\n`-terminated lines of at most `max` bytes from an async reader.
pub struct LineReader<R> {
    inner: R,
    max: usize,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(inner: R) -> Self {
        Self::with_limit(inner, MAX_LINE)
    }

    pub fn with_limit(inner: R, max: usize) -> Self {
        Self { inner, max }
    }

    /// The next line, without its terminator; `None` at end of stream.
    pub async fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        let mut line = Line::default();
        let mut saw_any = false;
        loop {
            let buf = self.inner.fill_buf().await?;
            if buf.is_empty() {
                return Ok(saw_any.then_some(line));
            }
            saw_any = true;
            let (chunk, found) = match memchr(buf) {
                Some(i) => (&buf[..i], Some(i)),
                None => (buf, None),
            };
            let room = self.max.saturating_sub(line.bytes.len());
            if chunk.len() > room {
                line.truncated = true;
            }
            line.bytes
                .extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = found.map_or(buf.len(), |i| i + 1);
            self.inner.consume(used);
            if found.is_some() {
                if line.bytes.last() == Some(&b'\r') {
                    line.bytes.pop();
                }
                return Ok(Some(line));
            }
        }
    }
}

fn memchr(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n')
}

/// Turns exec JSONL lines into events, tracking the thread's cumulative usage so that
/// `turn.completed` can report this turn's share.
#[derive(Debug, Default)]
pub struct ExecParser {
    prior_total: Usage,
}

/// The top-level shape of an exec event. Only the fields codexmcp uses are named.
#[derive(Deserialize)]
struct RawEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    thread_id: Option<String>,
    #[serde(default)]
    item: Option<Entries>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
}

impl ExecParser {
    /// A parser that knows the thread's cumulative usage before this run (for resumes).
    pub fn with_prior_total(prior_total: Usage) -> Self {
        Self { prior_total }
    }

    /// The thread's cumulative usage as of the last `turn.completed`.
    pub fn total(&self) -> Usage {
        self.prior_total
    }

    pub fn parse_line(&mut self, line: &Line) -> CodexEvent {
        let text = String::from_utf8_lossy(&line.bytes);
        if line.truncated {
            return CodexEvent::Malformed {
                reason: format!("line longer than {} bytes; truncated", MAX_LINE),
                line: echo(&text),
            };
        }
        self.parse_str(&text)
    }

    pub fn parse_str(&mut self, text: &str) -> CodexEvent {
        let raw: RawEvent = match serde_json::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                return CodexEvent::Malformed {
                    reason: format!("not a Codex event: {e}"),
                    line: echo(text),
                };
            }
        };
        match raw.kind.as_str() {
            "thread.started" => match raw.thread_id {
                Some(thread_id) => CodexEvent::ThreadStarted { thread_id },
                None => malformed("thread.started without thread_id", text),
            },
            "turn.started" => CodexEvent::TurnStarted,
            "item.started" | "item.updated" | "item.completed" => {
                let Some(entries) = raw.item else {
                    return malformed("item event without item", text);
                };
                let item = entries.into_item();
                match raw.kind.as_str() {
                    "item.started" => CodexEvent::ItemStarted { item },
                    "item.updated" => CodexEvent::ItemUpdated { item },
                    _ => CodexEvent::ItemCompleted { item },
                }
            }
            "turn.completed" => {
                let total = raw.usage.unwrap_or_default();
                let usage = total.since(&self.prior_total);
                self.prior_total = total;
                CodexEvent::TurnCompleted { usage, total }
            }
            "turn.failed" => CodexEvent::TurnFailed {
                message: message_of(raw.error.as_ref()).unwrap_or_else(|| "turn failed".into()),
            },
            "error" => CodexEvent::Error {
                message: message_of(raw.message.as_ref()).unwrap_or_else(|| "error".into()),
            },
            other => CodexEvent::Unknown {
                event_type: other.to_string(),
                raw: serde_json::from_str(text).unwrap_or(Value::Null),
            },
        }
    }
}

fn malformed(reason: &str, text: &str) -> CodexEvent {
    CodexEvent::Malformed {
        reason: reason.into(),
        line: echo(text),
    }
}

/// The first bytes of a line, cut at a character boundary.
fn echo(text: &str) -> String {
    if text.len() <= ECHO {
        return text.to_string();
    }
    let mut end = ECHO;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// `{"message": "..."}`, a bare string, or anything else rendered as JSON.
fn message_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => match map.get("message") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => Some(Value::Object(map.clone()).to_string()),
        },
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// An item object as an ordered list of entries, keeping duplicate keys: `web_search`
/// items carry `id` twice (the item id, then the provider's id).
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an item object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Entries {
    fn first(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn str(&self, key: &str) -> String {
        match self.first(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    fn status(&self) -> Status {
        Status::parse(&self.str("status"))
    }

    fn into_item(self) -> Item {
        let id = self.str("id");
        let item_type = self.str("type");
        let kind = match item_type.as_str() {
            "agent_message" => ItemKind::AgentMessage {
                text: self.str("text"),
            },
            "reasoning" => ItemKind::Reasoning {
                text: self.str("text"),
            },
            "command_execution" => ItemKind::CommandExecution {
                command: self.str("command"),
                aggregated_output: self.str("aggregated_output"),
                exit_code: self.first("exit_code").and_then(Value::as_i64),
                status: self.status(),
            },
            "file_change" => ItemKind::FileChange {
                changes: self
                    .first("changes")
                    .and_then(|v| serde_json::from_value::<Vec<FileChange>>(v.clone()).ok())
                    .unwrap_or_default(),
                status: self.status(),
            },
            "mcp_tool_call" => ItemKind::McpToolCall {
                server: self.str("server"),
                tool: self.str("tool"),
                arguments: self.first("arguments").cloned().unwrap_or(Value::Null),
                result: self.first("result").filter(|v| !v.is_null()).cloned(),
                error: message_of(self.first("error")),
                status: self.status(),
            },
            "web_search" => ItemKind::WebSearch {
                search_id: self
                    .0
                    .iter()
                    .filter(|(k, _)| k == "id")
                    .nth(1)
                    .and_then(|(_, v)| v.as_str().map(str::to_string)),
                query: self.str("query"),
                action: self.first("action").cloned().unwrap_or(Value::Null),
            },
            "todo_list" => ItemKind::TodoList {
                items: self
                    .first("items")
                    .and_then(|v| serde_json::from_value::<Vec<Todo>>(v.clone()).ok())
                    .unwrap_or_default(),
            },
            "error" => ItemKind::Error {
                message: self.str("message"),
            },
            _ => ItemKind::Other {
                item_type,
                raw: Value::Object(self.0.into_iter().collect()),
            },
        };
        Item { id, kind }
    }
}

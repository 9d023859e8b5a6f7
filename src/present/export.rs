//! A stored thread as a document: readable Markdown, or the normalized JSON.
//!
//! A thread is worth keeping outside the tool — to paste into a review, attach to an issue,
//! read on a phone. The Markdown reads like the session did: each prompt, then what Codex did
//! (reasoning, each command with its exit code and its output folded in `<details>`, file
//! changes, tool calls) and what it answered, with the usage and an estimated cost at the top.
//! Everything in it comes from the session log, so it is sanitised like everything shown: a
//! transcript printed to a terminal is as safe as the TUI.

use serde_json::json;

use crate::agent::cost::{PriceTable, dollars};
use crate::cli::ExportFormat;
use crate::engine::event::ItemKind;
use crate::engine::{CodexEvent, Item};
use crate::session::{LogEntry, SessionRecord, Store};
use crate::text::{clean, one_line};

/// The document for stored thread `id`, or why there is none.
pub fn document(
    store: &Store,
    id: &str,
    format: ExportFormat,
    prices: &PriceTable,
) -> Result<String, String> {
    let record = store.record(id)?;
    let log = store.read_log(id).map_err(|e| format!("{e:#}"))?;
    Ok(match format {
        ExportFormat::Json => json(&record, &log.entries),
        ExportFormat::Md => markdown(&record, &log.entries, prices),
    })
}

/// The normalized JSON: the thread's record and every log entry, as stored.
pub fn json(record: &SessionRecord, entries: &[LogEntry]) -> String {
    let doc = json!({"thread": record, "log": entries});
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// The Markdown transcript.
pub fn markdown(record: &SessionRecord, entries: &[LogEntry], prices: &PriceTable) -> String {
    let mut out = header(record, prices);
    let mut in_turn = false;
    for entry in entries {
        match entry {
            LogEntry::Prompt { text, .. } => {
                out.push_str(&format!("\n## You\n\n{}\n", clean(text.trim())));
                in_turn = false;
            }
            LogEntry::Event { event, .. } => {
                let Some(block) = event_block(event) else {
                    continue;
                };
                if !in_turn {
                    out.push_str("\n## Codex\n\n");
                    in_turn = true;
                }
                out.push_str(&block);
            }
        }
    }
    out
}

fn header(record: &SessionRecord, prices: &PriceTable) -> String {
    let u = &record.usage;
    let model = record.policy.as_ref().and_then(|p| p.model.clone());
    let cost = model
        .as_deref()
        .map_or("no model recorded".to_string(), |m| {
            match prices.estimate(m, u.input_tokens, u.cached_input_tokens, u.output_tokens) {
                Some(d) => dollars(Some(d)),
                None => format!("no price known for {}", one_line(m, 60)),
            }
        });
    let mut rows = vec![
        ("thread", format!("`{}`", one_line(&record.id, 80))),
        ("started", when(record.created_ms)),
        ("last turn", when(record.updated_ms)),
        ("turns", record.turns.to_string()),
        ("working dir", format!("`{}`", one_line(&record.cwd, 300))),
        ("backend", one_line(&record.backend, 40)),
    ];
    if let Some(p) = &record.policy {
        rows.push(("sandbox", p.sandbox.to_string()));
        rows.push((
            "model",
            one_line(p.model.as_deref().unwrap_or("Codex's default"), 80),
        ));
    }
    rows.push((
        "tokens",
        format!(
            "{} input ({} cached), {} output",
            u.input_tokens, u.cached_input_tokens, u.output_tokens
        ),
    ));
    rows.push(("estimated cost", cost));
    let mut out = format!("# {}\n\n| | |\n|---|---|\n", one_line(&record.title, 200));
    for (k, v) in rows {
        out.push_str(&format!("| {k} | {} |\n", v.replace('|', "\\|")));
    }
    out
}

/// A stored timestamp as a UTC date and time.
fn when(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(
            || "unknown".into(),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
}

/// One event as Markdown; `None` for what a transcript leaves out (starts, deltas, updates —
/// the completed item carries the final state).
fn event_block(event: &CodexEvent) -> Option<String> {
    match event {
        CodexEvent::ItemCompleted { item } => item_block(item),
        CodexEvent::TurnCompleted { usage, .. } => Some(format!(
            "*Turn done: {} input, {} output tokens.*\n\n",
            usage.input_tokens, usage.output_tokens
        )),
        CodexEvent::TurnFailed { message } => Some(format!(
            "**The turn failed:** {}\n\n",
            one_line(message, 500)
        )),
        CodexEvent::TurnInterrupted { reason } => {
            Some(format!("**Interrupted:** {}\n\n", one_line(reason, 200)))
        }
        CodexEvent::EngineError { message, .. } => {
            Some(format!("**Error:** {}\n\n", one_line(message, 500)))
        }
        _ => None,
    }
}

fn item_block(item: &Item) -> Option<String> {
    Some(match &item.kind {
        ItemKind::AgentMessage { text } => format!("{}\n\n", clean(text.trim())),
        ItemKind::Reasoning { text } => {
            let quoted: Vec<String> = clean(text.trim())
                .lines()
                .map(|l| format!("> {l}"))
                .collect();
            format!("{}\n\n", quoted.join("\n"))
        }
        ItemKind::CommandExecution {
            command,
            aggregated_output,
            exit_code,
            ..
        } => {
            let exit = exit_code.map_or("no exit code".to_string(), |c| format!("exit {c}"));
            let mut s = format!("- {} — {exit}\n", code_span(&one_line(command, 2000)));
            let output = clean(aggregated_output.trim_end());
            if !output.is_empty() {
                let n = output.lines().count();
                let plural = if n == 1 { "" } else { "s" };
                s.push_str(&format!(
                    "\n  <details><summary>output, {n} line{plural}</summary>\n\n{}\n  </details>\n",
                    fenced(&output)
                ));
            }
            s.push('\n');
            s
        }
        ItemKind::FileChange { changes, .. } => {
            let lines: Vec<String> = changes
                .iter()
                .map(|c| {
                    format!(
                        "- {} {}",
                        one_line(&c.kind, 20),
                        code_span(&one_line(&c.path, 300))
                    )
                })
                .collect();
            format!("{}\n\n", lines.join("\n"))
        }
        ItemKind::McpToolCall {
            server,
            tool,
            error,
            ..
        } => {
            let name = format!("{}.{}", one_line(server, 60), one_line(tool, 60));
            match error {
                Some(e) => format!(
                    "- tool {} failed: {}\n\n",
                    code_span(&name),
                    one_line(e, 300)
                ),
                None => format!("- tool {}\n\n", code_span(&name)),
            }
        }
        ItemKind::WebSearch { query, .. } => {
            format!("- searched the web: {}\n\n", one_line(query, 300))
        }
        ItemKind::TodoList { items } => {
            let lines: Vec<String> = items
                .iter()
                .map(|t| {
                    format!(
                        "- [{}] {}",
                        if t.completed { "x" } else { " " },
                        one_line(&t.text, 300)
                    )
                })
                .collect();
            format!("{}\n\n", lines.join("\n"))
        }
        ItemKind::Error { message } => format!("> ⚠ {}\n\n", one_line(message, 500)),
        ItemKind::Other { .. } => return None,
    })
}

/// Inline code that holds any text: a backtick run longer than any inside it.
fn code_span(text: &str) -> String {
    let ticks = "`".repeat(longest_run(text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// A fenced block that holds any text, indented to sit inside a list item.
fn fenced(text: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    let body: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
    format!("  {fence}\n{}\n  {fence}", body.join("\n"))
}

fn longest_run(text: &str, c: char) -> usize {
    text.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

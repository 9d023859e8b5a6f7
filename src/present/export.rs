//! A stored thread as a document: readable Markdown, or the normalized JSON.
//!
//! A thread is worth keeping outside the tool — to paste into a review, attach to an issue,
//! read on a phone. The Markdown reads like the session did: each prompt, then what Codex did
//! (reasoning, each command with its exit code and its output folded in `<details>`, file
//! changes, tool calls) and what it answered, with the usage and an estimated cost at the top.
//! Everything in it comes from the session log, so it is sanitised like everything shown: a
//! transcript printed to a terminal is as safe as the TUI. And it is escaped for Markdown
//! (DESIGN §8, rule 7): a renderer must show what the model wrote, not obey it — raw HTML
//! (`<!--` would hide everything up to the next `-->`, the command that really ran included),
//! and a fence left open would swallow the rest of the document. Model text keeps its
//! Markdown, with `<` and `&` escaped outside code and every fence it opens closed; one-line
//! texts are escaped whole. The JSON export is the log as stored, exact.

use serde_json::json;

use crate::agent::cost::{PriceTable, dollars};
use crate::cli::ExportFormat;
use crate::engine::event::ItemKind;
use crate::engine::{CodexEvent, Item};
use crate::session::{LogEntry, SessionRecord, Store, transcript};
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
                out.push_str(&format!("\n## You\n\n{}\n", block(&clean(text.trim()))));
                in_turn = false;
            }
            LogEntry::Steer { text, .. } => {
                out.push_str(&format!(
                    "\n## You, while Codex worked\n\n{}\n",
                    block(&clean(text.trim()))
                ));
                in_turn = false;
            }
            LogEntry::Rewind { redo, turn, .. } => {
                out.push_str(&format!("\n> {}\n", transcript::mark_text(*redo, *turn)));
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
                None => format!("no price known for {}", inline(&one_line(m, 60))),
            }
        });
    let mut rows = vec![
        ("thread", format!("`{}`", one_line(&record.id, 80))),
        ("started", when(record.created_ms)),
        ("last turn", when(record.updated_ms)),
        ("turns", record.turns.to_string()),
        ("working dir", format!("`{}`", one_line(&record.cwd, 300))),
        ("backend", inline(&one_line(&record.backend, 40))),
    ];
    if let Some(p) = &record.policy {
        rows.push(("sandbox", p.sandbox.to_string()));
        rows.push((
            "model",
            inline(&one_line(
                p.model.as_deref().unwrap_or("Codex's default"),
                80,
            )),
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
    let mut out = format!(
        "# {}\n\n| | |\n|---|---|\n",
        inline(&one_line(&record.title, 200))
    );
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
            inline(&one_line(message, 500))
        )),
        CodexEvent::TurnInterrupted { reason } => Some(format!(
            "**Interrupted:** {}\n\n",
            inline(&one_line(reason, 200))
        )),
        CodexEvent::EngineError { message, .. } => Some(format!(
            "**Error:** {}\n\n",
            inline(&one_line(message, 500))
        )),
        _ => None,
    }
}

fn item_block(item: &Item) -> Option<String> {
    Some(match &item.kind {
        ItemKind::AgentMessage { text } => format!("{}\n\n", block(&clean(text.trim()))),
        ItemKind::Reasoning { text } => {
            let quoted: Vec<String> = block(&clean(text.trim()))
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
                    inline(&one_line(e, 300))
                ),
                None => format!("- tool {}\n\n", code_span(&name)),
            }
        }
        ItemKind::WebSearch { query, .. } => {
            format!("- searched the web: {}\n\n", inline(&one_line(query, 300)))
        }
        ItemKind::TodoList { items } => {
            let lines: Vec<String> = items
                .iter()
                .map(|t| {
                    format!(
                        "- [{}] {}",
                        if t.completed { "x" } else { " " },
                        inline(&one_line(&t.text, 300))
                    )
                })
                .collect();
            format!("{}\n\n", lines.join("\n"))
        }
        ItemKind::Error { message } => format!("> ⚠ {}\n\n", inline(&one_line(message, 500))),
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

/// One line of text from outside, for any place in a Markdown line: its Markdown stays, but
/// nothing in it can start HTML or an entity (`<`, `&` escaped outside code spans). Mid-line,
/// it cannot open a fence.
pub fn inline(text: &str) -> String {
    outside_code(text)
}

/// Text a model wrote as Markdown, kept as Markdown but unable to leave its place: `<` and
/// `&` are escaped outside code (no raw HTML, no comment that hides what follows), and a
/// fence it leaves open is closed at its end (no swallowing the rest of the document).
pub fn block(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut open: Option<(char, usize)> = None;
    for line in text.lines() {
        match (open, fence(line)) {
            (None, Some((c, n, info))) if c == '~' || !info.contains('`') => {
                open = Some((c, n));
                out.push_str(line);
            }
            (Some((c, n)), Some((d, m, info))) if c == d && m >= n && info.trim().is_empty() => {
                open = None;
                out.push_str(line);
            }
            (Some(_), _) => out.push_str(line),
            (None, _) => out.push_str(&outside_code(line)),
        }
        out.push('\n');
    }
    if let Some((c, n)) = open {
        out.push_str(&c.to_string().repeat(n));
        out.push('\n');
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// A fence line: its character, how many, and the rest (the info string).
fn fence(line: &str) -> Option<(char, usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let c = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = rest.len() - rest.trim_start_matches(c).len();
    (indent <= 3 && n >= 3).then(|| (c, n, &rest[n..]))
}

/// One line outside a fenced block: `<` and `&` escaped, except inside code spans (which
/// show them literally anyway).
fn outside_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find(['<', '&', '`']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(tail) = rest.strip_prefix('<') {
            out.push_str("&lt;");
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix('&') {
            out.push_str("&amp;");
            rest = tail;
        } else {
            // A run of n backticks opens a code span if the same run closes it on this line.
            let n = rest.len() - rest.trim_start_matches('`').len();
            let after = &rest[n..];
            let close = find_run(after, n).map_or(n, |j| n + j + n);
            out.push_str(&rest[..close]);
            rest = &rest[close..];
        }
    }
    out.push_str(rest);
    out
}

/// Where a run of exactly `n` backticks starts in `text`.
fn find_run(text: &str, n: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let len = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            if len == n {
                return Some(i);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

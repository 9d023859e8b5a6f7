//! Codex's review mode (app-server `review/start`): the model reviews a change — the working
//! tree's uncommitted changes, a branch against its base, one commit, or whatever the
//! instructions hand it (codexmcp hands it one turn's checkpoint diff) — and answers with
//! findings. Codex runs the review as a turn of a thread (an existing one, or a new one in the
//! working dir); the model's answer is JSON (`findings: [{title, body, priority,
//! code_location: {absolute_file_path, line_range}}]`), which Codex turns into text for the
//! `exitedReviewMode` item. Both are kept: the findings as data, the text as said.

use std::time::Duration;

use serde_json::{Value, json};

use super::app_server_events::Decoder;
use super::threads::{load, on_server, run_turn};
use super::{CodexEvent, EngineConfig, EngineError, Usage};

/// At most this many findings are kept (the model's output is not ours to size).
const MAX_FINDINGS: usize = 200;
const TIMEOUT: Duration = Duration::from_secs(1800);

/// What to review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Uncommitted,
    Base(String),
    Commit(String),
    /// Free-form instructions (with the change in them).
    Custom(String),
}

impl Target {
    fn json(&self) -> Value {
        match self {
            Self::Uncommitted => json!({"type": "uncommittedChanges"}),
            Self::Base(b) => json!({"type": "baseBranch", "branch": b}),
            Self::Commit(sha) => json!({"type": "commit", "sha": sha}),
            Self::Custom(text) => json!({"type": "custom", "instructions": text}),
        }
    }
}

/// One thing the review found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub title: String,
    pub body: String,
    pub file: Option<String>,
    pub line: Option<u64>,
    /// 0 (most urgent) … 3, when the model gave one.
    pub priority: Option<u64>,
}

impl Finding {
    /// ` — FILE:LINE` (or ` — FILE`), as the front ends show where a finding is.
    pub fn place(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => format!(" — {file}:{line}"),
            (Some(file), None) => format!(" — {file}"),
            _ => String::new(),
        }
    }
}

/// A review that ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Reviewed {
    /// The thread it ran on.
    pub thread_id: String,
    pub findings: Vec<Finding>,
    /// Codex's text of the review (its `exitedReviewMode` item), when it gave one.
    pub text: Option<String>,
    /// What the review turn reported on the way.
    pub events: Vec<CodexEvent>,
}

/// Runs a review of `target` on `thread` (a new thread in the working dir when `None`).
pub async fn review(
    cfg: &EngineConfig,
    thread: Option<&str>,
    target: &Target,
    prior: Usage,
) -> Result<Reviewed, EngineError> {
    let fail = |e: String| EngineError::Thread(format!("start a thread to review on: {e}"));
    on_server(cfg, async |server| {
        let thread_id = match thread {
            Some(t) => {
                load(server, t).await?;
                t.to_string()
            }
            None => {
                let made = server
                    .request("thread/start", super::app_turn::thread_params(cfg))
                    .await
                    .map_err(fail)?;
                made["thread"]["id"]
                    .as_str()
                    .filter(|id| super::looks_like_thread_id(id))
                    .ok_or_else(|| fail("no thread id in Codex's answer".into()))?
                    .to_string()
            }
        };
        let mut out = Reviewed {
            thread_id: thread_id.clone(),
            findings: Vec::new(),
            text: None,
            events: Vec::new(),
        };
        let mut decoder = Decoder::new(prior);
        let params = json!({"threadId": thread_id, "target": target.json()});
        run_turn(
            server,
            &thread_id,
            ("review/start", "review the change"),
            params,
            TIMEOUT,
            |method, params| {
                let item = &params["item"];
                if method == "item/completed" {
                    match item["type"].as_str() {
                        Some("exitedReviewMode") => {
                            out.text = item["review"].as_str().map(str::to_string);
                        }
                        Some("agentMessage") => {
                            let text = item["text"].as_str().unwrap_or_default();
                            out.findings.extend(findings(text));
                        }
                        _ => {}
                    }
                }
                out.events.extend(decoder.decode(method, params));
            },
        )
        .await?;
        // Codex 0.171 sends the model's answer only as its own text (the `exitedReviewMode`
        // item): the findings are read back from that.
        if out.findings.is_empty() {
            out.findings = out.text.as_deref().map(from_text).unwrap_or_default();
        }
        Ok(out)
    })
    .await
}

/// The findings in Codex's text of a review: each is `- TITLE — PATH:START-END` followed by
/// its body, indented. A title's `[P1]` prefix (Codex asks the model for one) is its priority.
pub fn from_text(text: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for line in text.lines() {
        if let Some(head) = line.strip_prefix("- ") {
            let (title, place) = head.rsplit_once(" — ").unwrap_or((head, ""));
            let (file, line_no) = match place.rsplit_once(':') {
                Some((f, range)) => (
                    Some(f.to_string()),
                    range.split('-').next().and_then(|n| n.trim().parse().ok()),
                ),
                None => (None, None),
            };
            let title = crate::text::clean(title.trim());
            let priority = title
                .strip_prefix("[P")
                .and_then(|r| r.split_once(']'))
                .and_then(|(p, _)| p.parse().ok());
            out.push(Finding {
                title,
                body: String::new(),
                file: file
                    .filter(|f| !f.is_empty())
                    .map(|f| crate::text::clean(&f)),
                line: line_no,
                priority,
            });
        } else if let Some(f) = out.last_mut()
            && line.starts_with("  ")
        {
            if !f.body.is_empty() {
                f.body.push('\n');
            }
            f.body.push_str(&crate::text::clean(line.trim()));
        }
        if out.len() >= MAX_FINDINGS {
            break;
        }
    }
    out
}

/// The findings of a review answer (Codex's review JSON), or none when it is not that.
pub fn findings(text: &str) -> Vec<Finding> {
    let start = text.find('{').unwrap_or(0);
    let end = text.rfind('}').map_or(text.len(), |e| e + 1);
    match serde_json::from_str::<Value>(text.get(start..end).unwrap_or_default()) {
        Ok(v) => findings_in(&v),
        Err(_) => Vec::new(),
    }
}

/// The findings of a review output object (`{findings: [...]}`).
fn findings_in(v: &Value) -> Vec<Finding> {
    let s = |v: &Value| v.as_str().map(crate::text::clean);
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .take(MAX_FINDINGS)
        .filter_map(|f| {
            Some(Finding {
                title: s(&f["title"])?,
                body: s(&f["body"]).unwrap_or_default(),
                file: s(&f["code_location"]["absolute_file_path"]),
                line: f["code_location"]["line_range"]["start"].as_u64(),
                priority: f["priority"].as_u64(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_come_from_codexs_text_and_from_the_models_json() {
        let text = "n may be 0\n\nFull review comments:\n\n- [P1] Division by zero — /w/calc.py:2-2\n  `ratio` divides by `n`.\n  Check it first.\n- Style nit — /w/a.py:7-9\n  long line\n";
        let f = from_text(text);
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].priority, f[0].line), (Some(1), Some(2)));
        assert_eq!(f[0].file.as_deref(), Some("/w/calc.py"));
        assert_eq!(f[0].body, "`ratio` divides by `n`.\nCheck it first.");
        assert_eq!((f[1].priority, f[1].line), (None, Some(7)));
        let json = r#"{"findings":[{"title":"x","body":"y","priority":2,"code_location":{"absolute_file_path":"/p","line_range":{"start":4,"end":5}}}]}"#;
        let f = findings(&format!("here: {json}"));
        assert_eq!(
            (f[0].priority, f[0].line, f[0].file.as_deref()),
            (Some(2), Some(4), Some("/p"))
        );
        assert!(findings("no json").is_empty());
        assert!(
            from_text("- \x1b[31mred\x1b[0m — f:1")
                .iter()
                .all(|f| !f.title.contains('\x1b'))
        );
    }
}

//! What a batch leaves: `results.jsonl`, one line per task — appended the moment a task ends
//! (a crash loses nothing that finished), then rewritten once at the end with exactly one line
//! per task, in the task file's order. The same lines are what `--index` prints and
//! `--collect` merges, so a cluster's results end up in the same file and the same summary.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::Usage;
use crate::text::one_line;

/// How a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Done,
    Failed,
    TimedOut,
    Interrupted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
            Self::Interrupted => "interrupted",
        }
    }
}

/// One line of `results.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub id: String,
    pub thread_id: Option<String>,
    pub status: Status,
    /// Why it did not end `done`.
    pub reason: Option<String>,
    pub duration_ms: u64,
    pub usage: Usage,
    pub cost_usd: Option<f64>,
    /// What the task changed in its folder (from the checkpoints), paths relative to it.
    pub changed_files: Vec<String>,
    pub final_message: Option<String>,
    /// Tries it took.
    #[serde(default)]
    pub attempts: u32,
    /// The task's line, fingerprinted: a re-run does not skip a task edited since.
    #[serde(default)]
    pub fingerprint: String,
}

/// The results in `file` so far, the last line of each task winning; a torn or foreign line
/// is skipped (and counted).
pub fn load(file: &Path) -> (BTreeMap<String, TaskResult>, usize) {
    match std::fs::read_to_string(file) {
        Ok(text) => merge_lines(&text),
        Err(_) => (BTreeMap::new(), 0),
    }
}

/// Result lines among other text (a `kubectl logs` stream holds the task's progress too).
pub fn merge_lines(text: &str) -> (BTreeMap<String, TaskResult>, usize) {
    let mut out = BTreeMap::new();
    let mut skipped = 0;
    for line in text.lines().filter(|l| l.trim_start().starts_with('{')) {
        match serde_json::from_str::<TaskResult>(line) {
            Ok(r) if super::tasks::valid_id(&r.id) => {
                out.insert(r.id.clone(), r);
            }
            _ => skipped += 1,
        }
    }
    (out, skipped)
}

/// Appends one result to `file` (made if need be; a link there is refused) and flushes it.
pub fn append(file: &Path, r: &TaskResult) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(file)?;
    let mut line = serde_json::to_vec(r).map_err(std::io::Error::other)?;
    line.push(b'\n');
    f.write_all(&line)?;
    f.flush()
}

/// Rewrites `file` with one line per result, in `order` (ids not in it last), atomically.
pub fn rewrite(
    file: &Path,
    results: &BTreeMap<String, TaskResult>,
    order: &[String],
) -> std::io::Result<()> {
    let mut text = Vec::new();
    let named: std::collections::HashSet<&String> = order.iter().collect();
    let listed = order.iter().filter_map(|id| results.get(id));
    let rest = results.values().filter(|r| !named.contains(&r.id));
    for r in listed.chain(rest) {
        text.extend(serde_json::to_vec(r).map_err(std::io::Error::other)?);
        text.push(b'\n');
    }
    let tmp = file.with_extension("jsonl.tmp");
    std::fs::write(&tmp, &text)?;
    std::fs::rename(&tmp, file)
}

/// 0 when every task is done, 1 when any failed or timed out, 130 when any was interrupted
/// (and none failed).
pub fn exit_code<'a>(results: impl IntoIterator<Item = &'a TaskResult>) -> i32 {
    let mut code = crate::cli::EXIT_OK;
    for r in results {
        match r.status {
            Status::Done => {}
            Status::Failed | Status::TimedOut => return crate::cli::EXIT_FAILED,
            Status::Interrupted => code = crate::cli::EXIT_INTERRUPTED,
        }
    }
    code
}

/// The end-of-batch table: counts, tokens and cost, the slowest tasks, each failure and why.
pub fn summary<'a>(results: impl IntoIterator<Item = &'a TaskResult>, not_run: usize) -> String {
    let all: Vec<&TaskResult> = results.into_iter().collect();
    let count = |s: Status| all.iter().filter(|r| r.status == s).count();
    let tokens: u64 = all.iter().map(|r| r.usage.total_tokens()).sum();
    let costs: Vec<f64> = all.iter().filter_map(|r| r.cost_usd).collect();
    let cost = match costs.is_empty() {
        true => "cost unknown".to_string(),
        false => format!("${:.4}", costs.iter().sum::<f64>()),
    };
    let mut out = format!(
        "{} tasks: {} done, {} failed, {} timed out, {} interrupted{}\n{tokens} tokens, {cost}\n",
        all.len() + not_run,
        count(Status::Done),
        count(Status::Failed),
        count(Status::TimedOut),
        count(Status::Interrupted),
        if not_run > 0 {
            format!(", {not_run} not run")
        } else {
            String::new()
        },
    );
    let mut slow = all.clone();
    slow.sort_by_key(|r| std::cmp::Reverse(r.duration_ms));
    if !slow.is_empty() {
        out.push_str("slowest:\n");
    }
    for r in slow.iter().take(5) {
        out.push_str(&format!(
            "  {:<24} {:>8.1} s  {}\n",
            one_line(&r.id, 24),
            r.duration_ms as f64 / 1000.0,
            r.status.as_str()
        ));
    }
    let failed: Vec<&&TaskResult> = all.iter().filter(|r| r.status != Status::Done).collect();
    if !failed.is_empty() {
        out.push_str("not done:\n");
    }
    for r in failed {
        out.push_str(&format!(
            "  {:<24} {:<11} {}\n",
            one_line(&r.id, 24),
            r.status.as_str(),
            one_line(r.reason.as_deref().unwrap_or("-"), 200)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: Status) -> TaskResult {
        TaskResult {
            id: id.into(),
            thread_id: None,
            status,
            reason: (status != Status::Done).then(|| "why".into()),
            duration_ms: 1500,
            usage: Usage::default(),
            cost_usd: Some(0.5),
            changed_files: vec![],
            final_message: None,
            attempts: 1,
            fingerprint: "f".into(),
        }
    }

    #[test]
    fn lines_merge_the_last_wins_and_foreign_lines_are_skipped() {
        let a1 = serde_json::to_string(&result("a", Status::Failed)).unwrap();
        let a2 = serde_json::to_string(&result("a", Status::Done)).unwrap();
        let text = format!("progress: a running\n{a1}\n{{\"torn\": \n{a2}\n{{\"id\":\"../x\"}}\n");
        let (got, skipped) = merge_lines(&text);
        assert_eq!(got.len(), 1);
        assert_eq!(got["a"].status, Status::Done);
        assert_eq!(skipped, 2);
    }

    #[test]
    fn exit_codes_and_the_summary_say_how_it_went() {
        let done = result("a", Status::Done);
        let gone = result("b", Status::Interrupted);
        let bad = result("c", Status::TimedOut);
        assert_eq!(exit_code([&done]), 0);
        assert_eq!(exit_code([&done, &gone]), 130);
        assert_eq!(exit_code([&gone, &bad]), 1);
        let s = summary([&done, &bad], 1);
        assert!(
            s.starts_with("3 tasks: 1 done, 0 failed, 1 timed out, 0 interrupted, 1 not run"),
            "{s}"
        );
        assert!(
            s.contains("$1.0000") && s.contains("timed_out   why"),
            "{s}"
        );
    }
}

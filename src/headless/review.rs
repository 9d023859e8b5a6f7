//! `codexmcp review [--uncommitted | --base BRANCH | --commit SHA | --thread ID [--turn N]]
//! [--json]`: Codex's review mode, headless. The default reviews the working dir's uncommitted
//! changes; `--thread ID` reviews exactly what one of that thread's turns changed (its
//! checkpoint diff, handed to Codex as the change to review: shell-written files included, in a
//! git repository or not). It runs on a new thread in the working dir (the reviewed thread's,
//! with `--thread`), on any backend. Prints the findings (`review.finding` events and a
//! `review.completed` with `--json`); exit 0 when the review ran, findings or not, 1 when it
//! failed, 2 on a usage error.

use serde_json::json;

use crate::cli::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::config::Settings;
use crate::engine::review::{self, Finding, Target};

/// What the command line asked to review.
pub struct Ask {
    pub base: Option<String>,
    pub commit: Option<String>,
    pub thread: Option<String>,
    pub turn: Option<i64>,
}

pub async fn run(ask: Ask, json: bool, settings: &Settings) -> i32 {
    let mut settings = settings.clone();
    let target = match target(&ask, &mut settings) {
        Ok(t) => t,
        Err((code, msg)) => {
            eprintln!("codexmcp review: {msg}");
            return code;
        }
    };
    let engine = match crate::engine::connect(&settings).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("codexmcp review: {e}");
            return EXIT_FAILED;
        }
    };
    let done = review::review(&engine, None, &target, Default::default()).await;
    engine.shutdown().await;
    match done {
        Ok(r) => {
            print(&r.findings, r.text.as_deref(), json);
            EXIT_OK
        }
        Err(e) => {
            eprintln!("codexmcp review: {e}");
            EXIT_FAILED
        }
    }
}

/// The review target; with `--thread`, Codex works in that thread's folder.
fn target(ask: &Ask, settings: &mut Settings) -> Result<Target, (i32, String)> {
    if let Some(b) = &ask.base {
        return Ok(Target::Base(b.clone()));
    }
    if let Some(sha) = &ask.commit {
        return Ok(Target::Commit(sha.clone()));
    }
    let Some(id) = &ask.thread else {
        return Ok(Target::Uncommitted);
    };
    if !crate::engine::looks_like_thread_id(id) {
        return Err((
            EXIT_USAGE,
            format!("{} is not a thread id", crate::text::one_line(id, 80)),
        ));
    }
    let failed = |e: String| (EXIT_FAILED, e);
    if let Some(store) = crate::session::Session::open_store()
        && let Ok(Some(record)) = store.load(id)
    {
        settings.cwd = record.cwd_path();
    }
    let checkpoints =
        crate::session::checkpoint::Store::open_default().map_err(|e| failed(format!("{e:#}")))?;
    checkpoints
        .turn_review(id, ask.turn.unwrap_or(-1))
        .map(|(target, _)| target)
        .map_err(failed)
}

fn print(findings: &[Finding], text: Option<&str>, json: bool) {
    if json {
        for f in findings {
            let event = json!({"type": "review.finding", "file": f.file, "line": f.line,
                "priority": f.priority, "title": f.title, "body": f.body});
            println!("{event}");
        }
        println!(
            "{}",
            json!({"type": "review.completed", "findings": findings.len()})
        );
        return;
    }
    if findings.is_empty() {
        // Codex's own words, when it gave no structured findings.
        let said = text.map(crate::text::clean).unwrap_or_default();
        println!(
            "no findings{}",
            if said.is_empty() {
                String::new()
            } else {
                format!("\n{said}")
            }
        );
        return;
    }
    println!(
        "{} finding{}:",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    );
    for f in findings {
        // Codex's titles carry their `[Pn]` already; a bare title gets it from the priority.
        let p = match f.priority {
            Some(p) if !f.title.starts_with("[P") => format!("[P{p}] "),
            _ => String::new(),
        };
        println!("{p}{}{}", crate::text::one_line(&f.title, 200), f.place());
        for l in f.body.lines().take(20) {
            println!("    {l}");
        }
    }
}

//! `codexmcp doctor --live`: one real turn, end to end, that needs no key.
//!
//! The static checks say a turn *should* run; this runs one. `codexmcp demo --exec` plays the
//! doctor's script against the scripted model on 127.0.0.1: the real Codex starts, the model
//! answers, Codex runs a command in its sandbox and the command writes a file. Each step is a
//! check of its own, so a failure says where the path broke and what to look at.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Check, Verdict};
use crate::config::Settings;
use crate::scripted_model::{DOCTOR_FILE_TEXT, DOCTOR_PROMPT};

/// A live turn that takes longer than this has hung.
const TIMEOUT: Duration = Duration::from_secs(120);

pub async fn check(settings: &Settings) -> Vec<Check> {
    let dir = match crate::config::project_dirs() {
        Ok(d) => d
            .cache_dir()
            .join(format!("doctor-live-{}", std::process::id())),
        Err(e) => return vec![fail("live turn", e.to_string(), "set HOME")],
    };
    let _ = std::fs::remove_dir_all(&dir);
    let checks = run(settings, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    checks
}

async fn run(settings: &Settings, dir: &Path) -> Vec<Check> {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return vec![fail("live turn", e.to_string(), "run codexmcp by its path")],
    };
    let mut cmd = tokio::process::Command::new(exe);
    if let Some(bin) = &settings.codex_bin {
        cmd.arg("--codex-bin").arg(crate::config::absolute(bin));
    }
    cmd.args(["demo", "--exec", "--json", "--dir"])
        .arg(dir)
        .arg(DOCTOR_PROMPT)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let started = Instant::now();
    let out = match tokio::time::timeout(TIMEOUT, cmd.output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return vec![fail("live turn", e.to_string(), "see the log")],
        Err(_) => {
            return vec![fail(
                "live turn",
                format!("no end after {} s", TIMEOUT.as_secs()),
                "run `codexmcp demo --exec` and see where it stops",
            )];
        }
    };
    let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let of = |t: &str| events.iter().find(|e| e["type"] == t);
    let mut checks = Vec::new();
    checks.push(match of("thread.started") {
        Some(e) => ok(
            "live codex",
            format!("started, thread {}", text(&e["thread_id"])),
        ),
        None => fail(
            "live codex",
            first_error(&events, &out.stderr),
            "see `codexmcp doctor` above and the log",
        ),
    });
    let command = events
        .iter()
        .find(|e| e["type"] == "item.completed" && e["item"]["kind"] == "command_execution");
    checks.push(match of("turn.completed") {
        Some(_) => ok("live model", "the scripted model answered on 127.0.0.1"),
        None => fail(
            "live model",
            first_error(&events, &out.stderr),
            "Codex could not reach a model on 127.0.0.1: is loopback blocked?",
        ),
    });
    checks.push(match command {
        Some(c) if c["item"]["exit_code"] == 0 => {
            ok("live sandbox", "a command ran in the sandbox")
        }
        Some(c) => fail(
            "live sandbox",
            format!(
                "the command failed: {}",
                text(&c["item"]["aggregated_output"])
            ),
            "run `codexmcp doctor` for the sandbox check's fix",
        ),
        None => fail("live sandbox", "no command ran", "see the checks above"),
    });
    let file = dir.join("doctor-check.txt");
    checks.push(match std::fs::read_to_string(&file) {
        Ok(t) if t.trim() == DOCTOR_FILE_TEXT => ok(
            "live file",
            format!("written, whole turn {} ms", started.elapsed().as_millis()),
        ),
        Ok(t) => fail(
            "live file",
            format!("unexpected content: {t}"),
            "see the log",
        ),
        Err(e) => fail(
            "live file",
            format!("{}: {e}", file.display()),
            "see the sandbox check",
        ),
    });
    checks
}

fn text(v: &Value) -> String {
    crate::text::one_line(v.as_str().unwrap_or(""), 200)
}

/// What went wrong, from the events or else stderr.
fn first_error(events: &[Value], stderr: &[u8]) -> String {
    events
        .iter()
        .find(|e| {
            matches!(
                e["type"].as_str(),
                Some("engine.error" | "turn.failed" | "error")
            )
        })
        .map(|e| text(&e["message"]))
        .unwrap_or_else(|| crate::text::one_line(&String::from_utf8_lossy(stderr), 300))
}

fn ok(name: &'static str, detail: impl Into<String>) -> Check {
    Check::ok(name, detail)
}

fn fail(name: &'static str, detail: impl Into<String>, fix: &str) -> Check {
    Check::bad(name, Verdict::Fail, detail, fix)
}

//! Which thread verbs the installed Codex can do, measured rather than assumed: its app-server
//! writes the JSON schema of every request it takes (`codex app-server generate-json-schema
//! --experimental`), and each verb of codexmcp's needs some of them — fork `thread/fork`,
//! compact `thread/compact/start`, plan mode `collaborationMode` on `turn/start`, undo and redo
//! `thread/fork` and `thread/revert`, review `review/start`.

use std::path::Path;
use std::time::Duration;

use super::{Check, Verdict};
use crate::engine::locate::CodexBinary;

/// (verb, [(a schema file that shows what it needs, text the file must hold)])
type Needs = (&'static str, &'static [(&'static str, &'static str)]);
const NEEDS: [Needs; 5] = [
    ("fork", &[("ThreadForkParams.json", "lastTurnId")]),
    ("compact", &[("ThreadCompactStartParams.json", "threadId")]),
    ("plan", &[("TurnStartParams.json", "collaborationMode")]),
    (
        "undo/redo",
        &[
            ("ThreadForkParams.json", "threadId"),
            ("ThreadRevertParams.json", "beforeTurnId"),
        ],
    ),
    ("review", &[("ReviewStartParams.json", "threadId")]),
];

pub async fn check(b: &CodexBinary) -> Check {
    // A new folder of our own (create_dir fails rather than reuse or follow what is there).
    let dir = std::env::temp_dir().join(format!(
        "codexmcp-doctor-schema-{}-{}",
        std::process::id(),
        crate::session::now_ms()
    ));
    if let Err(e) = std::fs::create_dir(&dir) {
        let what = format!("no temporary dir ({e})");
        return Check::bad("thread verbs", Verdict::Warn, what, "set TMPDIR");
    }
    let check = verbs_in(b, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    check
}

async fn verbs_in(b: &CodexBinary, dir: &Path) -> Check {
    let run = tokio::process::Command::new(&b.path)
        .args([
            "app-server",
            "generate-json-schema",
            "--experimental",
            "--out",
        ])
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .output();
    let ran = tokio::time::timeout(Duration::from_secs(20), run).await;
    if !matches!(&ran, Ok(Ok(o)) if o.status.success()) {
        return Check::bad(
            "thread verbs",
            Verdict::Warn,
            "this Codex does not describe its app-server (generate-json-schema failed): fork, \
             compact, plan and undo's conversation rewind need it",
            "install the pinned Codex with scripts/install-codex.sh",
        );
    }
    let (have, missing): (Vec<&str>, Vec<&str>) = NEEDS
        .iter()
        .map(|(verb, needs)| {
            let v2 = dir.join("v2");
            (
                *verb,
                needs
                    .iter()
                    .all(|(file, needle)| holds(&v2.join(file), needle)),
            )
        })
        .fold((Vec::new(), Vec::new()), |(mut h, mut m), (verb, ok)| {
            if ok {
                h.push(verb)
            } else {
                m.push(verb)
            }
            (h, m)
        });
    let detail = format!("Codex can {}", have.join(", "));
    match missing.as_slice() {
        [] => Check::ok("thread verbs", detail),
        gone => Check::bad(
            "thread verbs",
            Verdict::Warn,
            format!("{detail}; not {}", gone.join(", ")),
            "a newer Codex has them: scripts/install-codex.sh installs the pinned one",
        ),
    }
}

fn holds(file: &Path, needle: &str) -> bool {
    std::fs::read_to_string(file).is_ok_and(|t| t.contains(needle))
}

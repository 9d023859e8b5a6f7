//! Headless verbs on a stored thread, on any backend (Codex's app-server does the work; on exec
//! a private one is started for it):
//! - `codexmcp fork THREAD_ID [--turn N] [--worktree NAME] [--json] [PROMPT]`: a new thread
//!   with the turns up to turn N (the last by default) — with `--worktree`, in a new git
//!   worktree holding the files as after that turn. Prints the new thread's id — a
//!   `thread.forked` event with `--json` — and, given a prompt, runs it on the fork as `exec
//!   --resume` would.
//! - `codexmcp compact THREAD_ID [--json]`: Codex summarises the conversation so far.
//!
//! Exit 0 done (and the prompt's turn done), 1 failed, 2 usage.

use serde_json::json;

use super::ExecRequest;
use crate::cli::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::config::Settings;
use crate::session::Session;

/// The thread `id`'s session, with Codex in the folder it was recorded in; `Err` is the exit.
async fn open(verb: &str, id: &str, settings: &Settings) -> Result<(Session, Settings), i32> {
    if !crate::engine::looks_like_thread_id(id) {
        eprintln!(
            "codexmcp {verb}: {} is not a thread id (they look like 01a2112e-cb31-7fd3-b664-466522ce36c8)",
            crate::text::one_line(id, 80)
        );
        return Err(EXIT_USAGE);
    }
    let store = Session::open_store();
    let mut settings = settings.clone();
    if let Some(record) = store.as_ref().and_then(|s| s.load(id).ok().flatten()) {
        settings.cwd = record.cwd_path();
    }
    let engine = crate::engine::connect(&settings).await.map_err(|e| {
        eprintln!("codexmcp {verb}: {e}");
        EXIT_FAILED
    })?;
    match Session::resume(engine.clone(), store, id) {
        Ok(session) => Ok((session, settings)),
        Err(e) => {
            engine.shutdown().await;
            eprintln!("codexmcp {verb}: {e}");
            Err(EXIT_FAILED)
        }
    }
}

pub async fn run(
    id: &str,
    turn: Option<i64>,
    worktree: Option<&str>,
    prompt: Option<String>,
    json: bool,
    settings: &Settings,
) -> i32 {
    if turn == Some(0) {
        eprintln!("codexmcp fork: --turn N: 1 is the first turn, -1 the last");
        return EXIT_USAGE;
    }
    if let Some(Err(e)) = worktree.map(crate::session::worktree::check_name) {
        eprintln!("codexmcp fork: {e:#}");
        return EXIT_USAGE;
    }
    let (session, mut settings) = match open("fork", id, settings).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let made = session.fork(turn, worktree).await;
    session.engine().shutdown().await;
    let made = match made {
        Ok(f) => f,
        Err(e) => {
            eprintln!("codexmcp fork: {e}");
            return EXIT_FAILED;
        }
    };
    let forked = &made.forked;
    let new_id = crate::text::one_line(&forked.thread_id, 80);
    let place = made
        .worktree
        .as_ref()
        .map(|w| crate::text::bytes_literal(w.cwd.as_os_str().as_encoded_bytes()));
    if json {
        let mut event = json!({"type": "thread.forked", "thread_id": new_id,
            "from_thread_id": id, "at_turn": forked.at_turn});
        if let (Some(wt), Some(place)) = (&made.worktree, &place) {
            event["worktree"] =
                json!({"path": place, "branch": crate::text::one_line(&wt.branch, 80)});
        }
        if let Some(Ok(files)) = &made.files {
            event["files"] = json!(files.counts());
        }
        println!("{event}");
    } else {
        println!(
            "thread: {new_id} (a fork of {id} at turn {} of {})",
            forked.at_turn, forked.of
        );
        if let Some(place) = &place {
            println!("worktree: {place}");
        }
        if let Some(Ok(files)) = &made.files {
            println!("its files are as after turn {}", forked.at_turn);
            print!("{}", files.report());
        }
    }
    if let Some(Err(e)) = &made.files {
        eprintln!("codexmcp fork: the fork's files could not be put back: {e}");
        return EXIT_FAILED;
    }
    if let Some(wt) = &made.worktree {
        settings.cwd = wt.cwd.clone();
    }
    let Some(prompt) = prompt else {
        if !json {
            println!("continue it with: codexmcp exec --resume {new_id} \"...\"");
        }
        return EXIT_OK;
    };
    let req = ExecRequest {
        prompt: Some(prompt),
        resume: Some(forked.thread_id.clone()),
        json,
        images: Vec::new(),
        plan: false,
    };
    super::run(req, &settings).await
}

pub async fn compact(id: &str, json: bool, settings: &Settings) -> i32 {
    let (mut session, _) = match open("compact", id, settings).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let done = session.compact().await;
    session.engine().shutdown().await;
    match done {
        Ok(events) if json => {
            for e in &events {
                if let Ok(line) = serde_json::to_string(e) {
                    println!("{line}");
                }
            }
            EXIT_OK
        }
        Ok(events) => {
            let context = events.iter().rev().find_map(|e| match e {
                crate::engine::CodexEvent::UsageUpdated { context_tokens, .. } => {
                    Some(*context_tokens)
                }
                _ => None,
            });
            let size = context
                .map(|t| format!(": the context is {t} tokens now"))
                .unwrap_or_default();
            println!("compacted {}{size}", crate::text::one_line(id, 80));
            EXIT_OK
        }
        Err(e) => {
            eprintln!("codexmcp compact: {e}");
            EXIT_FAILED
        }
    }
}

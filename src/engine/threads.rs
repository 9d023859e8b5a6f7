//! Operations on a whole thread that only Codex's app-server offers: fork a thread (all of it,
//! or through one of its turns) and compact its context.
//!
//! Like the rewind ([`super::rewind`]), each runs on the backend's own app-server when there is
//! one, and otherwise on a private one started for it and shut down after, so that `codex exec
//! resume` can take the thread again (one app-server at a time may hold a thread). Shapes
//! checked with `codex app-server generate-json-schema --experimental` (0.171.0):
//! `thread/fork {threadId, lastTurnId?}` → `{thread: {id, …}}` (turns after `lastTurnId` are
//! left out); `thread/compact/start {threadId}` → `{}`, then the compaction runs as a turn whose
//! end is `turn/completed` (with `thread/compacted` on the way).

use std::time::Duration;

use serde_json::json;

use super::app_server::{AppServer, Incoming};
use super::{Backend, EngineConfig, EngineError, app_handle};

/// At most this many turns are listed (pages of [`PAGE`]).
const MAX_TURNS: usize = 100_000;
const PAGE: usize = 500;
/// How long a compaction may take (it is a model request).
const COMPACT_TIMEOUT: Duration = Duration::from_secs(600);

/// A new thread made from another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forked {
    pub thread_id: String,
    /// The turn of the parent it continues from (1-based), and how many the parent had.
    pub at_turn: usize,
    pub of: usize,
}

/// Runs `f` on the backend's own app-server, or on a private one started for it.
pub(super) async fn on_server<T>(
    cfg: &EngineConfig,
    f: impl AsyncFnOnce(&AppServer) -> Result<T, EngineError>,
) -> Result<T, EngineError> {
    let private = app_handle::Handle::default();
    let handle = match &cfg.backend {
        Backend::AppServer(own) => own.as_ref(),
        _ => &private,
    };
    let out = match handle.get(cfg).await {
        Ok(server) => {
            let out = f(&server).await;
            handle.done(server, cfg).await;
            out
        }
        Err(e) => Err(e),
    };
    private.close().await;
    out
}

fn failed(what: &str) -> impl Fn(String) -> EngineError + '_ {
    move |e| EngineError::Thread(format!("{what}: {e}"))
}

/// Loads `thread` on `server` (a thread must be loaded to be listed, forked or compacted).
pub(super) async fn load(server: &AppServer, thread: &str) -> Result<(), EngineError> {
    server
        .request(
            "thread/resume",
            json!({"threadId": thread, "excludeTurns": true}),
        )
        .await
        .map(drop)
        .map_err(failed("load the thread"))
}

/// The ids of the thread's turns, oldest first.
async fn turn_ids(server: &AppServer, thread: &str) -> Result<Vec<String>, EngineError> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = json!({"threadId": thread, "limit": PAGE, "itemsView": "notLoaded"});
        if let Some(c) = &cursor {
            params["cursor"] = json!(c);
        }
        let page = server
            .request("thread/turns/list", params)
            .await
            .map_err(failed("list the thread's turns"))?;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        ids.extend(
            data.iter()
                .filter_map(|t| t["id"].as_str().map(str::to_string)),
        );
        cursor = page["nextCursor"].as_str().map(str::to_string);
        if cursor.is_none() || data.is_empty() || ids.len() >= MAX_TURNS {
            break;
        }
    }
    // Codex lists the newest first.
    ids.reverse();
    Ok(ids)
}

/// Which turn `through` names among `n`: 1 the first, -1 the last, `None` the last.
pub fn pick_turn(through: Option<i64>, n: usize) -> Result<usize, String> {
    let at = match through {
        None => Some(n),
        Some(k) if k > 0 => usize::try_from(k).ok(),
        Some(k) if k < 0 => usize::try_from(k.unsigned_abs())
            .ok()
            .and_then(|back| (n + 1).checked_sub(back)),
        Some(_) => None,
    };
    match at.filter(|a| (1..=n).contains(a)) {
        Some(a) => Ok(a),
        None if n == 0 => Err("the thread has no turn yet".into()),
        None => Err(format!(
            "turn {} does not exist: the thread has {n} (1 is the first, -1 the last)",
            through.unwrap_or_default()
        )),
    }
}

/// Forks `thread` through its turn `through` (1 the first, -1 or `None` the last): a new
/// thread that has those turns and none after.
pub async fn fork(
    cfg: &EngineConfig,
    thread: &str,
    through: Option<i64>,
) -> Result<Forked, EngineError> {
    on_server(cfg, async |server| {
        load(server, thread).await?;
        let turns = turn_ids(server, thread).await?;
        let at = pick_turn(through, turns.len()).map_err(EngineError::Thread)?;
        let last = (at < turns.len()).then(|| turns[at - 1].as_str());
        let thread_id = fork_on(server, thread, last).await?;
        Ok(Forked {
            thread_id,
            at_turn: at,
            of: turns.len(),
        })
    })
    .await
}

/// A copy of all of `thread` (loaded on `server`): the new thread's id.
pub(super) async fn fork_whole(server: &AppServer, thread: &str) -> Result<String, EngineError> {
    fork_on(server, thread, None).await
}

/// Forks `thread` (loaded on `server`) through turn `last` (`None`: all of it).
async fn fork_on(
    server: &AppServer,
    thread: &str,
    last: Option<&str>,
) -> Result<String, EngineError> {
    let mut params = json!({"threadId": thread, "excludeTurns": true});
    if let Some(turn) = last {
        params["lastTurnId"] = json!(turn);
    }
    let made = server
        .request("thread/fork", params)
        .await
        .map_err(failed("fork the thread"))?;
    made["thread"]["id"]
        .as_str()
        .filter(|id| super::looks_like_thread_id(id))
        .map(str::to_string)
        .ok_or_else(|| EngineError::Thread("fork the thread: no thread id in its answer".into()))
}

/// Starts `method` (an operation Codex runs as a turn of `thread`) and hands each notification
/// of that turn to `seen` until the turn ends. A request of the turn's is declined: these turns
/// ask nothing of the user. `what` says what it does, for errors.
pub(super) async fn run_turn(
    server: &AppServer,
    thread: &str,
    (method, what): (&str, &str),
    params: serde_json::Value,
    timeout: Duration,
    mut seen: impl FnMut(&str, &serde_json::Value),
) -> Result<(), EngineError> {
    let fail = |why: String| EngineError::Thread(format!("{what}: {why}"));
    let mut incoming = server.route(thread);
    let ran = match server.request(method, params).await {
        Err(e) => Err(fail(e)),
        Ok(_) => tokio::time::timeout(timeout, async {
            while let Some(msg) = incoming.recv().await {
                match msg {
                    Incoming::Notification { method, params } => {
                        seen(&method, &params);
                        if method == "turn/completed" {
                            return Ok(());
                        }
                    }
                    Incoming::Request { id, .. } => {
                        server.respond(id, json!({"decision": "decline"})).await;
                    }
                }
            }
            Err(fail("the app-server went away".into()))
        })
        .await
        .unwrap_or_else(|_| Err(fail(format!("no answer in {} s", timeout.as_secs())))),
    };
    server.unroute(thread);
    ran
}

/// Compacts `thread`'s context: Codex summarises the conversation so far into a shorter one.
/// Returns what Codex reported on the way, ending with the compaction turn's end.
pub async fn compact(
    cfg: &EngineConfig,
    thread: &str,
    prior_total: super::Usage,
) -> Result<Vec<super::CodexEvent>, EngineError> {
    on_server(cfg, async |server| {
        load(server, thread).await?;
        let mut seen = Vec::new();
        let mut decoder = super::app_server_events::Decoder::new(prior_total);
        let params = json!({"threadId": thread});
        let waited = run_turn(
            server,
            thread,
            ("thread/compact/start", "compact the thread"),
            params,
            COMPACT_TIMEOUT,
            |method, params| {
                seen.extend(decoder.decode(method, params));
            },
        )
        .await;
        // Codex 0.171 reports the compaction as a `contextCompaction` item and no
        // `thread/compacted`: the event says it either way, once.
        if waited.is_ok()
            && !seen
                .iter()
                .any(|e| matches!(e, super::CodexEvent::ThreadCompacted { .. }))
        {
            seen.push(super::CodexEvent::ThreadCompacted {
                thread_id: thread.to_string(),
            });
        }
        waited.map(|()| seen)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::pick_turn;

    #[test]
    fn turns_count_from_either_end() {
        assert_eq!(pick_turn(None, 3), Ok(3));
        assert_eq!(pick_turn(Some(1), 3), Ok(1));
        assert_eq!(pick_turn(Some(-1), 3), Ok(3));
        assert_eq!(pick_turn(Some(-3), 3), Ok(1));
        assert!(pick_turn(Some(-4), 3).is_err());
        assert!(pick_turn(Some(4), 3).is_err());
        assert!(pick_turn(Some(0), 3).is_err());
        assert!(pick_turn(None, 0).unwrap_err().contains("no turn"));
    }
}

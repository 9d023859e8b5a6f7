//! Taking a turn back out of a thread's conversation, so the next prompt continues as if it
//! never happened.
//!
//! Measured on Codex 0.169.0 and 0.171.0 (exec-created threads included): the thread must be
//! loaded (`thread/resume`), `thread/turns/list` gives the newest turn first, and
//! `thread/revert {threadId, beforeTurnId}` rewrites the durable history to end before that
//! turn — it does not touch files (undo restores those from checkpoints). One app-server at a
//! time may hold a thread ("already has an active writer"): on the app-server backend its own
//! server does the revert; otherwise a private one is started and shut down again, so that
//! `codex exec resume` can take the thread afterwards.

use serde_json::json;

use super::{Backend, EngineConfig, EngineError, app_handle, app_server};

/// Removes the newest turn of `thread` from its conversation; returns that turn's id.
pub async fn revert_last_turn(cfg: &EngineConfig, thread: &str) -> Result<String, EngineError> {
    if let Backend::AppServer(own) = &cfg.backend {
        return revert(own, cfg, thread).await;
    }
    let private = app_handle::Handle::default();
    let result = revert(&private, cfg, thread).await;
    private.close().await;
    result
}

async fn revert(
    handle: &app_handle::Handle,
    cfg: &EngineConfig,
    thread: &str,
) -> Result<String, EngineError> {
    let server = handle.get(cfg).await?;
    let reverted = revert_on(&server, thread).await;
    handle.done(server, cfg).await;
    reverted
}

async fn revert_on(server: &app_server::AppServer, thread: &str) -> Result<String, EngineError> {
    let fail = |what: &str, e: String| EngineError::Rewind(format!("{what}: {e}"));
    server
        .request(
            "thread/resume",
            json!({"threadId": thread, "excludeTurns": true}),
        )
        .await
        .map_err(|e| fail("loading the thread", e))?;
    let turns = server
        .request(
            "thread/turns/list",
            json!({"threadId": thread, "limit": 1, "itemsView": "notLoaded"}),
        )
        .await
        .map_err(|e| fail("listing its turns", e))?;
    let Some(turn) = turns["data"][0]["id"].as_str().map(str::to_string) else {
        return Err(EngineError::Rewind(
            "the thread has no turn to take back".into(),
        ));
    };
    server
        .request(
            "thread/revert",
            json!({"threadId": thread, "beforeTurnId": turn}),
        )
        .await
        .map_err(|e| fail("reverting the conversation", e))?;
    Ok(turn)
}

//! Taking a turn back out of a thread's conversation, so the next prompt continues as if it
//! never happened — without losing the turn, so that a redo can put it back exactly.
//!
//! Measured on Codex 0.169.0 and 0.171.0 (exec-created threads included): the thread must be
//! loaded (`thread/resume`); `thread/fork {threadId}` copies the whole conversation into a new
//! thread; `thread/turns/list` gives the newest turn first; and `thread/revert {threadId,
//! beforeTurnId}` rewrites a thread's durable history to end before that turn (files are not
//! touched: undo restores those from checkpoints). So an undo forks the thread and reverts the
//! fork: the original keeps every turn, byte for byte, for the redo, and the fork is what the
//! next turn continues (the session record maps the user's id to it, see `session::rewind`).
//! One app-server at a time may hold a thread ("already has an active writer"), so this runs
//! on the backend's own server or a private one (see [`super::threads::on_server`]).

use serde_json::json;

use super::app_server::AppServer;
use super::{EngineConfig, EngineError, threads};

/// A new thread holding `thread`'s conversation without its newest turn; `thread` itself is
/// left as it was. Returns the new thread's id.
pub async fn without_last_turn(cfg: &EngineConfig, thread: &str) -> Result<String, EngineError> {
    threads::on_server(cfg, async |server| {
        threads::load(server, thread).await?;
        let copy = threads::fork_whole(server, thread).await?;
        revert_last(server, &copy).await?;
        Ok(copy)
    })
    .await
}

async fn revert_last(server: &AppServer, thread: &str) -> Result<(), EngineError> {
    let fail = |what: &str, e: String| EngineError::Rewind(format!("{what}: {e}"));
    let turns = server
        .request(
            "thread/turns/list",
            json!({"threadId": thread, "limit": 1, "itemsView": "notLoaded"}),
        )
        .await
        .map_err(|e| fail("listing its turns", e))?;
    let Some(turn) = turns["data"][0]["id"].as_str() else {
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
        .map(drop)
        .map_err(|e| fail("reverting the conversation", e))
}

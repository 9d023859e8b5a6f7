//! `codexmcp undo THREAD_ID [--force] [--json]`: take the last turn back — its files and its
//! place in the conversation; `codexmcp redo THREAD_ID [--force] [--json]`: put back what the
//! last undo took (see `session::rewind`). With `--json`, one `turn.undone` / `turn.redone`
//! event. Exit 0 done, 1 failed.

use crate::cli::{EXIT_FAILED, EXIT_OK};
use crate::config::Settings;
use crate::session::{Rewound, Session};

pub async fn run(id: &str, redo: bool, force: bool, json: bool, settings: &Settings) -> i32 {
    let verb = if redo { "redo" } else { "undo" };
    match rewind(id, redo, force, settings).await {
        Ok(done) if json => {
            println!("{}", done.event());
            EXIT_OK
        }
        Ok(done) => {
            print!("{}", done.report());
            EXIT_OK
        }
        Err(e) => {
            eprintln!("codexmcp {verb}: {e}");
            EXIT_FAILED
        }
    }
}

async fn rewind(id: &str, redo: bool, force: bool, settings: &Settings) -> Result<Rewound, String> {
    let store = Session::open_store().ok_or("no session store")?;
    let record = store.record(id)?;
    // Codex in the thread's own folder, on exec: the conversation's part starts its own
    // app-server.
    let mut settings = settings.clone();
    settings.cwd = record.cwd_path();
    settings.backend = crate::cli::BackendKind::Exec;
    let engine = crate::engine::connect(&settings)
        .await
        .map_err(|e| e.to_string())?;
    let result = match Session::resume(engine.clone(), Some(store), id) {
        Ok(mut session) if redo => session.redo(force).await,
        Ok(mut session) => session.undo(force).await,
        Err(e) => Err(e.to_string()),
    };
    engine.shutdown().await;
    result
}

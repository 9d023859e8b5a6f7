//! `codexmcp undo THREAD_ID [--force]`: take the last turn back — its files and its place in
//! the conversation (see `Session::undo`).

use crate::cli::{EXIT_FAILED, EXIT_OK};
use crate::config::Settings;
use crate::session::Session;

pub async fn run(id: &str, force: bool, settings: &Settings) -> i32 {
    match undo(id, force, settings).await {
        Ok(report) => {
            print!("{report}");
            EXIT_OK
        }
        Err(e) => {
            eprintln!("codexmcp undo: {e}");
            EXIT_FAILED
        }
    }
}

async fn undo(id: &str, force: bool, settings: &Settings) -> Result<String, String> {
    let store = Session::open_store().ok_or("no session store")?;
    let record = store.record(id)?;
    // Codex in the thread's own folder, on exec: the rewind starts its own app-server.
    let mut settings = settings.clone();
    settings.cwd = record.cwd_path();
    settings.backend = crate::cli::BackendKind::Exec;
    let engine = crate::engine::connect(&settings)
        .await
        .map_err(|e| e.to_string())?;
    let result = match Session::resume(engine.clone(), Some(store), id) {
        Ok(mut session) => session.undo(force).await,
        Err(e) => Err(e.to_string()),
    };
    engine.shutdown().await;
    result
}

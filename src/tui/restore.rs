//! The sessions that were open when the TUI quit, for `codexmcp --restore`: each tab's
//! working dir, thread and worktree, written to codexmcp's state dir on the way out.

use std::path::PathBuf;

use super::app::App;
use super::effect::TabSpec;

fn path() -> Option<PathBuf> {
    let dirs = crate::config::project_dirs().ok()?;
    let state = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(state.join("tui-sessions.json"))
}

/// Writes the open tabs down (replacing the last list), in bar order.
pub fn save(app: &App) {
    let specs: Vec<TabSpec> = app
        .sessions()
        .iter()
        .map(|s| TabSpec {
            cwd: Some(s.info().cwd.clone()),
            resume: s.thread_id().map(str::to_string),
            worktree: s.worktree().cloned(),
        })
        .collect();
    let Some(path) = path() else { return };
    let written = serde_json::to_vec_pretty(&specs)
        .map_err(std::io::Error::other)
        .and_then(|bytes| {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)
        });
    if let Err(e) = written {
        tracing::warn!("sessions not saved for --restore: {e}");
    }
}

/// The tabs to reopen; an error says why there are none.
pub fn load() -> Result<Vec<TabSpec>, String> {
    let path = path().ok_or("no home directory")?;
    let bytes = std::fs::read(&path)
        .map_err(|e| format!("--restore: nothing to restore ({}: {e})", path.display()))?;
    let specs: Vec<TabSpec> = serde_json::from_slice(&bytes)
        .map_err(|e| format!("--restore: {} is unreadable: {e}", path.display()))?;
    // Bounded like everything read back: at most as many tabs as there can be.
    Ok(specs
        .into_iter()
        .take(super::app::MAX_TABS)
        .filter(|s| s.cwd.as_ref().is_none_or(|c| c.is_dir()))
        .collect())
}

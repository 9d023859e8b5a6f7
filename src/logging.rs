//! Logging goes to a file, never to the terminal: stdout belongs to `--json` output, the TUI
//! and the MCP protocol. The file lives in the platform state dir (`$XDG_STATE_HOME/codexmcp`),
//! is created with mode 0600 (Codex's stderr may echo request details), is written by a
//! non-blocking background worker, and honours `RUST_LOG` (default `info`).

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::prelude::*;

pub const LOG_FILE: &str = "codexmcp.log";

/// Where the log file goes.
pub fn log_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CODEXMCP_LOG_DIR") {
        return Some(PathBuf::from(dir));
    }
    let dirs = crate::config::project_dirs().ok()?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Installs the file logger. Keep the guard alive until exit, or the tail of the log is lost.
/// When the file cannot be written, nothing is logged and the error says where and why (the
/// caller says it once, on stderr: DESIGN §8, rule 8).
pub fn init() -> Result<WorkerGuard, String> {
    let dir = log_dir().ok_or("there is no state dir (is HOME set?)")?;
    let shown = |p: &std::path::Path| crate::text::bytes_literal(p.as_os_str().as_encoded_bytes());
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", shown(&dir)))?;
    let path = dir.join(LOG_FILE);
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("{}: {e}", shown(&path)))?;
    // The worker's queue is allocated and touched whole at start: the default (128,000 lines)
    // cost 2–3 ms of every run. Lines beyond a burst of this many are dropped rather than
    // block the caller (the UI task among them), as with the default.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(8192)
        .finish(file);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false);
    tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init()
        .map_err(|e| e.to_string())?;
    Ok(guard)
}

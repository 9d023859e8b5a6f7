//! Process hygiene: no Codex child, and no command Codex started, outlives its turn.
//!
//! Codex runs commands in PTYs (their own sessions), and a Codex killed hard leaves unsandboxed
//! commands orphaned (reference §1.11), so neither the process group nor the parent chain is a
//! reliable handle on them. Instead every Codex child gets a unique marker in its environment,
//! which the commands it spawns inherit; when a run ends, every process still carrying that
//! marker is killed. `/proc/<pid>/environ` is readable for our own processes, which is all
//! that can carry the marker.

use std::path::Path;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Environment variable carrying a run's marker.
pub const MARKER_VAR: &str = "CODEXMCP_RUN_ID";

/// A fresh marker, unique per process and run.
pub fn new_marker() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// Process ids whose environment contains `MARKER_VAR=marker` (our own pid excluded).
pub fn marked(marker: &str) -> Vec<i32> {
    let needle = format!("{MARKER_VAR}={marker}");
    let me = std::process::id() as i32;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me && environ_has(&Path::new("/proc").join(pid.to_string()), &needle))
        .collect()
}

fn environ_has(proc_dir: &Path, needle: &str) -> bool {
    std::fs::read(proc_dir.join("environ"))
        .map(|env| env.split(|&b| b == 0).any(|var| var == needle.as_bytes()))
        .unwrap_or(false)
}

/// SIGKILLs every process carrying the marker; returns how many were signalled.
pub fn kill_marked(marker: &str) -> usize {
    let pids = marked(marker);
    for &pid in &pids {
        let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
    if !pids.is_empty() {
        tracing::info!(
            count = pids.len(),
            "killed processes left over from a Codex run"
        );
    }
    pids.len()
}

/// Sends SIGINT (Codex's clean interrupt) to one process.
pub fn interrupt(pid: u32) {
    let _ = kill(Pid::from_raw(pid as i32), Signal::SIGINT);
}

/// Kills the marked processes when dropped: the last line of defence when a run's task is
/// torn down without finishing (runtime shutdown, panic).
pub struct ReapOnDrop(pub String);

impl Drop for ReapOnDrop {
    fn drop(&mut self) {
        kill_marked(&self.0);
    }
}

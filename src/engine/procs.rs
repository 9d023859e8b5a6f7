//! Process hygiene: no Codex child, and no command Codex started, outlives its turn.
//!
//! Codex runs commands in PTYs (their own sessions), and a Codex killed hard leaves unsandboxed
//! commands orphaned (reference §1.11), so neither the process group nor the parent chain is a
//! reliable handle on them. Instead every Codex child gets a unique marker in its environment,
//! which the commands it spawns inherit; when a run ends, every process still carrying that
//! marker is killed. `/proc/<pid>/environ` is readable for our own processes, which is all
//! that can carry the marker.

use std::os::unix::process::CommandExt;
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
    processes_whose_env(|var| var == needle.as_bytes())
}

/// Process ids (our own excluded) with an environment variable that satisfies `matches`.
fn processes_whose_env(matches: impl Fn(&[u8]) -> bool) -> Vec<i32> {
    let me = std::process::id() as i32;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me)
        .filter(|&pid| {
            std::fs::read(Path::new("/proc").join(pid.to_string()).join("environ"))
                .map(|env| env.split(|&b| b == 0).any(&matches))
                .unwrap_or(false)
        })
        .collect()
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

impl ReapOnDrop {
    /// Kills what the run left behind on a blocking thread, off the caller's path (a sweep
    /// reads every process's environment), twice: a process forked during the first sweep is
    /// caught by the second. The drop then has nothing left to do. The runtime's shutdown
    /// waits for it.
    pub fn sweep_soon(&mut self) {
        let marker = std::mem::take(&mut self.0);
        tokio::task::spawn_blocking(move || {
            kill_marked(&marker);
            kill_marked(&marker);
        });
    }
}

impl Drop for ReapOnDrop {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            kill_marked(&self.0);
        }
    }
}

/// Which signal ended the wait, for exit codes and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
    HangUp,
}

/// The one place codexmcp listens for SIGINT, SIGTERM and SIGHUP: every front end treats
/// them alike — the token is cancelled, turns derived from it are interrupted (Codex gets its
/// clean SIGINT, the thread stays resumable) and the front end winds down.
#[derive(Debug, Clone)]
pub struct Signals {
    token: tokio_util::sync::CancellationToken,
    which: std::sync::Arc<std::sync::Mutex<Option<Stop>>>,
}

impl Signals {
    /// Starts listening. Must be called inside a Tokio runtime.
    pub fn watch() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let me = Self {
            token: tokio_util::sync::CancellationToken::new(),
            which: Default::default(),
        };
        let kinds = [
            (SignalKind::interrupt(), Stop::Interrupt),
            (SignalKind::terminate(), Stop::Terminate),
            (SignalKind::hangup(), Stop::HangUp),
        ];
        for (kind, stop) in kinds {
            let Ok(mut stream) = signal(kind) else {
                tracing::warn!(?stop, "cannot listen for this signal");
                continue;
            };
            let me = me.clone();
            tokio::spawn(async move {
                while stream.recv().await.is_some() {
                    tracing::info!(?stop, "signal received");
                    if let Ok(mut w) = me.which.lock() {
                        w.get_or_insert(stop);
                    }
                    me.token.cancel();
                }
            });
        }
        me
    }

    /// Cancelled on the first signal.
    pub fn token(&self) -> tokio_util::sync::CancellationToken {
        self.token.clone()
    }

    /// The first signal received, if any.
    pub fn received(&self) -> Option<Stop> {
        self.which.lock().ok().and_then(|w| *w)
    }
}

/// The argument that turns the binary into the guardian (see [`guard_children`]).
pub const GUARDIAN_ARG: &str = "__codexmcp-guardian";

/// Makes sure no Codex process, nor any command it started, outlives this process — even
/// when it is killed with SIGKILL and no code of ours runs any more.
///
/// Why a guardian process: `PR_SET_PDEATHSIG` needs `pre_exec` (unsafe code, which this crate
/// forbids) and reaches only the direct child, not the commands Codex runs in their own
/// sessions; a child subreaper adopts orphans but dies with us. The guardian is this binary
/// started once in its own process group with a pipe on stdin: when we die, however, the
/// kernel closes the pipe, the guardian wakes and kills every process carrying one of our
/// run markers (Codex, the app-server, the MCP server and everything they started), then
/// exits. Spawned lazily, once per process; a failure to start it is logged, not fatal.
pub fn guard_children() {
    if !GUARDIAN_ENABLED.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    static GUARD: std::sync::OnceLock<Option<std::process::ChildStdin>> =
        std::sync::OnceLock::new();
    GUARD.get_or_init(|| {
        let exe = std::env::current_exe().ok()?;
        let spawned = std::process::Command::new(exe)
            .arg(GUARDIAN_ARG)
            .arg(std::process::id().to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .env_remove(MARKER_VAR)
            .process_group(0)
            .spawn();
        match spawned {
            Ok(mut child) => child.stdin.take(),
            Err(e) => {
                tracing::warn!("no guardian process ({e}); a SIGKILL could orphan Codex");
                None
            }
        }
    });
}

static GUARDIAN_ENABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Lets [`guard_children`] start the guardian: only the codexmcp binary itself can be one
/// (a test harness that links the library cannot).
pub fn enable_guardian() {
    GUARDIAN_ENABLED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The guardian's whole life: wait for the parent's pipe to close, then sweep its markers.
pub fn guardian_main(parent: &str) -> i32 {
    use std::io::Read;
    let mut sink = [0u8; 64];
    while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
    let prefix = format!("{parent}-");
    // Twice: a process forked during the first sweep is caught by the second.
    for _ in 0..2 {
        for pid in marked_with_prefix(&prefix) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    0
}

/// Process ids whose run marker starts with `prefix`.
fn marked_with_prefix(prefix: &str) -> Vec<i32> {
    let needle = format!("{MARKER_VAR}={prefix}");
    processes_whose_env(|var| var.starts_with(needle.as_bytes()))
}

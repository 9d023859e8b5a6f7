//! The exec backend: one `codex exec --json` process per turn.
//!
//! The prompt goes in on stdin (then stdin is closed: exec reads a non-TTY stdin to EOF), the
//! JSONL events come out on stdout, and stderr is logged and kept for classifying failures.
//! One task owns the child from spawn to reap: it forwards events, watches the idle timer,
//! turns an interrupt into SIGINT (Codex's clean stop; SIGTERM would orphan unsandboxed
//! commands), and finally kills anything still carrying the run's marker. Codex's
//! `turn.completed` waits for the exit: the meters read from the rollout go out before it.

use std::collections::VecDeque;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::error::EngineError;
use super::event::{CodexEvent, ItemKind};
use super::jsonl::{ExecParser, LineReader};
use super::procs::{self, MARKER_VAR, ReapOnDrop};
use super::{EngineConfig, TurnOutcome, TurnSpec, TurnStatus};

/// After SIGINT, how long Codex gets to exit before it is killed.
const GRACE: Duration = Duration::from_secs(3);
/// How many stderr lines are kept for error classification.
const STDERR_TAIL: usize = 40;

/// The `codex` argv for a turn (without the program). Exec-level flags go before `resume`,
/// which rejects `-s`/`-C`. Paths go as the bytes they are (a working dir need not be UTF-8).
pub fn build_args(config: &EngineConfig, spec: &TurnSpec) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec!["exec".into(), "--json".into()];
    args.extend(["-s".into(), config.sandbox.to_string().into()]);
    args.extend(["-C".into(), config.cwd.clone().into_os_string()]);
    args.push("--skip-git-repo-check".into());
    if let Some(m) = &config.model {
        args.extend(["-m".into(), m.into()]);
    }
    let mut overrides = Vec::new();
    if config.approval_policy != super::ApprovalPolicy::Never {
        // exec always runs with `never`; passing it keeps Codex's own record truthful.
        overrides.push(format!("approval_policy=\"{}\"", config.approval_policy));
    }
    if let Some(effort) = &config.reasoning_effort {
        overrides.push(format!("model_reasoning_effort=\"{effort}\""));
    }
    if config.network {
        overrides.push("sandbox_workspace_write.network_access=true".into());
    }
    overrides.extend(config.overrides.iter().cloned());
    for o in overrides {
        args.extend(["-c".into(), o.into()]);
    }
    if let Some(id) = &spec.resume {
        args.extend(["resume".into(), id.into()]);
    }
    // One `--image=` each: `-i` takes several values and would swallow what follows.
    for image in &spec.images {
        let mut arg = std::ffi::OsString::from("--image=");
        arg.push(image);
        args.push(arg);
    }
    args.push("-".into());
    args
}

pub(super) fn spawn(
    config: &EngineConfig,
    spec: TurnSpec,
    tx: mpsc::Sender<CodexEvent>,
    cancel: CancellationToken,
) -> Result<JoinHandle<TurnOutcome>, EngineError> {
    if let Some(id) = &spec.resume
        && !super::looks_like_thread_id(id)
    {
        return Err(EngineError::UnknownThread { id: id.clone() });
    }
    std::fs::create_dir_all(&config.cwd)
        .map_err(|e| EngineError::Spawn(format!("cannot create {}: {e}", config.cwd.display())))?;
    let marker = procs::new_marker();
    let mut cmd = Command::new(&config.codex.path);
    cmd.args(build_args(config, &spec))
        .envs(config.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env(MARKER_VAR, &marker)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group: a Ctrl+C at the terminal reaches codexmcp, which decides.
        .process_group(0)
        .kill_on_drop(true);
    tracing::info!(bin = %config.codex.path.display(), resume = ?spec.resume, "starting codex exec");
    procs::guard_children();
    let child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => EngineError::BinaryMissing {
            tried: config.codex.path.display().to_string(),
        },
        _ => EngineError::Spawn(e.to_string()),
    })?;
    let run = Run {
        spec,
        tx,
        cancel,
        idle: config.idle_timeout,
        reap: ReapOnDrop(marker),
    };
    Ok(tokio::spawn(run.drive(child)))
}

struct Run {
    spec: TurnSpec,
    tx: mpsc::Sender<CodexEvent>,
    cancel: CancellationToken,
    idle: Option<Duration>,
    reap: ReapOnDrop,
}

/// What the run learned from the events.
#[derive(Default)]
struct Seen {
    thread_id: Option<String>,
    terminal: Option<CodexEvent>,
    last_message: Option<String>,
    stopped: Option<EngineError>,
    interrupted: bool,
}

impl Run {
    async fn drive(mut self, mut child: Child) -> TurnOutcome {
        let pid = child.id();
        if let Some(mut stdin) = child.stdin.take() {
            let prompt = self.spec.prompt.clone();
            // Written from its own task so a huge prompt cannot stall the reader below.
            tokio::spawn(async move {
                let _ = stdin.write_all(prompt.as_bytes()).await;
                let _ = stdin.shutdown().await;
            });
        }
        let stderr_task = child
            .stderr
            .take()
            .map(|err| tokio::spawn(collect_stderr(err)));
        let mut parser = ExecParser::with_prior_total(self.spec.prior_total);
        let mut seen = Seen::default();
        let mut deadline: Option<Instant> = None; // set once the child has been told to stop
        // Held back until the child has exited and its rollout holds the turn's meters, so
        // `turn.completed` stays the turn's last event.
        let mut completed: Option<CodexEvent> = None;
        if let Some(stdout) = child.stdout.take() {
            let mut lines = LineReader::new(BufReader::new(stdout));
            let mut last_activity = Instant::now();
            loop {
                let idle_at = self.idle.map(|d| last_activity + d);
                tokio::select! {
                    line = lines.next_line() => {
                        let Ok(Some(line)) = line else { break };
                        last_activity = Instant::now();
                        let event = parser.parse_line(&line);
                        if let Some(stop) = self.observe(&event, &mut seen) {
                            seen.stopped = Some(stop);
                            deadline = Some(stop_child(pid));
                        }
                        if let CodexEvent::TurnCompleted { .. } = event {
                            completed = Some(event);
                            continue;
                        }
                        if self.tx.send(event).await.is_err() && deadline.is_none() {
                            // Nobody listens any more: stop the turn rather than run blind.
                            seen.interrupted = true;
                            deadline = Some(stop_child(pid));
                        }
                    }
                    _ = self.cancel.cancelled(), if deadline.is_none() => {
                        seen.interrupted = true;
                        deadline = Some(stop_child(pid));
                    }
                    _ = sleep_until(idle_at), if deadline.is_none() && idle_at.is_some() => {
                        seen.stopped = self.idle.map(EngineError::IdleTimeout);
                        deadline = Some(stop_child(pid));
                    }
                    _ = sleep_until(deadline), if deadline.is_some() => {
                        let _ = child.start_kill();
                        break;
                    }
                }
            }
        }
        let status = match tokio::time::timeout(GRACE, child.wait()).await {
            Ok(Ok(s)) => Some(s),
            _ => {
                let _ = child.start_kill();
                child.wait().await.ok()
            }
        };
        self.reap.sweep_soon();
        let stderr = match stderr_task {
            Some(t) => tokio::time::timeout(GRACE, t)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default(),
            None => String::new(),
        };
        if let Some(done) = completed {
            if let (Some(id), CodexEvent::TurnCompleted { total, .. }) = (&seen.thread_id, &done) {
                for meter in super::token_count::from_rollout(id.clone(), *total).await {
                    let _ = self.tx.send(meter).await;
                }
            }
            let _ = self.tx.send(done).await;
        }
        self.conclude(seen, status, &stderr, parser.total())
    }

    /// Looks at one event on its way out; returns an error when the turn must stop.
    fn observe(&self, event: &CodexEvent, seen: &mut Seen) -> Option<EngineError> {
        match event {
            CodexEvent::ThreadStarted { thread_id } => {
                seen.thread_id = Some(thread_id.clone());
                if let Some(wanted) = &self.spec.resume
                    && wanted != thread_id
                {
                    return Some(EngineError::UnknownThread { id: wanted.clone() });
                }
            }
            CodexEvent::ItemCompleted { item } => {
                if let ItemKind::AgentMessage { text } = &item.kind {
                    seen.last_message = Some(text.clone());
                }
            }
            e if e.is_terminal() => seen.terminal = Some(e.clone()),
            _ => {}
        }
        None
    }

    fn conclude(
        self,
        seen: Seen,
        status: Option<std::process::ExitStatus>,
        stderr: &str,
        total: super::Usage,
    ) -> TurnOutcome {
        let wanted = self.spec.resume.as_deref();
        let turn_status =
            if let Some(err) = seen.stopped {
                TurnStatus::Failed(err)
            } else if seen.interrupted {
                TurnStatus::Interrupted
            } else {
                match seen.terminal {
                    Some(CodexEvent::TurnCompleted { .. }) => TurnStatus::Completed,
                    Some(CodexEvent::TurnFailed { message }) => TurnStatus::Failed(
                        EngineError::classify(&message, wanted)
                            .unwrap_or(EngineError::ModelHttp { detail: message }),
                    ),
                    _ => TurnStatus::Failed(EngineError::classify(stderr, wanted).unwrap_or_else(
                        || EngineError::Crashed {
                            status: status.map_or("an unknown status".into(), describe_status),
                            detail: super::error::first_meaningful_line(stderr),
                        },
                    )),
                }
            };
        // Tell listeners how it ended when Codex itself could not.
        let closing = match &turn_status {
            TurnStatus::Interrupted => Some(CodexEvent::TurnInterrupted {
                reason: "interrupted by the user".into(),
            }),
            TurnStatus::Failed(e @ EngineError::IdleTimeout(_)) => {
                Some(CodexEvent::TurnInterrupted {
                    reason: e.to_string(),
                })
            }
            _ => None,
        };
        if let TurnStatus::Failed(e) = &turn_status {
            let _ = self.tx.try_send(e.event());
        }
        if let Some(ev) = closing {
            let _ = self.tx.try_send(ev);
        }
        tracing::info!(thread = ?seen.thread_id, status = ?turn_status, "codex exec finished");
        TurnOutcome {
            thread_id: seen.thread_id,
            status: turn_status,
            total,
            last_message: seen.last_message,
        }
    }
}

/// SIGINT now; the caller kills at the returned deadline if the child is still there.
fn stop_child(pid: Option<u32>) -> Instant {
    if let Some(pid) = pid {
        procs::interrupt(pid);
    }
    Instant::now() + GRACE
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Logs every stderr line and returns the last few for classification.
async fn collect_stderr(err: tokio::process::ChildStderr) -> String {
    let mut lines = LineReader::with_limit(BufReader::new(err), 64 * 1024);
    let mut tail = VecDeque::with_capacity(STDERR_TAIL);
    while let Ok(Some(line)) = lines.next_line().await {
        let line = String::from_utf8_lossy(&line.bytes).into_owned();
        tracing::debug!(target: "codex_stderr", "{line}");
        if tail.len() == STDERR_TAIL {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    Vec::from(tail).join("\n")
}

fn describe_status(s: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(sig)) => format!("signal {sig}"),
        _ => "an unknown status".into(),
    }
}

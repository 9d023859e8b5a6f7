//! Running a batch: up to `jobs` tasks at a time (tasks that share a folder take turns), each
//! in its own session, with its timeout, its tries and its results line. Nothing here prints:
//! what happens goes out as [`Report`]s for a front end to show.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::results::{self, Status, TaskResult};
use super::tasks::{Place, Task};
use crate::agent::cost::PriceTable;
use crate::engine::{CodexEvent, EngineConfig, EngineError, TurnStatus};
use crate::session::Session;

/// The longest wait before another try after a rate limit.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// A batch to run.
#[derive(Debug, Clone)]
pub struct Batch {
    pub tasks: Vec<Task>,
    /// Where the tasks' own folders go.
    pub out: PathBuf,
    /// The results file (`OUT/results.jsonl`; one per task with `--index`).
    pub results_file: PathBuf,
    pub jobs: usize,
    /// Run again the tasks that failed or timed out last time (they are skipped otherwise).
    pub retry_failed: bool,
    /// The engine every task starts from; each sets its folder, model, sandbox and effort.
    pub engine: EngineConfig,
    pub prices: PriceTable,
    /// The first wait after a rate limit; it doubles with each try.
    pub backoff: Duration,
}

/// What happens, as it happens.
#[derive(Debug)]
pub enum Report {
    /// Finished in an earlier run (same task line): not run again.
    Skipped(TaskResult),
    Started {
        id: String,
    },
    Event {
        id: String,
        event: CodexEvent,
    },
    Retrying {
        id: String,
        attempt: u32,
        wait: Duration,
        reason: String,
    },
    Finished(TaskResult),
}

/// What every task shares.
struct Shared {
    out: PathBuf,
    engine: EngineConfig,
    prices: PriceTable,
    backoff: Duration,
    results: PathBuf,
    /// Where every task's thread is recorded (opened once for all of them).
    store: Option<crate::session::Store>,
    tx: mpsc::UnboundedSender<Report>,
    stop: CancellationToken,
}

/// Runs what is left of `batch` until done or `stop`; every task's latest result (earlier
/// runs' included), as `results.jsonl` holds them at the end.
pub async fn run(
    batch: Batch,
    tx: mpsc::UnboundedSender<Report>,
    stop: CancellationToken,
) -> Result<BTreeMap<String, TaskResult>, String> {
    std::fs::create_dir_all(&batch.out).map_err(|e| format!("{}: {e}", batch.out.display()))?;
    let file = batch.results_file.clone();
    let (mut all, _) = results::load(&file);
    let mut todo = Vec::new();
    for t in &batch.tasks {
        match all.get(&t.id) {
            Some(r) if r.fingerprint == t.fingerprint && finished(r.status, batch.retry_failed) => {
                let _ = tx.send(Report::Skipped(r.clone()));
            }
            _ => todo.push(t.clone()),
        }
    }
    let shared = Arc::new(Shared {
        out: batch.out.clone(),
        engine: batch.engine,
        prices: batch.prices,
        backoff: batch.backoff,
        results: file.clone(),
        store: Session::open_store(),
        tx,
        stop,
    });
    // In the file's order, up to `jobs` at once; a task whose folder another task is working
    // in waits, and the next one starts instead.
    let mut pending: VecDeque<(Task, Option<PathBuf>)> = todo
        .into_iter()
        .map(|t| {
            let f = folder(&t);
            (t, f)
        })
        .collect();
    let mut busy: HashSet<PathBuf> = HashSet::new();
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < batch.jobs.max(1) && !shared.stop.is_cancelled() {
            let free =
                |(_, f): &(Task, Option<PathBuf>)| f.as_ref().is_none_or(|f| !busy.contains(f));
            let Some(at) = pending.iter().position(free) else {
                break;
            };
            let Some((task, held)) = pending.remove(at) else {
                break;
            };
            if let Some(f) = &held {
                busy.insert(f.clone());
            }
            let shared = shared.clone();
            running.spawn(async move {
                let _ = shared.tx.send(Report::Started {
                    id: task.id.clone(),
                });
                // A task that panics is a failed task; the others go on.
                let ran = tokio::spawn(run_task(shared.clone(), task.clone())).await;
                let result = ran.unwrap_or_else(|e| {
                    let why = format!("the task crashed: {e}");
                    ended(&task, Status::Failed, Some(why), Instant::now())
                });
                if let Err(e) = results::append(&shared.results, &result) {
                    tracing::warn!("results.jsonl: {e}");
                }
                let _ = shared.tx.send(Report::Finished(result.clone()));
                (held, result)
            });
        }
        let Some(joined) = running.join_next().await else {
            break; // nothing runs, and nothing more may start
        };
        if let Ok((held, r)) = joined {
            if let Some(f) = held {
                busy.remove(&f);
            }
            all.insert(r.id.clone(), r);
        }
    }
    let order: Vec<String> = batch.tasks.iter().map(|t| t.id.clone()).collect();
    let listed: HashSet<&String> = order.iter().collect();
    all.retain(|id, _| listed.contains(id));
    results::rewrite(&file, &all, &order).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(all)
}

/// The folder a task works in place, as the real path (tasks that share one take turns).
fn folder(task: &Task) -> Option<PathBuf> {
    match &task.place {
        Place::Cwd(dir) => Some(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone())),
        _ => None,
    }
}

/// Whether a result from an earlier run stands (is not run again).
fn finished(status: Status, retry_failed: bool) -> bool {
    match status {
        Status::Done => true,
        Status::Failed | Status::TimedOut => !retry_failed,
        Status::Interrupted => false,
    }
}

/// A result with nothing known but how it ended.
fn ended(task: &Task, status: Status, reason: Option<String>, since: Instant) -> TaskResult {
    TaskResult {
        id: task.id.clone(),
        thread_id: None,
        status,
        reason,
        duration_ms: since.elapsed().as_millis() as u64,
        usage: Default::default(),
        cost_usd: None,
        changed_files: Vec::new(),
        final_message: None,
        attempts: 0,
        fingerprint: task.fingerprint.clone(),
    }
}

/// Whether Codex failed on the provider's rate limit (worth waiting for).
fn rate_limited(e: &EngineError) -> bool {
    let text = e.to_string().to_lowercase();
    ["429", "rate limit", "too many requests"]
        .iter()
        .any(|s| text.contains(s))
}

async fn run_task(shared: Arc<Shared>, task: Task) -> TaskResult {
    let since = Instant::now();
    let dir = match super::place::prepare(&task, &shared.out).await {
        Ok(d) => d,
        Err(e) => return ended(&task, Status::Failed, Some(e), since),
    };
    let mut cfg = shared.engine.clone();
    cfg.cwd = dir;
    if let Some(m) = &task.model {
        cfg.model = Some(m.clone());
    }
    if let Some(s) = task.sandbox {
        cfg.sandbox = s;
    }
    if let Some(e) = &task.effort {
        cfg.reasoning_effort = Some(e.clone());
    }
    let mut session = Session::new(cfg.clone(), shared.store.clone()).stop_on(shared.stop.clone());
    let mut attempt = 0;
    let mut last_message = None;
    let (status, reason) = loop {
        attempt += 1;
        let (outcome, timed_out) = one_try(&shared, &task, &mut session).await;
        let failure = match outcome {
            Ok(o) => {
                last_message = o.last_message.or(last_message);
                match o.status {
                    TurnStatus::Completed => break (Status::Done, None),
                    TurnStatus::Interrupted if timed_out => {
                        let t = task.timeout.unwrap_or_default().as_secs();
                        break (Status::TimedOut, Some(format!("no end after {t} s")));
                    }
                    TurnStatus::Interrupted => {
                        break (Status::Interrupted, Some("interrupted".into()));
                    }
                    TurnStatus::Failed(e) => e,
                }
            }
            Err(EngineError::Stopped(why)) => break (Status::Interrupted, Some(why)),
            Err(e) => e,
        };
        if attempt >= task.attempts || shared.stop.is_cancelled() {
            break (Status::Failed, Some(failure.to_string()));
        }
        let wait = match rate_limited(&failure) {
            true => (shared.backoff * 2u32.saturating_pow(attempt - 1)).min(MAX_BACKOFF),
            false => Duration::ZERO,
        };
        let _ = shared.tx.send(Report::Retrying {
            id: task.id.clone(),
            attempt: attempt + 1,
            wait,
            reason: failure.to_string(),
        });
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shared.stop.cancelled() => break (Status::Interrupted, Some(failure.to_string())),
        }
    };
    let changed = session.take_changes().await;
    let usage = session.total();
    let model = cfg.model.as_deref().unwrap_or_default();
    TaskResult {
        thread_id: session.thread_id().map(str::to_string),
        usage,
        cost_usd: shared.prices.estimate(
            model,
            usage.input_tokens,
            usage.cached_input_tokens,
            usage.output_tokens,
        ),
        changed_files: changed
            .map(|d| d.files.iter().map(|f| f.path.display()).collect())
            .unwrap_or_default(),
        final_message: last_message,
        attempts: attempt,
        ..ended(&task, status, reason, since)
    }
}

/// One turn of the task (resuming its thread after a failed try); whether its timeout hit.
async fn one_try(
    shared: &Shared,
    task: &Task,
    session: &mut Session,
) -> (Result<crate::engine::TurnOutcome, EngineError>, bool) {
    let cancel = shared.stop.child_token();
    let deadline = task.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut turn = match session.run(&task.prompt, cancel.clone()).await {
        Ok(t) => t,
        Err(e) => return (Err(e), false),
    };
    let mut timed_out = false;
    loop {
        tokio::select! {
            ev = turn.next() => match ev {
                Some(event) => {
                    let _ = shared.tx.send(Report::Event { id: task.id.clone(), event });
                }
                None => break,
            },
            _ = sleep_until(deadline), if !timed_out && deadline.is_some() => {
                timed_out = true;
                cancel.cancel();
            }
        }
    }
    (Ok(turn.finish().await), timed_out)
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

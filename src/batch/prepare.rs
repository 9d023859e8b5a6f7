//! From the command line to a batch: the task file read and checked, the out dir chosen, one
//! task picked by `--index`, the engine connected — what every front end of a batch (the
//! terminal's, the TUI's) starts from.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Batch;
use super::tasks::{self, Task};
use crate::cli::{BatchArgs, EXIT_FAILED, EXIT_USAGE};
use crate::config::Settings;

/// The first wait after a rate limit (it doubles with each try).
const BACKOFF: Duration = Duration::from_secs(2);

/// What the command line asked for.
pub enum Plan {
    /// `--emit`: manifests for these tasks, from this file.
    Emit {
        path: PathBuf,
        stem: String,
        tasks: Vec<Task>,
    },
    /// A batch to run (the engine connected: shut it down after).
    Run(Box<Batch>),
}

/// The task file's plan, or the exit code and what to say.
pub async fn prepare(args: &BatchArgs, settings: &Settings) -> Result<Plan, (i32, String)> {
    let path = args
        .tasks
        .clone()
        .ok_or((EXIT_USAGE, "name a task file (or --collect)".to_string()))?;
    let all = tasks::read(&path).map_err(|e| (EXIT_USAGE, e))?;
    let stem = path
        .file_stem()
        .map_or_else(|| "tasks".into(), |s| s.to_string_lossy().into_owned());
    if args.emit.is_some() {
        return Ok(Plan::Emit {
            path,
            stem,
            tasks: all,
        });
    }
    let out = crate::config::absolute(
        &args
            .out
            .clone()
            .unwrap_or_else(|| Path::new("batch-out").join(&stem)),
    );
    let (chosen, results_file) = match args.index {
        Some(i) => {
            let t = all.get(i).ok_or_else(|| {
                let n = all.len();
                (
                    EXIT_USAGE,
                    format!("--index {i}: the task file has {n} tasks (0 is the first)"),
                )
            })?;
            (vec![t.clone()], out.join(format!("results-{}.jsonl", t.id)))
        }
        None => (all, out.join("results.jsonl")),
    };
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(2, usize::from),
        usize::from,
    );
    let mut settings = settings.clone();
    settings.cwd = out.clone();
    let engine = crate::engine::connect(&settings)
        .await
        .map_err(|e| (EXIT_FAILED, e.to_string()))?;
    Ok(Plan::Run(Box::new(Batch {
        tasks: chosen,
        out,
        results_file,
        jobs,
        retry_failed: args.retry_failed,
        engine,
        prices: crate::agent::cost::PriceTable::new(&settings.prices),
        backoff: BACKOFF,
    })))
}

/// The summary to print and the exit code, once the batch is over: `order` the tasks it ran.
pub fn outcome(
    all: &std::collections::BTreeMap<String, super::results::TaskResult>,
    order: &[String],
) -> (String, i32) {
    let got: Vec<&super::results::TaskResult> = order.iter().filter_map(|id| all.get(id)).collect();
    let not_run = order.len() - got.len();
    let summary = super::results::summary(got.iter().copied(), not_run);
    let code = match (super::results::exit_code(got.iter().copied()), not_run) {
        (crate::cli::EXIT_OK, n) if n > 0 => crate::cli::EXIT_INTERRUPTED,
        (code, _) => code,
    };
    (summary, code)
}

//! The `batch` subcommand's arguments: a task file and how to run it — here (`--jobs`), one
//! task of it by index (a cluster's pod), as a Kubernetes Indexed Job (`--emit k8s`), or the
//! results of those pods merged (`--collect`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// What `--emit` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmitKind {
    /// A Kubernetes Indexed Job, the ConfigMap with the tasks, a Secret reference for the key.
    K8s,
}

#[derive(Debug, Clone, Args)]
pub struct BatchArgs {
    /// The task file: one JSON object per line, {id, prompt, cwd? | repo? (+ ref?), model?,
    /// sandbox?, effort?, timeout?, attempts?}.
    #[arg(required_unless_present = "collect")]
    pub tasks: Option<PathBuf>,
    /// Turns at once [default: the number of cores].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Where results.jsonl and the tasks' own folders go [default: ./batch-out/<TASKS name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// One event per line on stdout, each with a "task" field; results as task.finished.
    #[arg(long)]
    pub json: bool,
    /// Run again the tasks that failed or timed out last time (finished ones are skipped).
    #[arg(long)]
    pub retry_failed: bool,
    /// Watch it in the TUI: one read-only tab per running task, its events and files live.
    #[arg(long, conflicts_with_all = ["json", "index", "emit", "collect"])]
    pub tui: bool,
    /// Run only the task on this line (0 is the first), print its result line on stdout:
    /// what each pod of the Indexed Job does.
    #[arg(long, value_name = "N", env = "JOB_COMPLETION_INDEX", conflicts_with_all = ["emit", "collect"])]
    pub index: Option<usize>,
    /// Write manifests instead of running: a Kubernetes Indexed Job for the tasks.
    #[arg(long, value_name = "WHAT", conflicts_with = "collect")]
    pub emit: Option<EmitKind>,
    /// With --emit: the image the pods run.
    #[arg(
        long,
        value_name = "IMG",
        default_value = "codexmcp:latest",
        requires = "emit"
    )]
    pub image: String,
    /// With --emit: pods at once.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "emit")]
    pub parallelism: usize,
    /// With --emit: the namespace of the manifests.
    #[arg(long, value_name = "NS", requires = "emit")]
    pub namespace: Option<String>,
    /// With --emit: write the manifests to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE", requires = "emit")]
    pub emit_to: Option<PathBuf>,
    /// Merge result lines (from these files, or from stdin: `kubectl logs` output works) into
    /// results.jsonl in --out, and print the summary.
    #[arg(long, value_name = "FILE", num_args = 0..)]
    pub collect: Option<Vec<PathBuf>>,
}

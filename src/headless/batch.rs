//! `codexmcp batch`: the terminal's side of a batch (see [`crate::batch`]) — read the task
//! file, run it (or one task of it by `--index`, or write it as a Kubernetes Indexed Job, or
//! merge pods' results with `--collect`), show the progress, print the summary. Exit 0 when
//! every task is done, 1 when any failed or timed out, 2 on a usage error (a bad task file),
//! 130 when interrupted.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use super::batch_view::View;
use crate::batch::results::{self, TaskResult};
use crate::batch::{self as engine_batch, Batch, k8s, tasks};
use crate::cli::{BatchArgs, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::config::Settings;
use crate::engine::procs::Signals;

/// The first wait after a rate limit (it doubles with each try).
const BACKOFF: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn run(args: BatchArgs, settings: &Settings) -> i32 {
    if let Some(files) = &args.collect {
        return collect(files, args.out.as_deref());
    }
    let Some(path) = args.tasks.clone() else {
        eprintln!("codexmcp batch: name a task file (or --collect)");
        return EXIT_USAGE;
    };
    let all = match tasks::read(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("codexmcp batch: {e}");
            return EXIT_USAGE;
        }
    };
    let stem = path
        .file_stem()
        .map_or_else(|| "tasks".into(), |s| s.to_string_lossy().into_owned());
    if args.emit.is_some() {
        return emit(&args, &path, &stem, &all);
    }
    let out = crate::config::absolute(
        &args
            .out
            .clone()
            .unwrap_or_else(|| Path::new("batch-out").join(&stem)),
    );
    let (chosen, results_file) = match args.index {
        Some(i) => match all.get(i) {
            Some(t) => (vec![t.clone()], out.join(format!("results-{}.jsonl", t.id))),
            None => {
                eprintln!(
                    "codexmcp batch: --index {i}: the task file has {} tasks (0 is the first)",
                    all.len()
                );
                return EXIT_USAGE;
            }
        },
        None => (all, out.join("results.jsonl")),
    };
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(2, usize::from),
        usize::from,
    );
    let signals = Signals::watch();
    let mut settings = settings.clone();
    settings.cwd = out.clone();
    let engine = match crate::engine::connect(&settings).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("codexmcp batch: {e}");
            return EXIT_FAILED;
        }
    };
    let order: Vec<String> = chosen.iter().map(|t| t.id.clone()).collect();
    let batch = Batch {
        tasks: chosen,
        out,
        results_file,
        jobs,
        retry_failed: args.retry_failed,
        engine: engine.clone(),
        prices: crate::agent::cost::PriceTable::new(&settings.prices),
        backoff: BACKOFF,
    };
    let mut view = match (
        args.json,
        args.index.is_some(),
        std::io::stdout().is_terminal(),
    ) {
        (true, false, _) => View::json(),
        (_, true, _) => View::plain(true),
        (false, false, true) => View::bars(order.len()),
        (false, false, false) => View::plain(false),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = tokio::spawn(engine_batch::run(batch, tx, signals.token()));
    while let Some(report) = rx.recv().await {
        view.show(report);
        super::say_unsaved();
    }
    view.done();
    let ran = runner.await;
    engine.shutdown().await;
    let all = match ran {
        Ok(Ok(all)) => all,
        Ok(Err(e)) => {
            eprintln!("codexmcp batch: {e}");
            return EXIT_FAILED;
        }
        Err(e) => {
            eprintln!("codexmcp batch: {e}");
            return EXIT_FAILED;
        }
    };
    let got: Vec<&TaskResult> = order.iter().filter_map(|id| all.get(id)).collect();
    let not_run = order.len() - got.len();
    if args.index.is_some() {
        // The pod's one line, for `batch --collect` over `kubectl logs`.
        for r in &got {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
        }
    } else {
        let summary = results::summary(got.iter().copied(), not_run);
        match args.json {
            true => eprint!("{summary}"),
            false => print!("{summary}"),
        }
    }
    match (results::exit_code(got.iter().copied()), not_run) {
        (EXIT_OK, n) if n > 0 => crate::cli::EXIT_INTERRUPTED,
        (code, _) => code,
    }
}

/// `--emit k8s`: the manifests, to stdout or `-o FILE`.
fn emit(args: &BatchArgs, path: &Path, stem: &str, all: &[tasks::Task]) -> i32 {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("codexmcp batch: {}: {e}", path.display());
            return EXIT_FAILED;
        }
    };
    let made = k8s::manifests(&k8s::Emit {
        name: stem,
        text: &text,
        tasks: all,
        image: &args.image,
        parallelism: args.parallelism,
        namespace: args.namespace.as_deref(),
    });
    let yaml = match made {
        Ok(y) => y,
        Err(e) => {
            eprintln!("codexmcp batch --emit k8s: {e}");
            return EXIT_USAGE;
        }
    };
    match &args.emit_to {
        None => print!("{yaml}"),
        Some(file) => {
            if let Err(e) = std::fs::write(file, yaml) {
                eprintln!("codexmcp batch: {}: {e}", file.display());
                return EXIT_FAILED;
            }
        }
    }
    EXIT_OK
}

/// `--collect [FILE...]`: result lines (files, or stdin) merged into `OUT/results.jsonl`.
fn collect(files: &[PathBuf], out: Option<&Path>) -> i32 {
    let mut text = String::new();
    if files.is_empty()
        && let Err(e) = std::io::stdin().take(1 << 30).read_to_string(&mut text)
    {
        eprintln!("codexmcp batch --collect: stdin: {e}");
        return EXIT_FAILED;
    }
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(t) => {
                text.push_str(&t);
                text.push('\n');
            }
            Err(e) => {
                eprintln!("codexmcp batch --collect: {}: {e}", f.display());
                return EXIT_FAILED;
            }
        }
    }
    let out = out.map_or_else(|| PathBuf::from("batch-out/collected"), Path::to_path_buf);
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("codexmcp batch --collect: {}: {e}", out.display());
        return EXIT_FAILED;
    }
    let file = out.join("results.jsonl");
    let (mut all, _) = results::load(&file);
    let (found, skipped) = results::merge_lines(&text);
    if found.is_empty() {
        eprintln!("codexmcp batch --collect: no result lines in the input");
        return EXIT_FAILED;
    }
    all.extend(found);
    if let Err(e) = results::rewrite(&file, &all, &[]) {
        eprintln!("codexmcp batch --collect: {}: {e}", file.display());
        return EXIT_FAILED;
    }
    if skipped > 0 {
        eprintln!("codexmcp batch --collect: {skipped} lines were not result lines");
    }
    print!("{}", results::summary(all.values(), 0));
    println!("results: {}", file.display());
    results::exit_code(all.values())
}

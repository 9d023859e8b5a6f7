//! `codexmcp batch`: the terminal's side of a batch (see [`crate::batch`]) — read the task
//! file, run it (or one task of it by `--index`, or write it as a Kubernetes Indexed Job, or
//! merge pods' results with `--collect`), show the progress, print the summary. Exit 0 when
//! every task is done, 1 when any failed or timed out, 2 on a usage error (a bad task file),
//! 130 when interrupted.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use super::batch_view::View;
use crate::batch::results;
use crate::batch::{self as engine_batch, Plan, k8s, tasks};
use crate::cli::{BatchArgs, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::config::Settings;
use crate::engine::procs::Signals;

pub async fn run(args: BatchArgs, settings: &Settings) -> i32 {
    if let Some(files) = &args.collect {
        return collect(files, args.out.as_deref());
    }
    let signals = Signals::watch();
    let batch = match engine_batch::prepare(&args, settings).await {
        Ok(Plan::Run(b)) => b,
        Ok(Plan::Emit { path, stem, tasks }) => return emit(&args, &path, &stem, &tasks),
        Err((code, e)) => {
            eprintln!("codexmcp batch: {e}");
            return code;
        }
    };
    let engine = batch.engine.clone();
    let order: Vec<String> = batch.tasks.iter().map(|t| t.id.clone()).collect();
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
    let runner = tokio::spawn(engine_batch::run(*batch, tx, signals.token()));
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
    let (summary, code) = engine_batch::outcome(&all, &order);
    if args.index.is_some() {
        // The pod's one line, for `batch --collect` over `kubectl logs`.
        for r in order.iter().filter_map(|id| all.get(id)) {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
        }
    } else if args.json {
        eprint!("{summary}");
    } else {
        print!("{summary}");
    }
    code
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

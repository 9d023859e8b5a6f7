//! codexmcp: drive the OpenAI Codex CLI from a terminal.
//!
//! The binary is a thin shell over this library so that tests reach every layer. Imports
//! point down only (an architecture test in the suite keeps it so):
//!
//! - leaves: `text` (making untrusted text safe), `cli` (the command-line contract, its
//!   value sets, exit codes);
//! - `config` (settings resolved into plain data), `scripted_model` (the demo's model on
//!   127.0.0.1), `logging`, `skills` (SKILL.md discovery);
//! - `engine`: Codex only — find it, run turns on exec / app-server / MCP, normalize events,
//!   supervise processes and signals;
//! - `session`: one conversation — thread id, usage, policy, recorder, credential check;
//! - `agent`: the orchestrating model, whose tools run session turns;
//! - `present`: how an event reads, shared by the front ends;
//! - front ends: `tui`, `headless` (exec), `mcp_server`, `doctor`, `demo`.

pub mod agent;
pub mod batch;
pub mod cli;
pub mod config;
pub mod demo;
pub mod doctor;
pub mod engine;
pub mod headless;
pub mod logging;
pub mod mcp_server;
pub mod present;
pub mod scripted_model;
pub mod session;
pub mod skills;
pub mod text;
pub mod tui;

use cli::{Cli, Command};

static PROCESS_START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// When the process started (set first thing in `main`; for time-to-first-frame).
pub fn process_start() -> std::time::Instant {
    config::start_dir();
    *PROCESS_START.get_or_init(std::time::Instant::now)
}
use config::{FileConfig, Settings};

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let file = match FileConfig::load() {
        Ok(f) => f,
        // Generated from the definition alone: a broken config.toml must not block them.
        Err(_)
            if matches!(
                cli.command,
                Some(Command::Completions { .. } | Command::Man)
            ) =>
        {
            FileConfig::default()
        }
        Err(e) => {
            eprintln!("codexmcp: {e:#}");
            return cli::EXIT_USAGE;
        }
    };
    let settings = Settings::resolve(&cli.opts, &file);
    if cli.opts.include_ignored {
        config::set_include_ignored_flag();
    }
    match cli.command {
        Some(Command::Exec(args)) => {
            let req = headless::ExecRequest {
                prompt: args.prompt,
                resume: args.resume,
                json: args.json,
                images: args.images,
                plan: args.plan,
            };
            headless::run(req, &settings).await
        }
        Some(Command::Doctor { live }) => doctor::run(&settings, live).await,
        Some(Command::Sessions {
            action: Some(action),
            ..
        }) => session::manage_sessions(action),
        Some(Command::Sessions {
            json,
            search,
            prune,
            older_than,
            ..
        }) => match prune {
            true => session::prune_checkpoints(older_than),
            false => session::print_sessions(json, search.as_deref()),
        },
        Some(Command::Skills) => {
            let cwd = config::absolute(&settings.cwd);
            let _ = std::fs::create_dir_all(&cwd); // the default ./output may not exist yet
            skills::print_skills(&cwd, false)
        }
        Some(Command::Resume { thread_id }) => {
            let opts = tui::TuiOptions {
                resume: Some(thread_id),
                ..Default::default()
            };
            run_tui(&settings, &file, opts).await
        }
        Some(Command::Replay { file: path, speed }) => {
            let opts = tui::TuiOptions {
                replay: Some((path, speed)),
                ..Default::default()
            };
            run_tui(&settings, &file, opts).await
        }
        Some(Command::Demo(args)) => demo::run(&args, &settings).await,
        Some(Command::Fork {
            thread_id,
            turn,
            worktree,
            json,
            prompt,
        }) => {
            let to = worktree.as_deref();
            headless::threads::run(&thread_id, turn, to, prompt, json, &settings).await
        }
        Some(Command::Review {
            uncommitted: _,
            base,
            commit,
            thread,
            turn,
            json,
        }) => {
            let ask = headless::review::Ask {
                base,
                commit,
                thread,
                turn,
            };
            headless::review::run(ask, json, &settings).await
        }
        Some(Command::Compact { thread_id, json }) => {
            headless::threads::compact(&thread_id, json, &settings).await
        }
        Some(Command::Undo {
            thread_id,
            force,
            json,
        }) => headless::undo::run(&thread_id, false, force, json, &settings).await,
        Some(Command::Redo {
            thread_id,
            force,
            json,
        }) => headless::undo::run(&thread_id, true, force, json, &settings).await,
        Some(Command::Diff {
            thread_id,
            turn,
            stat,
        }) => headless::export::diff(&thread_id, turn, stat),
        Some(Command::Export {
            thread_id,
            format,
            output,
        }) => headless::export::run(&thread_id, format, output.as_deref(), &settings),
        Some(Command::Batch(args)) if args.tui => match batch::prepare(&args, &settings).await {
            Ok(batch::Plan::Run(b)) => {
                let mut settings = settings.clone();
                settings.cwd.clone_from(&b.out);
                let opts = tui::TuiOptions {
                    batch: Some(b),
                    ..Default::default()
                };
                run_tui(&settings, &file, opts).await
            }
            Ok(batch::Plan::Emit { .. }) => cli::EXIT_USAGE,
            Err((code, e)) => {
                eprintln!("codexmcp batch: {e}");
                code
            }
        },
        Some(Command::Batch(args)) => headless::batch::run(args, &settings).await,
        Some(Command::Completions { shell }) => cli::print_completions(shell),
        Some(Command::Man) => cli::print_man(),
        None => {
            let opts = tui::TuiOptions {
                prompt: cli.prompt,
                resume: cli.resume.map(Some),
                replay: None,
                demo: cli.demo,
                worktree: cli.worktree,
                restore: cli.restore,
                ..Default::default()
            };
            run_tui(&settings, &file, opts).await
        }
        Some(Command::McpServer(args)) => mcp_server::run(&settings, &args, &file.mcp_server).await,
    }
}

async fn run_tui(settings: &Settings, file: &FileConfig, opts: tui::TuiOptions) -> i32 {
    use std::io::IsTerminal;
    let keymap = match tui::keymap::Keymap::with_overrides(&file.keys) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("codexmcp: config.toml {e}");
            return cli::EXIT_USAGE;
        }
    };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!("codexmcp: the TUI needs a terminal; use `codexmcp exec PROMPT` for scripts");
        return cli::EXIT_USAGE;
    }
    let opts = tui::TuiOptions {
        theme: file.theme,
        ..opts
    };
    tui::run(settings, keymap, opts).await
}

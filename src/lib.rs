//! codexmcp: drive the OpenAI Codex CLI from a terminal.
//!
//! The binary is a thin shell over this library so that tests reach every layer: `engine`
//! (Codex processes and their events), `session` (persistence), and the front ends
//! (`headless`, `doctor`; the TUI and MCP server build on the same engine).

pub mod cli;
pub mod config;
pub mod doctor;
pub mod engine;
pub mod headless;
pub mod logging;
pub mod session;
pub mod text;

use cli::{Cli, Command};
use config::{FileConfig, Settings};

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let file = match FileConfig::load() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("codexmcp: {e:#}");
            return headless::EXIT_USAGE;
        }
    };
    let settings = Settings::resolve(&cli.opts, &file);
    match cli.command {
        Some(Command::Exec(args)) => {
            let req = headless::ExecRequest {
                prompt: args.prompt,
                resume: args.resume,
                json: args.json,
            };
            headless::run(req, &settings).await
        }
        Some(Command::Doctor) => doctor::run(&settings).await,
        Some(Command::Sessions { json }) => session::print_sessions(json),
        Some(Command::McpServer)
        | Some(Command::Skills)
        | Some(Command::Replay { .. })
        | Some(Command::Resume { .. })
        | None => {
            eprintln!(
                "codexmcp: this surface is not built yet in this version; use `codexmcp exec`, \
                 `codexmcp sessions` or `codexmcp doctor`"
            );
            headless::EXIT_USAGE
        }
    }
}

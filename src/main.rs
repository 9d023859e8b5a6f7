//! Entry point: parse the command line, start logging and the runtime, dispatch. Nothing else.

use clap::Parser;

fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some(codexmcp::engine::procs::GUARDIAN_ARG) {
        let parent = args.next().unwrap_or_default();
        std::process::exit(codexmcp::engine::procs::guardian_main(&parent));
    }
    codexmcp::engine::procs::enable_guardian();
    codexmcp::process_start();
    codexmcp::agent::install_tls();
    // `.env` first, so clap's `env = ...` options see its values (real variables still win).
    codexmcp::config::load_dotenv();
    let cli = codexmcp::cli::Cli::parse();
    let _log = codexmcp::logging::init();
    // `exec` is one turn: a single-threaded runtime hands each event from the reader to the
    // printer without waking another thread (a third of its CPU time went to wake-ups).
    let runtime = match &cli.command {
        Some(codexmcp::cli::Command::Exec(_)) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build();
    let code = match runtime {
        Ok(rt) => {
            let code = rt.block_on(codexmcp::run(cli));
            // Tasks still running are dropped now (their guards reap their processes), but a
            // blocking read of stdin (mcp-server's transport) would hold the exit forever.
            rt.shutdown_timeout(std::time::Duration::from_secs(2));
            code
        }
        Err(e) => {
            eprintln!("codexmcp: cannot start the async runtime: {e}");
            1
        }
    };
    drop(_log);
    std::process::exit(code);
}

//! Entry point: parse the command line, start logging and the runtime, dispatch. Nothing else.

fn main() {
    // Arguments are bytes: a path need not be UTF-8 (`args()` would panic on one).
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() == Some(std::ffi::OsStr::new(codexmcp::engine::procs::GUARDIAN_ARG)) {
        let parent = args.next().and_then(|a| a.into_string().ok());
        std::process::exit(codexmcp::engine::procs::guardian_main(
            &parent.unwrap_or_default(),
        ));
    }
    codexmcp::engine::procs::enable_guardian();
    codexmcp::process_start();
    codexmcp::agent::install_tls();
    // `.env` first, so clap's `env = ...` options see its values (real variables still win).
    codexmcp::config::load_dotenv();
    let cli = match codexmcp::cli::parse() {
        Ok(cli) => cli,
        Err(not_text) => {
            use std::os::unix::ffi::OsStrExt;
            let shown: Vec<String> = not_text
                .iter()
                .map(|a| format!("'{}'", codexmcp::text::bytes_literal(a.as_bytes())))
                .collect();
            eprintln!(
                "codexmcp: {} is not UTF-8, but must be text (a prompt, a thread id or a name; only paths may be any bytes)",
                shown.join(", ")
            );
            std::process::exit(codexmcp::cli::EXIT_USAGE);
        }
    };
    let _log = match codexmcp::logging::init() {
        Ok(guard) => Some(guard),
        Err(why) => {
            eprintln!(
                "codexmcp: the log file could not be written ({why}): codexmcp's own log and Codex's stderr are lost for this run"
            );
            None
        }
    };
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

//! The command line contract (DESIGN §1). Names here are fixed: users, scripts and tests rely
//! on them. Shared options are `Option`s without clap defaults so [`crate::config`] can apply
//! the documented precedence (flags > env > .env > config.toml > defaults) afterwards.

mod batch;
pub use batch::{BatchArgs, EmitKind};

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Exit codes of every subcommand: 0 done, 1 failed, 2 usage, 130 interrupted.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_INTERRUPTED: i32 = 130;

/// A closed set of words: the same spelling on the command line (clap), in `config.toml`
/// (serde: an unknown word is an error that lists the valid ones) and on the wire.
macro_rules! words {
    ($(#[$m:meta])* $name:ident ($noun:literal) { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[value(name = $s)] #[serde(rename = $s)] $var),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }

            /// The valid words, for error messages and schemas.
            pub fn names() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    format!("unknown {} {s:?}: expected one of {}", $noun, Self::names().join(", "))
                })
            }
        }
    };
}
pub(crate) use words;

words! {
    /// How codexmcp talks to Codex.
    BackendKind ("backend") {
        Exec = "exec",
        AppServer = "app-server",
        Mcp = "mcp",
    }
}

words! {
    /// Codex's sandbox modes.
    SandboxMode ("sandbox") {
        ReadOnly = "read-only",
        WorkspaceWrite = "workspace-write",
        DangerFullAccess = "danger-full-access",
    }
}

words! {
    /// When Codex asks before acting.
    ApprovalPolicy ("approval-policy") {
        Never = "never",
        OnRequest = "on-request",
        OnFailure = "on-failure",
        Untrusted = "untrusted",
    }
}

words! {
    /// Who answers app-server approval requests: a person (ask), or a fixed answer.
    ApprovalMode ("approvals") {
        Ask = "ask",
        Accept = "accept",
        Decline = "decline",
    }
}

words! {
    /// The orchestrating agent's API.
    AgentApi ("agent-api") {
        Responses = "responses",
        Chat = "chat",
    }
}

words! {
    /// What `codexmcp export` writes.
    ExportFormat ("format") {
        Md = "md",
        Json = "json",
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "codexmcp",
    version,
    about = "Drive the OpenAI Codex CLI from a terminal"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub opts: SharedOpts,
    /// Open the TUI on an existing thread.
    #[arg(long, value_name = "THREAD_ID")]
    pub resume: Option<String>,
    /// Start in a new git worktree (branch codexmcp/NAME) of the working dir's repository.
    #[arg(long, value_name = "NAME")]
    pub worktree: Option<String>,
    /// Reopen the sessions (tabs, threads, working dirs) open when the TUI last quit.
    #[arg(long, conflicts_with = "resume")]
    pub restore: bool,
    /// First message for the TUI.
    pub prompt: Option<String>,
    /// Set by `codexmcp demo` for its TUI: the status bar says it is the demo model.
    #[arg(long, hide = true)]
    pub demo: bool,
}

/// `codexmcp sessions rm|rename`.
#[derive(Debug, Subcommand)]
pub enum SessionsAction {
    /// Forget a stored thread: its record, transcript and checkpoints (Codex's own history
    /// of it stays).
    Rm { thread_id: String },
    /// Give a stored thread a new title.
    Rename { thread_id: String, title: String },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Headless one-shot turn: stream events to stdout, print the thread id.
    Exec(ExecArgs),
    /// Open the TUI on an existing thread (no id: pick one).
    Resume { thread_id: Option<String> },
    /// MCP server (stdio, or streamable HTTP with --listen): codex, codex-reply,
    /// codex-sessions, codex-diff, codex-undo, codex-redo, codex-fork, codex-review.
    McpServer(McpServerArgs),
    /// Many tasks at once from a JSONL task file (resumable; --index, --emit k8s, --collect).
    Batch(BatchArgs),
    /// List stored threads, newest first (or rename, or forget one).
    Sessions {
        #[command(subcommand)]
        action: Option<SessionsAction>,
        /// Print the records as JSON.
        #[arg(long)]
        json: bool,
        /// Only the threads whose title, id, folder or transcript contains TEXT (any case).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Remove the working-dir checkpoints of turns older than --older-than days (their
        /// diff and undo go with them), and every file content nothing refers to any more.
        #[arg(long)]
        prune: bool,
        /// With --prune: the age in days of the checkpoints to remove.
        #[arg(long, default_value_t = 30, requires = "prune")]
        older_than: u64,
    },
    /// Open the TUI on a recorded Codex JSONL stream.
    Replay {
        file: PathBuf,
        /// Playback speed: 2 is twice as fast, 0 as fast as possible.
        #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
        speed: f64,
    },
    /// List the skills `$name` can invoke.
    Skills,
    /// Check the Codex binary, auth, sandbox and skills; say how to fix each problem.
    Doctor {
        /// Also run one real turn end to end against the demo model (no key): Codex starts,
        /// the model answers, a command runs in the sandbox, a file is written.
        #[arg(long)]
        live: bool,
    },
    /// See it work without a key: the real Codex and TUI against a scripted model on
    /// 127.0.0.1, building a small game in ./demo-output.
    Demo(DemoArgs),
    /// Print what a stored turn changed in the working dir, as a unified diff.
    Diff {
        thread_id: String,
        /// Which turn with a checkpoint: 1 is the first, -1 (the default) the last.
        #[arg(long, allow_hyphen_values = true, default_value_t = -1)]
        turn: i64,
        /// Only the diffstat.
        #[arg(long)]
        stat: bool,
    },
    /// Fork a stored thread: a new thread with its turns up to turn N (the last by default).
    /// Prints the new thread id; given PROMPT, runs it on the fork.
    Fork {
        thread_id: String,
        /// The last turn the fork keeps: 1 is the first, -1 (the default) the last.
        #[arg(long, allow_hyphen_values = true)]
        turn: Option<i64>,
        /// Fork the files too: a new git worktree (branch codexmcp/NAME) holding them as they
        /// were after that turn, from the checkpoints; the fork works there.
        #[arg(long, value_name = "NAME")]
        worktree: Option<String>,
        /// Print `thread.forked` (and the prompt's events) as JSONL.
        #[arg(long)]
        json: bool,
        /// A prompt to run on the fork at once.
        prompt: Option<String>,
    },
    /// Codex's review mode: findings (title, file:line, priority, body) about a change — the
    /// working dir's uncommitted changes by default.
    Review {
        /// The working dir's staged, unstaged and untracked changes (the default).
        #[arg(long, conflicts_with_all = ["base", "commit", "thread"])]
        uncommitted: bool,
        /// The current branch against BRANCH.
        #[arg(long, value_name = "BRANCH", conflicts_with_all = ["commit", "thread"])]
        base: Option<String>,
        /// One commit.
        #[arg(long, value_name = "SHA", conflicts_with = "thread")]
        commit: Option<String>,
        /// What a turn of this stored thread changed (its checkpoint diff; no git needed).
        #[arg(long, value_name = "THREAD_ID")]
        thread: Option<String>,
        /// With --thread: which turn, 1 the first, -1 (the default) the last.
        #[arg(long, requires = "thread", allow_hyphen_values = true)]
        turn: Option<i64>,
        /// `review.finding` events and a `review.completed`, as JSONL.
        #[arg(long)]
        json: bool,
    },
    /// Compact a stored thread's context: Codex summarises the conversation so far, so the
    /// next turn starts from a shorter one.
    Compact {
        thread_id: String,
        /// Print the compaction's events as JSONL (ending with `thread.compacted`).
        #[arg(long)]
        json: bool,
    },
    /// Take a thread's last turn back: the files it changed, and its place in the
    /// conversation. Again walks back one more turn; `redo` puts it back.
    Undo {
        thread_id: String,
        /// Undo even files changed after the turn (that later work is lost).
        #[arg(long)]
        force: bool,
        /// Print a `turn.undone` event as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Put back what the last undo took away: the turn's files and the conversation, exactly.
    /// The thread id stays the same through any number of undos and redos.
    Redo {
        thread_id: String,
        /// Redo even files changed since the undo (that later work is lost).
        #[arg(long)]
        force: bool,
        /// Print a `turn.redone` event as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a stored thread as a Markdown transcript or as its normalized JSON.
    Export {
        thread_id: String,
        #[arg(long, value_enum, default_value = "md")]
        format: ExportFormat,
        /// Write to this file instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print a shell completion script: `source <(codexmcp completions bash)`.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff): `codexmcp man > codexmcp.1`.
    Man,
}

/// `--speed`: a finite number, 0 or more.
fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a speed: use a number like 0.5, 2 or 0 (as fast as possible)"
        )),
    }
}

/// What clients of `mcp-server` may ask for (also `[mcp_server]` in config.toml).
#[derive(Debug, Clone, Default, Args)]
pub struct McpServerArgs {
    /// The widest sandbox a client may ask for [default: workspace-write, or the server's own
    /// --sandbox if wider].
    #[arg(long, value_name = "MODE")]
    pub max_sandbox: Option<SandboxMode>,
    /// A directory clients may run Codex in, with everything below it; repeat for more
    /// [default: the server's working directory].
    #[arg(long = "allow-cwd", value_name = "DIR")]
    pub allow_cwd: Vec<PathBuf>,
    /// A `config` key clients may set (`a.b` allows `a.b` and `a.b.*`); repeat for more
    /// [default: the model and reasoning settings].
    #[arg(long = "allow-config", value_name = "KEY")]
    pub allow_config: Vec<String>,
    /// Serve MCP over streamable HTTP at http://HOST:PORT/mcp instead of stdio.
    #[arg(long, value_name = "HOST:PORT")]
    pub listen: Option<String>,
    /// With --listen: the environment variable holding the bearer token clients must send
    /// (required, on loopback too).
    #[arg(long, value_name = "NAME", requires = "listen")]
    pub token_env: Option<String>,
    /// With --listen on a non-loopback address: a host name clients reach it by (the Host
    /// header is checked); repeat for more.
    #[arg(long = "allow-host", value_name = "NAME", requires = "listen")]
    pub allow_host: Vec<String>,
    /// The tools to serve, comma-separated [default: all: codex, codex-reply,
    /// codex-sessions, codex-diff, codex-undo].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub tools: Vec<String>,
    /// Keep threads loaded in one shared app-server between calls: follow-ups about twice as
    /// fast, but while the server runs no other process (the TUI, `exec`, `codex resume`)
    /// can continue a thread it served.
    #[arg(long)]
    pub hold_threads: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Run one turn headless (`codexmcp exec`) instead of opening the TUI.
    #[arg(long)]
    pub exec: bool,
    /// With --exec: print the normalized JSONL events.
    #[arg(long, requires = "exec")]
    pub json: bool,
    /// The folder Codex works in.
    #[arg(long, default_value = "demo-output")]
    pub dir: PathBuf,
    /// The first prompt (the TUI: typed for you; --exec: the turn's prompt).
    pub prompt: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Print normalized events as JSONL (schema in the README).
    #[arg(long)]
    pub json: bool,
    /// Continue this thread instead of starting a new one.
    #[arg(long, value_name = "THREAD_ID")]
    pub resume: Option<String>,
    /// Attach an image to the prompt (PNG, JPEG, GIF or WebP, up to 20 MB); repeat for more.
    #[arg(short = 'i', long = "image", value_name = "FILE")]
    pub images: Vec<PathBuf>,
    /// Plan mode: Codex plans before it acts; the plan streams as `plan.updated` events
    /// (needs --backend app-server).
    #[arg(long)]
    pub plan: bool,
    /// The prompt; `-` or nothing reads it from stdin.
    pub prompt: Option<String>,
}

/// Options every surface shares. Each also has a `config.toml` key of the same name
/// (dashes as underscores).
#[derive(Debug, Args, Default, Clone)]
pub struct SharedOpts {
    /// Engine backend.
    #[arg(long, global = true)]
    pub backend: Option<BackendKind>,
    /// Route prompts through the orchestrating agent.
    #[arg(long, global = true, conflicts_with = "direct")]
    pub agent: bool,
    /// Send prompts straight to Codex.
    #[arg(long, global = true)]
    pub direct: bool,
    /// The Codex binary (default: project install, then PATH).
    #[arg(long, global = true, env = "CODEX_BIN", value_name = "PATH")]
    pub codex_bin: Option<PathBuf>,
    /// Codex's working directory (default ./output, created if missing).
    #[arg(
        short = 'C',
        long = "cd",
        global = true,
        env = "CODEXMCP_CD",
        value_name = "DIR"
    )]
    pub cd: Option<PathBuf>,
    /// Sandbox mode: read-only, workspace-write or danger-full-access.
    #[arg(short, long, global = true, env = "CODEX_SANDBOX_MODE")]
    pub sandbox: Option<SandboxMode>,
    /// Approval policy (exec always runs with `never`).
    #[arg(long, global = true)]
    pub approval_policy: Option<ApprovalPolicy>,
    /// App-server approval requests: ask (the TUI's default: a modal), accept, or decline
    /// (the default for exec and mcp-server).
    #[arg(long, global = true)]
    pub approvals: Option<ApprovalMode>,
    /// Codex model.
    #[arg(short, long, global = true)]
    pub model: Option<String>,
    /// Codex config override `key=value` (repeatable).
    #[arg(short = 'c', long = "config", global = true, value_name = "KEY=VALUE")]
    pub config: Vec<String>,
    /// Reasoning effort (minimal, low, medium, high, xhigh).
    #[arg(long, global = true)]
    pub reasoning_effort: Option<String>,
    /// Allow network access inside the workspace-write sandbox.
    #[arg(long, global = true)]
    pub network: bool,
    /// Model of the orchestrating agent.
    #[arg(long, global = true)]
    pub agent_model: Option<String>,
    /// Most tool-call rounds the agent may take per prompt (default 10).
    #[arg(long, global = true)]
    pub max_turns: Option<u32>,
    /// The agent's API: responses (default) or chat (Chat Completions).
    #[arg(long, global = true)]
    pub agent_api: Option<AgentApi>,
    /// Longest silence (seconds) allowed while the agent's model answers (default 300).
    #[arg(long, global = true, value_name = "SECS")]
    pub agent_timeout: Option<u64>,
    /// `--backend mcp`: the MCP server to run (default: `codex mcp-server` on Codex ≤ 0.153,
    /// else `codexmcp mcp-server`). Split on whitespace.
    #[arg(long, global = true, value_name = "COMMAND")]
    pub mcp_command: Option<String>,
    /// Stop a turn after this many seconds without output from Codex (default: off).
    #[arg(long, global = true, value_name = "SECS")]
    pub idle_timeout: Option<u64>,
    /// Checkpoint also what .gitignore / .ignore files ignore (default: by status only).
    #[arg(long, global = true)]
    pub include_ignored: bool,
}

/// The command line, parsed; a usage error exits 2 with clap's message. An argument that must
/// be text (a prompt, an id, a name) but is not UTF-8 comes back as `Err` with the arguments
/// to blame (paths may be any bytes and never get here), for the caller to name them.
pub fn parse() -> Result<Cli, Vec<std::ffi::OsString>> {
    use clap::Parser;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let err = match Cli::try_parse_from(&args) {
        Ok(cli) => return Ok(cli),
        Err(e) if e.kind() != clap::error::ErrorKind::InvalidUtf8 => e.exit(),
        Err(e) => e,
    };
    let not_text: Vec<usize> = (1..args.len())
        .filter(|&i| args[i].to_str().is_none())
        .collect();
    // The one whose replacement by text makes the complaint go away, if just one does.
    let culprits: Vec<usize> = not_text
        .iter()
        .copied()
        .filter(|&i| {
            let mut tried = args.clone();
            tried[i] = args[i].to_string_lossy().into_owned().into();
            !matches!(Cli::try_parse_from(&tried), Err(e) if e.kind() == err.kind())
        })
        .collect();
    let named = if culprits.is_empty() {
        not_text
    } else {
        culprits
    };
    Err(named.into_iter().map(|i| args[i].clone()).collect())
}

/// `codexmcp completions SHELL`: the completion script, generated from this very definition.
pub fn print_completions(shell: clap_complete::Shell) -> i32 {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "codexmcp", &mut std::io::stdout());
    EXIT_OK
}

/// `codexmcp man`: the man page in roff, generated from this very definition.
pub fn print_man() -> i32 {
    use clap::CommandFactory;
    match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("codexmcp man: {e}");
            EXIT_FAILED
        }
    }
}

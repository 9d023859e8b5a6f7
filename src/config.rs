//! Resolved configuration: flags > environment > `.env` > `config.toml` > defaults.
//!
//! clap already merges flags with the environment (`.env` is loaded into the environment
//! first, without overriding real variables, so it ranks below them). What clap left unset is
//! taken from `config.toml` in the platform config dir, then from the production defaults of
//! the proof of concept: cwd `./output`, sandbox `workspace-write`, approval policy `never`.
//!
//! This module only resolves: it turns flags, files and the environment into plain data
//! ([`Settings`]) and builds nothing. `engine::connect` starts a backend from it; the agent
//! reads its own part. Everything above may import it; it imports only the CLI contract.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use directories::ProjectDirs;
use serde::Deserialize;

use crate::cli::{AgentApi, ApprovalMode, ApprovalPolicy, BackendKind, SandboxMode, SharedOpts};

pub const DEFAULT_SANDBOX: SandboxMode = SandboxMode::WorkspaceWrite;
pub const DEFAULT_APPROVAL: ApprovalPolicy = ApprovalPolicy::Never;
pub const DEFAULT_CWD: &str = "output";
/// The orchestrating agent's defaults.
pub const DEFAULT_AGENT_MODEL: &str = "gpt-5.5";
pub const DEFAULT_AGENT_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_MAX_TURNS: u32 = 10;

pub fn project_dirs() -> Result<ProjectDirs> {
    ProjectDirs::from("dev", "codexmcp", "codexmcp")
        .context("no home directory: set HOME so codexmcp can find its data and config dirs")
}

/// A model's price in US$ per 1M tokens (`[prices."model"]` in config.toml).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Price {
    pub input: f64,
    #[serde(default)]
    pub cached_input: Option<f64>,
    pub output: f64,
}

/// `config.toml`: every shared option by the same name (dashes as underscores).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub backend: Option<BackendKind>,
    pub agent: Option<bool>,
    pub codex_bin: Option<PathBuf>,
    pub cd: Option<PathBuf>,
    pub sandbox: Option<SandboxMode>,
    pub approval_policy: Option<ApprovalPolicy>,
    pub model: Option<String>,
    pub config: Vec<String>,
    pub reasoning_effort: Option<String>,
    pub network: Option<bool>,
    pub agent_model: Option<String>,
    pub agent_api: Option<AgentApi>,
    pub agent_base_url: Option<String>,
    pub agent_timeout: Option<u64>,
    pub mcp_command: Option<String>,
    pub approvals: Option<ApprovalMode>,
    pub max_turns: Option<u32>,
    pub idle_timeout: Option<u64>,
    /// `[prices."model"]`: dollar estimates per 1M tokens.
    pub prices: std::collections::BTreeMap<String, Price>,
    /// `[keys]`: action name → key list, e.g. `send = ["enter"]`.
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
    /// `[mcp_server]`: what clients of `codexmcp mcp-server` may ask for.
    pub mcp_server: McpServerFile,
    /// Files bigger than this many MiB are checkpointed by size and time only.
    pub checkpoint_max_file_mb: Option<u64>,
    /// `[checkpoints]`: what the working dir's checkpoints record.
    pub checkpoints: CheckpointsFile,
    /// How the TUI announces a turn that ends (or asks) out of sight.
    pub notify: Option<NotifyMode>,
    /// A program run with one JSON argument when that happens (like Codex's `notify`).
    pub notify_command: Option<Vec<String>>,
    /// The models `/model` offers when Codex cannot list them (not on the app-server).
    pub models: Vec<String>,
    /// The TUI's colours: `auto` (the terminal's background), `dark` or `light`.
    pub theme: ThemeChoice,
}

/// `theme` in config.toml. `NO_COLOR` overrides every choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    #[default]
    Auto,
    Dark,
    Light,
}

/// `notify` in config.toml: how a turn that ends or needs approval out of sight is announced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyMode {
    /// The terminal bell.
    #[default]
    Bell,
    /// A desktop notification by OSC 9 (iTerm2, WezTerm, kitty, Windows Terminal, foot…).
    Osc9,
    /// A desktop notification by OSC 777 (rxvt-unicode, VTE terminals).
    Osc777,
    Off,
}

/// `[checkpoints]` in config.toml.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckpointsFile {
    /// Record what `.gitignore` / `.ignore` files ignore too (default: by status only).
    pub include_ignored: Option<bool>,
}

/// `[mcp_server]` in config.toml: the same limits as `mcp-server`'s flags (flags win).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct McpServerFile {
    pub max_sandbox: Option<SandboxMode>,
    pub allow_cwd: Vec<PathBuf>,
    pub allow_config: Vec<String>,
    /// The tools to serve (default: all).
    pub tools: Vec<String>,
    /// Keep threads loaded between calls (`--hold-threads`).
    pub hold_threads: Option<bool>,
}

impl FileConfig {
    /// `$CODEXMCP_CONFIG`, else `config.toml` in the platform config dir. Missing is fine;
    /// a broken file is an error that names the file.
    pub fn load() -> Result<Self> {
        let path = match std::env::var_os("CODEXMCP_CONFIG") {
            Some(p) => PathBuf::from(p),
            None => match project_dirs() {
                Ok(d) => d.config_dir().join("config.toml"),
                Err(_) => return Ok(Self::default()),
            },
        };
        Self::load_from(&path)
    }

    pub fn load_from(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("invalid {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

/// The biggest file a checkpoint keeps the content of, in bytes:
/// `$CODEXMCP_CHECKPOINT_MAX_FILE_MB`, else `checkpoint_max_file_mb` in config.toml, else
/// 16 MiB. A value that is not a whole number of MiB is an error naming where it came from.
/// Resolved once per process: every session (each tab, each server call) asks.
pub fn checkpoint_max_file() -> Result<u64> {
    static LIMIT: std::sync::OnceLock<std::result::Result<u64, String>> =
        std::sync::OnceLock::new();
    LIMIT
        .get_or_init(|| {
            const VAR: &str = "CODEXMCP_CHECKPOINT_MAX_FILE_MB";
            let mb = match std::env::var(VAR) {
                Ok(v) => v
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{VAR}={v:?}: expected a whole number of MiB, e.g. 16"))?,
                Err(_) => FileConfig::load()
                    .map_err(|e| format!("{e:#}"))?
                    .checkpoint_max_file_mb
                    .unwrap_or(DEFAULT_CHECKPOINT_MAX_FILE_MB),
            };
            Ok(mb.saturating_mul(1024 * 1024))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

pub const DEFAULT_CHECKPOINT_MAX_FILE_MB: u64 = 16;

static INCLUDE_IGNORED_FLAG: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// `--include-ignored` was given (set once, at start).
pub fn set_include_ignored_flag() {
    INCLUDE_IGNORED_FLAG.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether checkpoints record what ignore files ignore: `--include-ignored`, else
/// `$CODEXMCP_CHECKPOINT_INCLUDE_IGNORED=1`, else `[checkpoints] include_ignored` in
/// config.toml, else no. Resolved once per process.
pub fn checkpoint_include_ignored() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    INCLUDE_IGNORED_FLAG.load(std::sync::atomic::Ordering::Relaxed)
        || *ON.get_or_init(
            || match std::env::var("CODEXMCP_CHECKPOINT_INCLUDE_IGNORED") {
                Ok(v) => matches!(v.trim(), "1" | "true" | "yes"),
                Err(_) => FileConfig::load()
                    .ok()
                    .and_then(|f| f.checkpoints.include_ignored)
                    .unwrap_or(false),
            },
        )
}

/// Loads `.env` from the current directory — only there, never from a parent — into the
/// environment (real variables win). A `.env` planted higher up (in a folder Codex could write
/// to) cannot redirect the key this way.
pub fn load_dotenv() {
    let Ok(cwd) = std::env::current_dir() else {
        return;
    };
    if let Some(codex_dir) = codex_dir_hint().map(|d| absolute(&d))
        && cwd.starts_with(&codex_dir)
    {
        tracing::warn!(
            "not reading .env: {} is inside Codex's working dir {}, which Codex can write",
            cwd.display(),
            codex_dir.display()
        );
        return;
    }
    let path = cwd.join(".env");
    match dotenvy::from_path(&path) {
        Ok(()) => tracing::info!("loaded {}", path.display()),
        Err(e) if e.not_found() => {}
        Err(e) => tracing::warn!(".env ignored: {e}"),
    }
}

/// The settings every front end uses: plain data, resolved once.
#[derive(Debug, Clone)]
pub struct Settings {
    pub backend: BackendKind,
    /// The backend was chosen (flag or config.toml), not defaulted.
    pub backend_set: bool,
    pub codex_bin: Option<PathBuf>,
    pub cwd: PathBuf,
    pub sandbox: SandboxMode,
    /// The sandbox was chosen (flag, environment or config.toml), not defaulted.
    pub sandbox_set: bool,
    pub approval_policy: ApprovalPolicy,
    pub model: Option<String>,
    pub overrides: Vec<String>,
    pub reasoning_effort: Option<String>,
    pub network: bool,
    pub idle_timeout: Option<Duration>,
    /// `Some(true)`: --agent (or `agent = true`); `Some(false)`: --direct; `None`: the front
    /// end's default (the TUI uses the agent when an endpoint is configured).
    pub agent: Option<bool>,
    pub agent_model: String,
    pub agent_api: AgentApi,
    pub agent_base_url: Option<String>,
    pub agent_timeout: Duration,
    pub max_turns: u32,
    /// `[prices]` from config.toml (layered over the shipped defaults by the agent).
    pub prices: std::collections::BTreeMap<String, Price>,
    pub mcp_command: Option<String>,
    /// How app-server approval requests are answered; `None`: the front end's default (the
    /// TUI asks, everything else declines).
    pub approvals: Option<ApprovalMode>,
    pub notify: NotifyMode,
    pub notify_command: Vec<String>,
    pub models: Vec<String>,
}

impl Settings {
    pub fn resolve(opts: &SharedOpts, file: &FileConfig) -> Self {
        let mut overrides = file.config.clone();
        overrides.extend(opts.config.iter().cloned());
        Self {
            backend: pick(&opts.backend, &file.backend).unwrap_or(BackendKind::Exec),
            backend_set: opts.backend.is_some() || file.backend.is_some(),
            codex_bin: pick(&opts.codex_bin, &file.codex_bin),
            cwd: pick(&opts.cd, &file.cd).unwrap_or_else(|| PathBuf::from(DEFAULT_CWD)),
            sandbox: pick(&opts.sandbox, &file.sandbox).unwrap_or(DEFAULT_SANDBOX),
            sandbox_set: opts.sandbox.is_some() || file.sandbox.is_some(),
            approval_policy: pick(&opts.approval_policy, &file.approval_policy)
                .unwrap_or(DEFAULT_APPROVAL),
            model: pick(&opts.model, &file.model),
            overrides,
            reasoning_effort: pick(&opts.reasoning_effort, &file.reasoning_effort),
            network: opts.network || file.network.unwrap_or(false),
            idle_timeout: opts
                .idle_timeout
                .or(file.idle_timeout)
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
            agent: if opts.direct {
                Some(false)
            } else if opts.agent {
                Some(true)
            } else {
                file.agent
            },
            agent_model: pick(&opts.agent_model, &file.agent_model)
                .unwrap_or_else(|| DEFAULT_AGENT_MODEL.into()),
            agent_api: pick(&opts.agent_api, &file.agent_api).unwrap_or(AgentApi::Responses),
            agent_base_url: file.agent_base_url.clone(),
            agent_timeout: Duration::from_secs(
                opts.agent_timeout
                    .or(file.agent_timeout)
                    .unwrap_or(300)
                    .max(1),
            ),
            max_turns: opts
                .max_turns
                .or(file.max_turns)
                .unwrap_or(DEFAULT_MAX_TURNS)
                .max(1),
            prices: file.prices.clone(),
            mcp_command: opts
                .mcp_command
                .clone()
                .or_else(|| file.mcp_command.clone()),
            approvals: pick(&opts.approvals, &file.approvals),
            notify: file.notify.unwrap_or_default(),
            notify_command: file.notify_command.clone().unwrap_or_default(),
            models: file.models.clone(),
        }
    }

    /// The agent's endpoint: `OPENAI_BASE_URL`, else `agent_base_url` in config.toml, else
    /// OpenAI's.
    pub fn agent_base_url(&self) -> String {
        env_value("OPENAI_BASE_URL")
            .or_else(|| self.agent_base_url.clone())
            .unwrap_or_else(|| DEFAULT_AGENT_BASE_URL.into())
            .trim_end_matches('/')
            .to_string()
    }

    /// Codex's working directory as an absolute path.
    pub fn absolute_cwd(&self) -> PathBuf {
        absolute(&self.cwd)
    }
}

fn pick<T: Clone>(flag: &Option<T>, file: &Option<T>) -> Option<T> {
    flag.clone().or_else(|| file.clone())
}

/// Codex's working dir as named before the command line is parsed (`-C`/`--cd` or
/// `CODEXMCP_CD`); `None` for the default `./output`, which never contains the cwd.
fn codex_dir_hint() -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    // Any bytes: a path need not be UTF-8 (and this runs before clap says what is wrong).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let flag = args.iter().enumerate().find_map(|(i, a)| {
        if a == "-C" || a == "--cd" {
            args.get(i + 1).map(PathBuf::from)
        } else {
            a.as_bytes()
                .strip_prefix(b"--cd=")
                .map(|p| PathBuf::from(std::ffi::OsStr::from_bytes(p)))
        }
    });
    flag.or_else(|| env_value("CODEXMCP_CD").map(PathBuf::from))
}

/// An environment variable that is set to something other than blanks.
pub fn env_value(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

/// The directory the user started codexmcp in (codexmcp never changes its own): the place
/// a repository is looked for (DESIGN §8, rule 5), never a folder Codex chose.
pub fn start_dir() -> &'static Path {
    static START: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    START.get_or_init(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")))
}

pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// The directory Codex uses for config, auth, sessions and skills.
pub fn codex_home() -> Option<PathBuf> {
    std::env::var_os("CODEX_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".codex")))
}

/// Extra environment for the Codex child: Codex ignores `OPENAI_API_KEY` and reads
/// `CODEX_API_KEY`, so the key is passed on under that name when only the former is set.
pub fn child_env() -> Vec<(String, String)> {
    match (env_value("CODEX_API_KEY"), env_value("OPENAI_API_KEY")) {
        (None, Some(key)) => vec![("CODEX_API_KEY".into(), key)],
        _ => Vec::new(),
    }
}

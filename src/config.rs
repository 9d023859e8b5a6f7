//! Resolved configuration: flags > environment > `.env` > `config.toml` > defaults.
//!
//! clap already merges flags with the environment (`.env` is loaded into the environment
//! first, without overriding real variables, so it ranks below them). What clap left unset is
//! taken from `config.toml` in the platform config dir, then from the production defaults of
//! the proof of concept: cwd `./output`, sandbox `workspace-write`, approval policy `never`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use directories::ProjectDirs;
use serde::Deserialize;

use crate::cli::SharedOpts;
use crate::engine::{EngineConfig, locate};

pub const DEFAULT_SANDBOX: &str = "workspace-write";
pub const DEFAULT_APPROVAL: &str = "never";
pub const DEFAULT_CWD: &str = "output";

pub fn project_dirs() -> Result<ProjectDirs> {
    ProjectDirs::from("dev", "codexmcp", "codexmcp")
        .context("no home directory: set HOME so codexmcp can find its data and config dirs")
}

/// `config.toml`: every shared option by the same name (dashes as underscores).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct FileConfig {
    pub backend: Option<String>,
    pub agent: Option<bool>,
    pub codex_bin: Option<PathBuf>,
    pub cd: Option<PathBuf>,
    pub sandbox: Option<String>,
    pub approval_policy: Option<String>,
    pub model: Option<String>,
    pub config: Vec<String>,
    pub reasoning_effort: Option<String>,
    pub network: Option<bool>,
    pub agent_model: Option<String>,
    pub agent_api: Option<String>,
    pub agent_base_url: Option<String>,
    pub agent_timeout: Option<u64>,
    pub mcp_command: Option<String>,
    pub approvals: Option<String>,
    pub max_turns: Option<u32>,
    pub idle_timeout: Option<u64>,
    /// `[prices."model"]`: dollar estimates per 1M tokens.
    pub prices: std::collections::BTreeMap<String, crate::agent::cost::Price>,
    /// `[keys]`: action name → key list, e.g. `send = ["enter"]`.
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
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

/// Loads `.env` from the current directory into the environment (real variables win).
pub fn load_dotenv() {
    match dotenvy::dotenv() {
        Ok(path) => tracing::info!("loaded {}", path.display()),
        Err(e) if e.not_found() => {}
        Err(e) => tracing::warn!(".env ignored: {e}"),
    }
}

/// The settings every front end uses.
#[derive(Debug, Clone)]
pub struct Settings {
    pub backend: String,
    pub codex_bin: Option<PathBuf>,
    pub cwd: PathBuf,
    pub sandbox: String,
    pub approval_policy: String,
    pub model: Option<String>,
    pub overrides: Vec<String>,
    pub reasoning_effort: Option<String>,
    pub network: bool,
    pub idle_timeout: Option<Duration>,
    /// `Some(true)`: --agent (or `agent = true`); `Some(false)`: --direct; `None`: the front
    /// end's default (the TUI uses the agent when an endpoint is configured).
    pub agent: Option<bool>,
    pub agent_model: String,
    pub agent_api: String,
    pub agent_base_url: Option<String>,
    pub agent_timeout: Duration,
    pub max_turns: u32,
    pub prices: crate::agent::cost::PriceTable,
    pub mcp_command: Option<String>,
    /// How app-server approval requests are answered; `None`: the front end's default (the
    /// TUI asks, everything else declines).
    pub approvals: Option<crate::engine::app_turn::ApprovalMode>,
}

impl Settings {
    pub fn resolve(opts: &SharedOpts, file: &FileConfig) -> Self {
        let mut overrides = file.config.clone();
        overrides.extend(opts.config.iter().cloned());
        Self {
            backend: pick(&opts.backend, &file.backend).unwrap_or_else(|| "exec".into()),
            codex_bin: pick(&opts.codex_bin, &file.codex_bin),
            cwd: pick(&opts.cd, &file.cd).unwrap_or_else(|| PathBuf::from(DEFAULT_CWD)),
            sandbox: pick(&opts.sandbox, &file.sandbox).unwrap_or_else(|| DEFAULT_SANDBOX.into()),
            approval_policy: pick(&opts.approval_policy, &file.approval_policy)
                .unwrap_or_else(|| DEFAULT_APPROVAL.into()),
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
                .unwrap_or_else(|| crate::agent::DEFAULT_MODEL.into()),
            agent_api: pick(&opts.agent_api, &file.agent_api).unwrap_or_else(|| "responses".into()),
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
                .unwrap_or(crate::agent::DEFAULT_MAX_TURNS)
                .max(1),
            prices: crate::agent::cost::PriceTable::new(&file.prices),
            mcp_command: opts
                .mcp_command
                .clone()
                .or_else(|| file.mcp_command.clone()),
            approvals: pick(&opts.approvals, &file.approvals).map(|a| match a.as_str() {
                "accept" => crate::engine::app_turn::ApprovalMode::Accept,
                "ask" => crate::engine::app_turn::ApprovalMode::Ask,
                _ => crate::engine::app_turn::ApprovalMode::Decline,
            }),
        }
    }

    /// Is an agent endpoint configured (a key in the environment)?
    pub fn agent_configured(&self) -> bool {
        std::env::var("OPENAI_API_KEY").is_ok_and(|k| !k.trim().is_empty())
    }

    /// The agent's settings: endpoint from `OPENAI_BASE_URL` (else `agent_base_url` in
    /// config.toml, else OpenAI), key from `OPENAI_API_KEY`.
    pub fn agent_settings(&self) -> Result<crate::agent::AgentSettings, crate::agent::AgentError> {
        use crate::agent::{AgentError, AgentSettings, Api};
        let key = std::env::var("OPENAI_API_KEY").ok().filter(|k| !k.trim().is_empty()).ok_or_else(|| {
            AgentError::Config("the agent needs OPENAI_API_KEY (in the environment or .env); use --direct to talk to Codex without it".into())
        })?;
        let base_url = std::env::var("OPENAI_BASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .or_else(|| self.agent_base_url.clone())
            .unwrap_or_else(|| crate::agent::DEFAULT_BASE_URL.into());
        Ok(AgentSettings {
            api: if self.agent_api == "chat" {
                Api::Chat
            } else {
                Api::Responses
            },
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: key,
            model: self.agent_model.clone(),
            max_turns: self.max_turns,
            request_timeout: self.agent_timeout,
        })
    }

    /// Finds Codex and builds the engine configuration (creates the working dir).
    pub async fn engine(&self) -> Result<EngineConfig, crate::engine::EngineError> {
        let codex = locate::locate(self.codex_bin.as_deref()).await?;
        let cwd = absolute(&self.cwd);
        std::fs::create_dir_all(&cwd).map_err(|e| {
            crate::engine::EngineError::Spawn(format!("cannot create {}: {e}", cwd.display()))
        })?;
        let env = child_env();
        let mcp = match self.backend.as_str() {
            "mcp" => Some(std::sync::Arc::new(self.start_mcp(&codex, &env).await?)),
            _ => None,
        };
        let mut config = EngineConfig {
            mcp,
            app_server: None,
            approvals: self.approvals.clone().unwrap_or_default(),
            notice: None,
            codex,
            cwd,
            sandbox: self.sandbox.clone(),
            approval_policy: self.approval_policy.clone(),
            model: self.model.clone(),
            reasoning_effort: self.reasoning_effort.clone(),
            network: self.network,
            overrides: self.overrides.clone(),
            idle_timeout: self.idle_timeout,
            env,
        };
        if self.backend == "app-server" {
            // Capability probe: start it now; a Codex without a usable app-server falls back
            // to exec, and the front end says so.
            let backend = std::sync::Arc::new(crate::engine::app_server::Backend::default());
            match backend.get(&config).await {
                Ok(_) => config.app_server = Some(backend),
                Err(e) => {
                    tracing::warn!("app-server unavailable, falling back to exec: {e}");
                    config.notice = Some(format!(
                        "`codex app-server` is not usable here ({e}); using the exec backend"
                    ));
                }
            }
        }
        Ok(config)
    }

    /// The MCP server for `--backend mcp`. The version gate is explicit: `codex mcp-server`
    /// only on a Codex that still has it (≤ 0.153), else codexmcp's own server.
    async fn start_mcp(
        &self,
        codex: &locate::CodexBinary,
        env: &[(String, String)],
    ) -> Result<crate::mcp::client::McpClient, crate::engine::EngineError> {
        let command: Vec<String> = match &self.mcp_command {
            Some(c) => c.split_whitespace().map(str::to_string).collect(),
            None if codex.has_mcp_server() => {
                vec![codex.path.display().to_string(), "mcp-server".into()]
            }
            None => {
                let me = std::env::current_exe()
                    .map_err(|e| crate::engine::EngineError::Spawn(e.to_string()))?;
                vec![
                    me.display().to_string(),
                    "mcp-server".into(),
                    "--codex-bin".into(),
                    codex.path.display().to_string(),
                ]
            }
        };
        tracing::info!(?command, "starting the MCP backend");
        crate::mcp::client::McpClient::start(command, env).await
    }
}

fn pick<T: Clone>(flag: &Option<T>, file: &Option<T>) -> Option<T> {
    flag.clone().or_else(|| file.clone())
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

/// Extra environment for the Codex child: Codex ignores `OPENAI_API_KEY` and reads
/// `CODEX_API_KEY`, so the key is passed on under that name when only the former is set.
pub fn child_env() -> Vec<(String, String)> {
    let set = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    match (set("CODEX_API_KEY"), set("OPENAI_API_KEY")) {
        (None, Some(key)) => vec![("CODEX_API_KEY".into(), key)],
        _ => Vec::new(),
    }
}

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
    pub max_turns: Option<u32>,
    pub idle_timeout: Option<u64>,
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
        }
    }

    /// Finds Codex and builds the engine configuration (creates the working dir).
    pub async fn engine(&self) -> Result<EngineConfig, crate::engine::EngineError> {
        let codex = locate::locate(self.codex_bin.as_deref()).await?;
        let cwd = absolute(&self.cwd);
        std::fs::create_dir_all(&cwd).map_err(|e| {
            crate::engine::EngineError::Spawn(format!("cannot create {}: {e}", cwd.display()))
        })?;
        Ok(EngineConfig {
            codex,
            cwd,
            sandbox: self.sandbox.clone(),
            approval_policy: self.approval_policy.clone(),
            model: self.model.clone(),
            reasoning_effort: self.reasoning_effort.clone(),
            network: self.network,
            overrides: self.overrides.clone(),
            idle_timeout: self.idle_timeout,
            env: child_env(),
        })
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

//! What a client of `mcp-server` may ask for: the deployer's limits.
//!
//! An MCP client is a program someone else wrote, often driven by a model that reads
//! untrusted text. Left unchecked, its `codex` call could ask for `danger-full-access`, run
//! Codex in `/`, or set `config` keys that run commands outside any sandbox (`notify`,
//! `mcp_servers.*`) or send the conversation elsewhere (`model_providers.*.base_url`). The
//! deployer sets the widest sandbox, the directories a call may run in, and the `config` keys a
//! call may set (flags of `mcp-server` or `[mcp_server]` in config.toml); a call beyond them is
//! refused with a message that says which limit and how to lift it.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::cli::{McpServerArgs, SandboxMode};
use crate::config::{McpServerFile, Settings};

/// `config` keys a client may set unless the deployer says otherwise: the model and how it
/// reasons and reports — nothing that widens what commands may do or where data goes.
pub const DEFAULT_CONFIG_KEYS: &[&str] = &[
    "model",
    "model_reasoning_effort",
    "model_reasoning_summary",
    "model_verbosity",
    "hide_agent_reasoning",
    "show_raw_agent_reasoning",
];

/// What the `codex` tool's own arguments set (`base-instructions`, ...): a client may.
pub const ARGUMENT_KEYS: &[&str] = &[
    "base_instructions",
    "developer_instructions",
    "compact_prompt",
];

/// Nested `config` objects deeper than this are refused (they only ever come from a hostile
/// or broken client).
const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub max_sandbox: SandboxMode,
    /// Directories (and everything below) a call may run in, as real paths.
    pub cwd_roots: Vec<PathBuf>,
    /// Allowed `config` keys; `a.b` allows `a.b` and `a.b.*`, `*` allows any.
    pub config_keys: Vec<String>,
    /// The deployer's own `-c` overrides: a stored thread may carry them.
    pub own_overrides: Vec<String>,
    /// The sandbox a call runs with when it names none.
    pub default_sandbox: SandboxMode,
}

impl Limits {
    /// Flags win over `[mcp_server]`, which wins over the defaults. Without an explicit
    /// limit, the server's own settings are within it (its sandbox widens the default
    /// maximum, its working dir is a root); an explicit `--max-sandbox` / `--allow-cwd` is a
    /// hard limit that `-s` / `-C` never widen: calls then default to the widest sandbox
    /// within it, and an explicit `-s` beyond it is refused here, at start-up.
    pub fn resolve(
        args: &McpServerArgs,
        file: &McpServerFile,
        settings: &Settings,
    ) -> Result<Self, String> {
        let explicit = args.max_sandbox.or(file.max_sandbox);
        let (max_sandbox, default_sandbox) = match explicit {
            Some(max) if settings.sandbox_set && rank(settings.sandbox) > rank(max) => {
                return Err(format!(
                    "--sandbox {} is wider than --max-sandbox {max}: a client could not be held to the limit; lower one or lift the other",
                    settings.sandbox
                ));
            }
            Some(max) if settings.sandbox_set => (max, settings.sandbox),
            Some(max) => (max, narrowest(settings.sandbox, max)),
            None => (
                widest(SandboxMode::WorkspaceWrite, settings.sandbox),
                settings.sandbox,
            ),
        };
        let pick =
            |a: &Vec<PathBuf>, f: &Vec<PathBuf>| if a.is_empty() { f.clone() } else { a.clone() };
        let mut cwd_roots = pick(&args.allow_cwd, &file.allow_cwd);
        if cwd_roots.is_empty() {
            cwd_roots.extend(std::env::current_dir().ok());
            // The default `./output` may not exist yet: made now, so its real path is known.
            let _ = std::fs::create_dir_all(settings.absolute_cwd());
            cwd_roots.push(settings.cwd.clone());
        }
        let cwd_roots = cwd_roots
            .iter()
            .map(|p| {
                let p = crate::config::absolute(p);
                real_dir(&p).unwrap_or(p)
            })
            .collect();
        let config_keys = match (&args.allow_config, &file.allow_config) {
            (a, _) if !a.is_empty() => a.clone(),
            (_, f) if !f.is_empty() => f.clone(),
            _ => DEFAULT_CONFIG_KEYS.iter().map(|k| k.to_string()).collect(),
        };
        Ok(Self {
            max_sandbox,
            cwd_roots,
            config_keys,
            own_overrides: settings.overrides.clone(),
            default_sandbox,
        })
    }

    pub fn check_sandbox(&self, asked: SandboxMode) -> Result<(), String> {
        if rank(asked) <= rank(self.max_sandbox) {
            return Ok(());
        }
        Err(format!(
            "sandbox {asked} is wider than this server allows ({}); its deployer can allow it with --max-sandbox {asked}",
            self.max_sandbox
        ))
    }

    /// The real path of `cwd` (links and `..` resolved, read off the opened folder itself)
    /// if it lies under a root.
    pub fn check_cwd(&self, cwd: &Path) -> Result<PathBuf, String> {
        let shown = |p: &Path| crate::text::bytes_literal(p.as_os_str().as_encoded_bytes());
        let dir = real_dir(cwd).map_err(|e| format!("cwd {}: {e}", shown(cwd)))?;
        if self.cwd_roots.iter().any(|root| dir.starts_with(root)) {
            return Ok(dir);
        }
        let roots: Vec<String> = self.cwd_roots.iter().map(|r| shown(r)).collect();
        Err(format!(
            "cwd {} is outside the directories this server allows ({}); its deployer can add one with --allow-cwd",
            shown(&dir),
            roots.join(", ")
        ))
    }

    /// The call's `config` object as `-c key=value` overrides, one per leaf, every key checked.
    pub fn overrides(&self, config: &Map<String, Value>) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        flatten("", config, 0, &mut out)?;
        for (key, _) in &out {
            self.check_key(key)?;
        }
        Ok(out
            .into_iter()
            .map(|(k, v)| format!("{k}={}", toml_value(&v)))
            .collect())
    }

    /// Checks `-c key=value` overrides a stored thread carries: the deployer's own, what a
    /// `codex` call sets through its own arguments, or keys a client may set.
    pub fn check_stored_overrides(&self, overrides: &[String]) -> Result<(), String> {
        for o in overrides.iter().filter(|o| !self.own_overrides.contains(o)) {
            let key = o.split_once('=').map_or(o.as_str(), |(k, _)| k).trim();
            if !ARGUMENT_KEYS.contains(&key) {
                self.check_key(key)?;
            }
        }
        Ok(())
    }

    fn check_key(&self, key: &str) -> Result<(), String> {
        if self.allows(key) {
            return Ok(());
        }
        Err(format!(
            "config key `{}` is not one this server lets clients set (allowed: {}); its deployer can allow it with --allow-config {}",
            crate::text::one_line(key, 80),
            self.config_keys.join(", "),
            crate::text::one_line(key, 80)
        ))
    }

    fn allows(&self, key: &str) -> bool {
        self.config_keys.iter().any(|a| {
            a == "*"
                || key == a
                || key
                    .strip_prefix(a.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }
}

/// The real path of the folder `path` names: opened, then read back from the handle, so what
/// is checked is the folder itself, whatever links the name went through.
fn real_dir(path: &Path) -> std::io::Result<PathBuf> {
    use std::os::fd::AsRawFd;
    let fd = rustix::fs::open(
        path,
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

fn rank(s: SandboxMode) -> u8 {
    match s {
        SandboxMode::ReadOnly => 0,
        SandboxMode::WorkspaceWrite => 1,
        SandboxMode::DangerFullAccess => 2,
    }
}

fn widest(a: SandboxMode, b: SandboxMode) -> SandboxMode {
    if rank(a) >= rank(b) { a } else { b }
}

fn narrowest(a: SandboxMode, b: SandboxMode) -> SandboxMode {
    if rank(a) <= rank(b) { a } else { b }
}

/// `{"a": {"b": 1}, "c.d": 2}` → `a.b = 1`, `c.d = 2`. Keys are bare TOML keys only, so what is
/// checked is what Codex reads.
fn flatten(
    prefix: &str,
    obj: &Map<String, Value>,
    depth: usize,
    out: &mut Vec<(String, Value)>,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("config nests deeper than {MAX_DEPTH} levels"));
    }
    for (k, v) in obj {
        let bare = !k.is_empty()
            && k.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        if !bare {
            return Err(format!(
                "config key {:?} is not a plain dotted key",
                crate::text::one_line(k, 80)
            ));
        }
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) if !inner.is_empty() => flatten(&key, inner, depth + 1, out)?,
            _ => out.push((key, v.clone())),
        }
    }
    Ok(())
}

/// JSON → a TOML value for `-c key=value`.
pub fn toml_value(v: &Value) -> String {
    match v {
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{} = {}", Value::String(k.clone()), toml_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Null => "\"\"".into(),
        other => other.to_string(),
    }
}

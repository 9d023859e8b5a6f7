//! Does Codex have a credential? Answered before any process or request starts, so a turn
//! without one fails in a millisecond with the fix, instead of after Codex's own retries.
//!
//! Codex's built-in provider reads `CODEX_API_KEY` (codexmcp passes `OPENAI_API_KEY` on under
//! that name) or `$CODEX_HOME/auth.json`; a custom `model_provider` brings its own auth.

use std::path::Path;

/// Where Codex's credential comes from, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A credential Codex will use; the text says which.
    Found(String),
    /// None: what is missing, and how to fix it.
    Missing { detail: String, fix: String },
}

/// Checks the environment, then `home` (CODEX_HOME) for `auth.json` or a custom provider.
pub fn check(home: Option<&Path>) -> Auth {
    let env = |k: &str| crate::config::env_value(k).is_some();
    if env("CODEX_API_KEY") {
        return Auth::Found("CODEX_API_KEY is set".into());
    }
    if env("OPENAI_API_KEY") {
        return Auth::Found("OPENAI_API_KEY is set (passed to Codex as CODEX_API_KEY)".into());
    }
    if let Some(h) = home {
        if h.join("auth.json").is_file() {
            return Auth::Found(format!("{} (codex login)", h.join("auth.json").display()));
        }
        if let Some(provider) = custom_provider(h) {
            return Auth::Found(format!("custom model provider `{provider}` in config.toml"));
        }
    }
    Auth::Missing {
        detail: "no API key: OPENAI_API_KEY and CODEX_API_KEY are unset and there is no auth.json"
            .into(),
        fix:
            "export OPENAI_API_KEY=sk-... (or put it in .env), or run `codex login --with-api-key`"
                .into(),
    }
}

/// The pre-flight check of a turn: `Some(message)` when Codex would have no credential.
/// A `model_provider` chosen with `-c` brings its own auth.
pub fn preflight(overrides: &[String]) -> Option<String> {
    if overrides
        .iter()
        .any(|o| o.trim_start().starts_with("model_provider"))
    {
        return None;
    }
    match check(crate::config::codex_home().as_deref()) {
        Auth::Found(_) => None,
        Auth::Missing { detail, fix } => Some(format!("{detail}\n  fix: {fix}")),
    }
}

/// `model_provider = "x"` in `$CODEX_HOME/config.toml`, when it is not the built-in `openai`.
fn custom_provider(home: &Path) -> Option<String> {
    let text = std::fs::read_to_string(home.join("config.toml")).ok()?;
    let value: toml::Table = toml::from_str(&text).ok()?;
    let p = value.get("model_provider")?.as_str()?;
    (p != "openai").then(|| p.to_string())
}

//! Codex's own lists, through the app-server: its threads (`thread/list`, including the ones
//! `codex exec` created, which the default listing leaves out) and its skills (`skills/list`).
//! The TUI merges them with codexmcp's session store and its own skill discovery, so the
//! pickers show everything Codex knows about. Failures yield empty lists: these only enrich.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{Backend, EngineConfig};
use crate::skills::{Scope, Skill};

/// A thread as Codex lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct CodexThread {
    pub id: String,
    /// Codex's preview: the start of the first prompt.
    pub preview: String,
    pub cwd: String,
    pub created_ms: u64,
    pub updated_ms: u64,
}

/// Codex's threads, newest first.
pub async fn threads(cfg: &EngineConfig) -> Vec<CodexThread> {
    let params = json!({"limit": 100, "sourceKinds": ["cli", "vscode", "exec", "appServer"]});
    let Some(r) = ask(cfg, "thread/list", params).await else {
        return Vec::new();
    };
    r["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            // Timestamps come in seconds (or milliseconds in some builds).
            let ms = |k: &str| {
                t[k].as_u64()
                    .map(|s| if s < 10_000_000_000 { s * 1000 } else { s })
                    .unwrap_or(0)
            };
            Some(CodexThread {
                id: t["id"].as_str()?.to_string(),
                preview: t["preview"]
                    .as_str()
                    .unwrap_or("(Codex thread)")
                    .to_string(),
                cwd: t["cwd"].as_str().unwrap_or_default().to_string(),
                created_ms: ms("createdAt"),
                updated_ms: ms("updatedAt"),
            })
        })
        .collect()
}

/// The enabled skills Codex sees for `cwd`.
pub async fn skills(cfg: &EngineConfig, cwd: &Path) -> Vec<Skill> {
    let params = json!({"cwds": [cwd.display().to_string()]});
    let Some(r) = ask(cfg, "skills/list", params).await else {
        return Vec::new();
    };
    r["data"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["skills"].as_array().into_iter().flatten())
        .filter(|s| s["enabled"] != false)
        .filter_map(|s| {
            Some(Skill {
                name: s["name"].as_str()?.to_string(),
                description: s["description"].as_str().unwrap_or_default().to_string(),
                path: PathBuf::from(s["path"].as_str().unwrap_or_default()),
                scope: match s["scope"].as_str() {
                    Some("repo") => Scope::Repo,
                    Some("system") => Scope::System,
                    Some("admin") => Scope::Admin,
                    _ => Scope::User,
                },
            })
        })
        .collect()
}

/// A model Codex offers (`model/list`).
#[derive(Debug, Clone, PartialEq)]
pub struct CodexModel {
    pub id: String,
    pub description: String,
    /// The reasoning efforts it takes, when Codex says.
    pub efforts: Vec<String>,
}

/// The models Codex offers on this account and provider; empty when it cannot say (not the
/// app-server backend, or the request failed).
pub async fn models(cfg: &EngineConfig) -> Vec<CodexModel> {
    let Some(r) = ask(cfg, "model/list", json!({})).await else {
        return Vec::new();
    };
    r["data"]
        .as_array()
        .into_iter()
        .flatten()
        .take(200)
        .filter_map(|m| {
            let id = m["model"].as_str().or(m["id"].as_str())?;
            Some(CodexModel {
                id: crate::text::literal(id),
                description: crate::text::one_line(
                    m["description"]
                        .as_str()
                        .or(m["displayName"].as_str())
                        .unwrap_or_default(),
                    120,
                ),
                efforts: m["supportedReasoningEfforts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["reasoningEffort"].as_str().or(e.as_str()))
                    .map(|e| crate::text::one_line(e, 20))
                    .collect(),
            })
        })
        .collect()
}

/// Sets Codex's own name of a thread (`thread/name/set`); false when it could not.
pub async fn name_thread(cfg: &EngineConfig, thread: &str, name: &str) -> bool {
    request(
        cfg,
        "thread/name/set",
        json!({"threadId": thread, "name": name}),
    )
    .await
}

/// Archives a thread in Codex (`thread/archive`); false when it could not.
pub async fn archive_thread(cfg: &EngineConfig, thread: &str) -> bool {
    request(cfg, "thread/archive", json!({"threadId": thread})).await
}

/// One request on the app-server, if that is the backend; whether it succeeded.
async fn request(cfg: &EngineConfig, method: &str, params: serde_json::Value) -> bool {
    ask(cfg, method, params).await.is_some()
}

/// One request on the app-server, if that is the backend; its answer, or `None` (logged).
async fn ask(
    cfg: &EngineConfig,
    method: &str,
    params: serde_json::Value,
) -> Option<serde_json::Value> {
    let Backend::AppServer(backend) = &cfg.backend else {
        return None;
    };
    let server = backend.get(cfg).await.ok()?;
    let answer = server.request(method, params).await;
    backend.done(server, cfg).await;
    answer.map_err(|e| tracing::info!("{method}: {e}")).ok()
}

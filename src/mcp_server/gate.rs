//! The one policy gate (DESIGN §8, rule 6): every tool call, on every backend, is checked
//! against the deployer's limits before anything runs.
//!
//! A call's settings come from three places — its own arguments, the server's defaults, and
//! for `codex-reply` the stored policy of the thread it continues (which another front end may
//! have started with `danger-full-access` in another project: thread ids are easy to learn,
//! Codex can read the session folder). Whatever the source, the result passes the same gate:
//! the sandbox within the maximum, the working dir (the real folder, read off its handle) under
//! an allowed root, every `config` key a client may set. What is beyond a limit is refused
//! with the limit and the flag that lifts it — never quietly lowered.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{CodexServer, limits};
use crate::engine::EngineConfig;

impl CodexServer {
    /// The engine configuration for one `codex` call: the server's, with the call's overrides.
    pub(super) fn config_for(&self, args: &Map<String, Value>) -> Result<EngineConfig, String> {
        let mut cfg = self.base.clone().map_err(|e| e.to_string())?;
        // A value of the wrong type is an error, never silently the server's default.
        for key in [
            "sandbox",
            "approval-policy",
            "cwd",
            "model",
            "base-instructions",
            "developer-instructions",
            "compact-prompt",
        ] {
            if args.get(key).is_some_and(|v| !v.is_string()) {
                return Err(format!("`{key}` must be a string"));
            }
        }
        if args.get("config").is_some_and(|v| !v.is_object()) {
            return Err("`config` must be an object of settings".into());
        }
        let text = |k: &str| args.get(k).and_then(Value::as_str);
        if let Some(s) = text("sandbox") {
            cfg.sandbox = s.parse()?;
            self.limits.check_sandbox(cfg.sandbox)?;
        }
        if let Some(a) = text("approval-policy") {
            cfg.approval_policy = a.parse()?;
        }
        if let Some(cwd) = text("cwd") {
            cfg.cwd = crate::config::absolute(&PathBuf::from(cwd));
        }
        if let Some(m) = text("model") {
            cfg.model = Some(m.to_string());
        }
        if let Some(Value::Object(over)) = args.get("config") {
            cfg.overrides.extend(self.limits.overrides(over)?);
        }
        for (arg, key) in [
            ("base-instructions", "base_instructions"),
            ("developer-instructions", "developer_instructions"),
            ("compact-prompt", "compact_prompt"),
        ] {
            if let Some(v) = text(arg) {
                cfg.overrides.push(format!(
                    "{key}={}",
                    limits::toml_value(&Value::String(v.into()))
                ));
            }
        }
        self.gate(&mut cfg)?;
        Ok(cfg)
    }

    /// The one policy gate every call passes, whatever set its settings (the call's
    /// arguments, the server's defaults, or a stored thread's own policy): the sandbox within
    /// the maximum, the working dir (as the real folder it is) under an allowed root.
    fn gate(&self, cfg: &mut EngineConfig) -> Result<(), String> {
        self.limits.check_sandbox(cfg.sandbox)?;
        cfg.cwd = self.limits.check_cwd(&cfg.cwd)?;
        Ok(())
    }

    /// The engine configuration to continue thread `id`: the server's, with the thread's
    /// own stored policy (sandbox, approval policy, cwd, model, config) in place, all of it
    /// checked against the limits — a thread beyond them is refused, never run lowered.
    pub(super) fn config_for_reply(&self, id: &str) -> Result<EngineConfig, String> {
        let mut cfg = self.base.clone().map_err(|e| e.to_string())?;
        let stored = self.store.as_ref().and_then(|s| s.load(id).ok().flatten());
        if let Some(policy) = stored.and_then(|r| r.policy) {
            policy.apply(&mut cfg);
            self.limits
                .check_stored_overrides(&policy.overrides)
                .map_err(|e| format!("thread {id} cannot be continued by this server: {e}"))?;
        }
        self.gate(&mut cfg)
            .map_err(|e| format!("thread {id} cannot be continued by this server: {e}"))?;
        Ok(cfg)
    }
}

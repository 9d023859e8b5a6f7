//! The real Codex CLI in tests: where the pinned binaries are, a temporary CODEX_HOME whose
//! `config.toml` points Codex at the scripted server (reference §6), and an isolated
//! environment for running the `codexmcp` binary (its own data, state and config dirs).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// The Codex the suite runs on: the pinned version, or `CODEXMCP_TEST_CODEX_VERSION` (the
/// version matrix in scripts/test.sh runs a smoke subset on the one before).
pub static CODEX_VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    std::env::var("CODEXMCP_TEST_CODEX_VERSION").unwrap_or_else(|_| "0.171.0".into())
});
pub const LEGACY_VERSION: &str = "0.153.0";

/// The native binary of a pinned version installed by `scripts/install-codex.sh`. Missing is a
/// test failure with the fix in the message, never a silent skip.
pub fn codex_bin(version: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".codex-cli")
        .join(version);
    let p = root
        .join("node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex");
    assert!(
        p.is_file(),
        "Codex {version} is not installed at {}: run scripts/install-codex.sh",
        p.display()
    );
    p
}

pub fn codexmcp_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_codexmcp"))
}

/// A scratch world for one test: CODEX_HOME, a working dir, and codexmcp's own dirs.
pub struct Sandbox {
    pub root: TempDir,
}

impl Sandbox {
    /// `base_url` is the scripted server's `http://127.0.0.1:PORT/v1`.
    pub fn new(base_url: &str) -> Self {
        Self::with_provider_extra(base_url, "")
    }

    /// `extra` is appended to the provider table (e.g. `env_key = "CODEX_API_KEY"`).
    pub fn with_provider_extra(base_url: &str, extra: &str) -> Self {
        // Not under /tmp: Codex refuses to create its PATH helpers there and warns on every run.
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(base).expect("target tmpdir");
        let root = tempfile::Builder::new()
            .prefix("sbx")
            .tempdir_in(base)
            .expect("tempdir");
        let home = root.path().join("codex-home");
        std::fs::create_dir_all(&home).expect("codex home");
        std::fs::write(
            home.join("config.toml"),
            format!(
                "model = \"mock-model\"\nmodel_provider = \"mock\"\n\n[model_providers.mock]\n\
                 name = \"mock\"\nbase_url = \"{base_url}\"\nwire_api = \"responses\"\n\
                 request_max_retries = 0\nstream_max_retries = 0\n{extra}\n"
            ),
        )
        .expect("config.toml");
        for d in ["work", "data", "state", "config"] {
            std::fs::create_dir_all(root.path().join(d)).expect("dir");
        }
        Self { root }
    }

    pub fn codex_home(&self) -> PathBuf {
        self.root.path().join("codex-home")
    }

    /// The directory codexmcp runs in (its `./output` lands below it).
    pub fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    pub fn output(&self) -> PathBuf {
        self.work().join("output")
    }

    /// `codexmcp ARGS` in the work dir with an isolated environment, using Codex 0.169.
    pub fn codexmcp(&self, args: &[&str]) -> Command {
        let mut c = Command::new(codexmcp_bin());
        c.args(args)
            .current_dir(self.work())
            .env("CODEX_HOME", self.codex_home())
            .env("CODEX_BIN", codex_bin(&CODEX_VERSION))
            .env("XDG_DATA_HOME", self.root.path().join("data"))
            .env("XDG_STATE_HOME", self.root.path().join("state"))
            .env("XDG_CONFIG_HOME", self.root.path().join("config"))
            .env("NO_COLOR", "1")
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY")
            .env_remove("CODEX_SANDBOX_MODE")
            .env_remove("CODEXMCP_CONFIG")
            .env_remove("CODEXMCP_CD")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        c
    }

    /// Runs codexmcp off the async runtime's threads and collects its output.
    pub async fn run(&self, args: &[&str]) -> Run {
        output(self.codexmcp(args)).await
    }

    /// An engine configuration for in-process turns in this sandbox (exec backend; callers
    /// set `mcp` or `app_server` for the others).
    pub fn engine_config(&self) -> codexmcp::engine::EngineConfig {
        let root = self.root.path();
        std::fs::create_dir_all(self.output()).expect("output dir");
        codexmcp::engine::EngineConfig {
            codex: codexmcp::engine::CodexBinary {
                path: codex_bin(&CODEX_VERSION),
                source: codexmcp::engine::locate::Source::Flag,
                version: None,
            },
            cwd: self.output(),
            sandbox: "workspace-write".parse().unwrap(),
            approval_policy: "never".parse().unwrap(),
            model: None,
            reasoning_effort: None,
            network: false,
            overrides: vec![],
            idle_timeout: None,
            env: vec![
                ("CODEX_HOME".into(), self.codex_home().display().to_string()),
                (
                    "XDG_DATA_HOME".into(),
                    root.join("data").display().to_string(),
                ),
                (
                    "XDG_STATE_HOME".into(),
                    root.join("state").display().to_string(),
                ),
            ],
            backend: codexmcp::engine::Backend::Exec,
            approvals: codexmcp::engine::ApprovalMode::Decline,
            notice: None,
        }
    }

    /// Waits (up to 5 s) until no process of this sandbox runs any more (every process
    /// carries its CODEX_HOME), and fails the test with their pids otherwise.
    pub async fn assert_nothing_left(&self, what: &str) {
        let home = format!("CODEX_HOME={}", self.codex_home().display());
        assert!(
            wait_for(5, || procs_with_env(&home).is_empty()).await,
            "{what}: processes left: {:?}",
            procs_with_env(&home)
        );
    }

    /// A stored thread of two exec turns, "first prompt" then "second prompt" (the scripted
    /// model answers them); its id.
    pub async fn two_turns(&self) -> String {
        let first = self.run(&["exec", "--json", "first prompt"]).await;
        assert_eq!(first.code, Some(0), "{}", first.stderr);
        let id = first.thread_id();
        let second = self.run(&["exec", "--resume", &id, "second prompt"]).await;
        assert_eq!(second.code, Some(0), "{}", second.stderr);
        id
    }

    /// The codexmcp log written during this test.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("state/codexmcp/codexmcp.log"))
            .unwrap_or_default()
    }
}

#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// `--json` stdout as events.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"))
            })
            .collect()
    }

    pub fn thread_id(&self) -> String {
        self.events()
            .iter()
            .find(|e| e["type"] == "thread.started")
            .and_then(|e| e["thread_id"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no thread.started in {}", self.stdout))
    }
}

/// Runs `cmd` off the async runtime's threads and collects its output.
pub async fn output(mut cmd: Command) -> Run {
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run the command"))
        .await
        .expect("join");
    Run::from(out)
}

/// `git -C dir args…` as a fixed author; stdout. A failure fails the test.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git is installed");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Pids of live (not zombie) processes other than this test that satisfy `pred`.
fn live_procs(pred: impl Fn(i32) -> bool) -> Vec<i32> {
    let me = std::process::id() as i32;
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&p| p != me)
        .filter(|p| {
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            !stat
                .rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'))
        })
        .filter(|&p| pred(p))
        .collect()
}

/// Pids of live processes whose environment contains `needle` (e.g. `CODEX_HOME=/x`).
pub fn procs_with_env(needle: &str) -> Vec<i32> {
    live_procs(|p| {
        std::fs::read(format!("/proc/{p}/environ"))
            .map(|env| env.split(|&b| b == 0).any(|v| v == needle.as_bytes()))
            .unwrap_or(false)
    })
}

/// Pids of live processes whose command line contains `needle`.
pub fn procs_with_cmdline(needle: &str) -> Vec<i32> {
    live_procs(|p| {
        std::fs::read(format!("/proc/{p}/cmdline"))
            .map(|c| {
                String::from_utf8_lossy(&c)
                    .replace('\0', " ")
                    .contains(needle)
            })
            .unwrap_or(false)
    })
}

/// Polls `cond` until it holds or `secs` pass; returns whether it held. (A wait, not a timing
/// assertion: callers assert on the final state.)
pub async fn wait_for(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    cond()
}

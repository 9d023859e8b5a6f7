//! `codexmcp demo`: the whole product without a key.
//!
//! A newcomer's first command should show Codex building something, not "no API key". The
//! demo starts the scripted model ([`crate::scripted_model`]) on 127.0.0.1, makes a temporary
//! home for Codex and for codexmcp's own sessions and log (so nothing of the demo is left
//! behind), and runs this same binary — the normal TUI, or `exec` with `--exec` — as a child
//! whose environment points there: the real Codex, its sandbox, real commands and files in the
//! demo folder, the live panes, follow-ups on the same thread, `/resume` while the demo runs.
//! Running a child keeps every code path the real one; the parent only owns the model server,
//! the temporary home and the child, and passes SIGTERM / SIGHUP on to it.

use std::path::{Path, PathBuf};

use crate::cli::{DemoArgs, EXIT_FAILED};

/// What `--exec` asks when no prompt is given.
pub const DEFAULT_PROMPT: &str = crate::scripted_model::SUGGESTION;

/// The temporary home: Codex's `CODEX_HOME`, codexmcp's data and state dirs, an empty config.
/// Under the cache dir, not /tmp (Codex refuses to put its helpers under /tmp); removed on drop.
/// A `lock` file in it is held (`flock`) while the demo lives: a home whose lock can be taken
/// was left by a demo that died (SIGKILL gives no chance to clean up), and the next demo
/// removes it.
struct DemoHome {
    root: PathBuf,
    _lock: nix::fcntl::Flock<std::fs::File>,
}

impl DemoHome {
    fn create(base_url: &str) -> std::io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        let cache = crate::config::project_dirs()
            .map(|d| d.cache_dir().to_path_buf())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::create_dir_all(&cache)?;
        remove_stale_homes(&cache);
        let root = cache.join(format!("demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root); // a pid reused after a crash
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root.join("codex"))?;
        let lock = std::fs::File::create(root.join("lock"))?;
        let lock = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusiveNonblock)
            .map_err(|(_, e)| std::io::Error::from(e))?;
        let home = Self { root, _lock: lock };
        // No key and no retries: the scripted model is on this machine and answers at once.
        std::fs::write(
            home.codex().join("config.toml"),
            format!(
                "model = \"{model}\"\nmodel_provider = \"codexmcp-demo\"\n\n\
                 [model_providers.codexmcp-demo]\nname = \"codexmcp demo model\"\n\
                 base_url = \"{base_url}\"\nwire_api = \"responses\"\n\
                 request_max_retries = 0\nstream_max_retries = 0\n",
                model = crate::scripted_model::MODEL,
            ),
        )?;
        std::fs::write(home.root.join("codexmcp.toml"), "")?;
        // One skill, so `$` has something to show.
        let skill = home.codex().join("skills/explain-project");
        std::fs::create_dir_all(&skill)?;
        std::fs::write(
            skill.join("SKILL.md"),
            "---\nname: explain-project\ndescription: Explain what the files in the working \
             folder do and how to run them.\n---\n\nList the files, read the main ones and \
             explain, briefly, what each does and how to run the project.\n",
        )?;
        Ok(home)
    }

    fn codex(&self) -> PathBuf {
        self.root.join("codex")
    }
}

impl Drop for DemoHome {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.root) {
            tracing::warn!("demo home {} not removed: {e}", self.root.display());
        }
    }
}

/// Removes the homes of demos that died without cleaning up: those whose lock nobody holds.
fn remove_stale_homes(cache: &Path) {
    let Ok(entries) = std::fs::read_dir(cache) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let is_home = entry.file_name().to_string_lossy().starts_with("demo-")
            && entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_home {
            continue;
        }
        // A live demo holds its lock; one still being made has none yet and is left alone
        // unless it is old.
        let lock = std::fs::File::open(path.join("lock"));
        let stale = match lock {
            Ok(f) => {
                nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).is_ok()
            }
            Err(_) => entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 3600)),
        };
        if stale {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => {
                    tracing::info!("removed the home of a demo that died: {}", path.display())
                }
                Err(e) => tracing::warn!("stale demo home {} not removed: {e}", path.display()),
            }
        }
    }
}

pub async fn run(args: &DemoArgs, settings: &crate::config::Settings) -> i32 {
    match demo(args, settings).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("codexmcp demo: {e}");
            EXIT_FAILED
        }
    }
}

async fn demo(args: &DemoArgs, settings: &crate::config::Settings) -> std::io::Result<i32> {
    let server = crate::scripted_model::start().await?;
    let home = DemoHome::create(&server.base_url())?;
    let dir = crate::config::absolute(&args.dir);
    std::fs::create_dir_all(&dir)?;
    let mut cmd = tokio::process::Command::new(std::env::current_exe()?);
    child_env(&mut cmd, &home.root);
    // Marked and guarded like Codex: if this process is killed (SIGKILL included), the
    // guardian kills the child, which then cannot go on drawing on the terminal.
    let marker = crate::engine::procs::new_marker();
    cmd.env(crate::engine::procs::MARKER_VAR, &marker)
        .kill_on_drop(true);
    crate::engine::procs::guard_children();
    let _reap = crate::engine::procs::ReapOnDrop(marker);
    // Started in the demo folder: a `.env` there is Codex's to write, so it is not read.
    cmd.current_dir(&dir);
    // The user's Codex binary, if they chose one; their config file is not read by the child.
    if let Some(bin) = &settings.codex_bin {
        cmd.arg("--codex-bin").arg(crate::config::absolute(bin));
    }
    cmd.args(["--direct", "--backend", "exec", "-C"]).arg(&dir);
    if args.exec {
        let prompt = args.prompt.as_deref().unwrap_or(DEFAULT_PROMPT);
        cmd.arg("exec");
        if args.json {
            cmd.arg("--json");
        }
        cmd.arg(prompt);
    } else {
        cmd.arg("--demo");
        cmd.args(args.prompt.as_deref());
    }
    tracing::info!(model = %server.base_url(), dir = %dir.display(), "demo starting");
    let mut child = cmd.spawn()?;
    let signals = crate::engine::procs::Signals::watch();
    let stopped = signals.token();
    let status = tokio::select! {
        s = child.wait() => s?,
        _ = stopped.cancelled() => {
            // Ctrl+C reaches the child from the terminal itself; the others are passed on.
            if let (Some(pid), Some(stop)) = (child.id(), signals.received()) {
                use crate::engine::procs::Stop;
                use nix::sys::signal::{Signal, kill};
                let sig = match stop {
                    Stop::Terminate => Some(Signal::SIGTERM),
                    Stop::HangUp => Some(Signal::SIGHUP),
                    Stop::Interrupt => None,
                };
                if let Some(sig) = sig {
                    let _ = kill(nix::unistd::Pid::from_raw(pid as i32), sig);
                }
            }
            child.wait().await?
        }
    };
    drop(server);
    drop(home);
    if !args.exec {
        // (--exec prints only what exec prints: its --json output stays pure JSONL.)
        println!(
            "The demo's files are in {}. Its Codex home is gone, so its thread is too.\n\
             With a key (OPENAI_API_KEY, or `codex login`), `codexmcp` does the same for real.",
            crate::text::one_line(&dir.display().to_string(), 300)
        );
    }
    Ok(status.code().unwrap_or(EXIT_FAILED))
}

/// The child's environment: the demo home for Codex and for codexmcp's own data, state, cache
/// and config; no key or endpoint of the user's, so nothing leaves 127.0.0.1.
fn child_env(cmd: &mut tokio::process::Command, home: &Path) {
    cmd.env("CODEX_HOME", home.join("codex"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("CODEXMCP_CONFIG", home.join("codexmcp.toml"));
    for key in [
        "OPENAI_API_KEY",
        "CODEX_API_KEY",
        "OPENAI_BASE_URL",
        "CODEXMCP_CD",
        "CODEX_SANDBOX_MODE",
    ] {
        cmd.env_remove(key);
    }
}

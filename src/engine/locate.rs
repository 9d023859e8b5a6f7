//! Finding the Codex binary and learning what it can do.
//!
//! Lookup order: `--codex-bin` > `CODEX_BIN` > the project-local install made by
//! `scripts/install-codex.sh` > `PATH`. Whatever is found is resolved to the *native* binary:
//! the npm `codex` on PATH is a Node wrapper, and killing the wrapper orphans the real process
//! (reference §0), so codexmcp never spawns the wrapper when the native binary is next to it.
//! The version is probed once (`codex --version`) and gates features such as the legacy
//! `codex mcp-server` (only up to 0.153).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::EngineError;

/// The pinned version installed by `scripts/install-codex.sh`.
pub const PINNED_VERSION: &str = "0.171.0";
/// The versions the test suite runs on: the whole suite on the pinned one, a smoke subset
/// (exec and resume, app-server with deltas and an approval, MCP) on the one before, the
/// legacy `mcp-server` path on the last that had it.
pub const TESTED: &[&str] = &["0.171.0", "0.169.0", "0.153.0"];
/// The last release that still has `codex mcp-server`.
pub const LAST_MCP_SERVER: Version = Version(0, 153, 99);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// Parses `codex-cli 0.169.0` (or a bare `0.169.0`, with an optional `-suffix`).
    pub fn parse(text: &str) -> Option<Self> {
        let word = text
            .split_whitespace()
            .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
        let core = word.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
        Some(Self(
            parts.next()??,
            parts.next()??,
            parts.next().flatten().unwrap_or(0),
        ))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Where a binary came from, for `doctor` and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    ProjectInstall,
    Path,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Flag => "--codex-bin",
            Self::Env => "CODEX_BIN",
            Self::ProjectInstall => "project install (.codex-cli)",
            Self::Path => "PATH",
        })
    }
}

/// A usable Codex binary.
#[derive(Debug, Clone)]
pub struct CodexBinary {
    pub path: PathBuf,
    pub source: Source,
    pub version: Option<Version>,
}

impl CodexBinary {
    /// `codex mcp-server` exists only up to 0.153.
    pub fn has_mcp_server(&self) -> bool {
        self.version.is_some_and(|v| v <= LAST_MCP_SERVER)
    }
}

/// The folders `scripts/install-codex.sh` installs into, newest pinned version first: the
/// checkout the binary was built from and the folders around the installed binary — never the
/// current directory, which may be one Codex writes to (in the image, `/app/output`): a
/// `.codex-cli/` planted there by one turn would otherwise run as Codex on the next.
pub fn project_install_roots() -> Vec<PathBuf> {
    // An explicit install folder is the only one: the image and tests pin it this way.
    if let Some(dir) = std::env::var_os("CODEXMCP_CODEX_DIR").filter(|d| !d.is_empty()) {
        return vec![PathBuf::from(dir).join(PINNED_VERSION)];
    }
    let mut roots = Vec::new();
    roots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(".codex-cli"));
    if let Ok(exe) = std::env::current_exe() {
        // target/release/codexmcp → the checkout; /opt/x/bin/codexmcp → /opt/x.
        roots.extend(
            exe.ancestors()
                .skip(1)
                .take(3)
                .map(|dir| dir.join(".codex-cli")),
        );
    }
    let mut seen = std::collections::HashSet::new();
    roots
        .into_iter()
        .map(|r| {
            if r.ends_with(PINNED_VERSION) {
                r
            } else {
                r.join(PINNED_VERSION)
            }
        })
        .filter(|r| seen.insert(r.clone()))
        .collect()
}

/// Finds the binary without running it.
pub fn find(flag: Option<&Path>) -> Result<(PathBuf, Source), EngineError> {
    if let Some(p) = flag {
        // clap folds CODEX_BIN into the flag; report where it really came from.
        let from_env = std::env::var_os("CODEX_BIN").is_some_and(|e| Path::new(&e) == p);
        return checked(p, if from_env { Source::Env } else { Source::Flag });
    }
    if let Some(p) = std::env::var_os("CODEX_BIN").filter(|v| !v.is_empty()) {
        return checked(Path::new(&p), Source::Env);
    }
    for root in project_install_roots() {
        if let Some(native) = native_in_package(&root.join("node_modules/@openai/codex")) {
            return Ok((native, Source::ProjectInstall));
        }
    }
    if let Some(p) = search_path("codex") {
        return Ok((resolve_native(&p), Source::Path));
    }
    Err(EngineError::BinaryMissing {
        tried: "--codex-bin, CODEX_BIN, .codex-cli beside codexmcp, PATH".into(),
    })
}

fn checked(p: &Path, source: Source) -> Result<(PathBuf, Source), EngineError> {
    let p = if p.components().count() == 1 {
        search_path(&p.to_string_lossy()).unwrap_or(p.to_path_buf())
    } else {
        p.to_path_buf()
    };
    if is_executable(&p) {
        Ok((resolve_native(&p), source))
    } else {
        Err(EngineError::BinaryMissing {
            tried: format!("{} ({source})", p.display()),
        })
    }
}

/// Finds Codex and learns its version: from the probe cache when this very binary (path,
/// size, mtime) was probed before, else by running `codex --version` (40–60 ms) and
/// remembering the answer.
pub async fn locate(flag: Option<&Path>) -> Result<CodexBinary, EngineError> {
    let (path, source) = find(flag)?;
    let cache = VersionCache::default_location();
    let key = VersionCache::key(&path);
    let cached = match (&cache, &key) {
        (Some(c), Some(k)) => c.get(k),
        _ => None,
    };
    let version = match cached {
        Some(v) => Some(v),
        None => {
            let v = probe_version(&path).await;
            if let (Some(c), Some(k), Some(v)) = (&cache, &key, v) {
                c.put(k, v);
            }
            v
        }
    };
    Ok(CodexBinary {
        path,
        source,
        version,
    })
}

/// Probed versions by binary identity, in one small JSON file in the cache dir. A binary that
/// was replaced (new size or mtime) is probed again; a broken or missing file just means a
/// probe.
pub struct VersionCache {
    file: PathBuf,
}

impl VersionCache {
    pub fn at(file: PathBuf) -> Self {
        Self { file }
    }

    fn default_location() -> Option<Self> {
        let dir = match std::env::var_os("CODEXMCP_CACHE_DIR") {
            Some(d) => PathBuf::from(d),
            None => crate::config::project_dirs()
                .ok()?
                .cache_dir()
                .to_path_buf(),
        };
        Some(Self::at(dir.join("codex-versions.json")))
    }

    /// `path|size|mtime_ns` of the binary as it is now.
    pub fn key(path: &Path) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        Some(format!(
            "{}|{}|{}.{}",
            path.display(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec()
        ))
    }

    fn read(&self) -> std::collections::BTreeMap<String, String> {
        std::fs::read(&self.file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn get(&self, key: &str) -> Option<Version> {
        Version::parse(self.read().get(key)?)
    }

    /// Remembers a version (temp file + rename; at most 64 binaries are kept).
    pub fn put(&self, key: &str, v: Version) {
        let mut map = self.read();
        if map.len() >= 64 {
            map.clear();
        }
        map.insert(key.to_string(), v.to_string());
        let Some(dir) = self.file.parent() else {
            return;
        };
        let tmp = self
            .file
            .with_extension(format!("tmp{}", std::process::id()));
        let written = std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(&tmp, serde_json::to_vec(&map).unwrap_or_default()))
            .and_then(|_| std::fs::rename(&tmp, &self.file));
        if let Err(e) = written {
            tracing::debug!("version cache not written: {e}");
        }
    }
}

pub async fn probe_version(path: &Path) -> Option<Version> {
    let out = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::process::Command::new(path)
            .arg("--version")
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .ok()?
    .ok()?;
    Version::parse(&String::from_utf8_lossy(&out.stdout))
}

/// If `p` is the npm wrapper (`.../@openai/codex/bin/codex.js`, possibly via a symlink), the
/// native binary that ships beside it; otherwise `p` itself.
pub fn resolve_native(p: &Path) -> PathBuf {
    let real = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let is_wrapper = real.extension().is_some_and(|e| e == "js");
    if is_wrapper
        && let Some(pkg) = real.parent().and_then(Path::parent)
        && let Some(native) = native_in_package(pkg)
    {
        return native;
    }
    real
}

/// The native binary inside an installed `@openai/codex` package folder.
fn native_in_package(pkg: &Path) -> Option<PathBuf> {
    let (arch, triple) = match std::env::consts::ARCH {
        "x86_64" => ("x64", "x86_64-unknown-linux-musl"),
        "aarch64" => ("arm64", "aarch64-unknown-linux-musl"),
        _ => return None,
    };
    let node_modules = pkg.parent()?.parent()?; // .../node_modules/@openai/codex
    let platform = node_modules.join(format!("@openai/codex-linux-{arch}/vendor/{triple}"));
    let own = pkg.join(format!("vendor/{triple}"));
    [
        platform.join("bin/codex"),
        platform.join("codex/codex"),
        own.join("bin/codex"),
        own.join("codex/codex"),
    ]
    .into_iter()
    .find(|c| is_executable(c))
}

fn search_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|c| is_executable(c))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

//! Configuration precedence (flags > env > .env > config.toml > defaults) and engine argv.

use std::path::PathBuf;

use clap::Parser;
use codexmcp::cli::Cli;
use codexmcp::config::{FileConfig, Settings};
use codexmcp::engine::exec::build_args;
use codexmcp::engine::locate::{CodexBinary, Source, Version};
use codexmcp::engine::{EngineConfig, TurnSpec};

#[test]
fn defaults_then_file_then_flags() {
    let cli = Cli::parse_from(["codexmcp", "exec", "hi"]);
    let s = Settings::resolve(&cli.opts, &FileConfig::default());
    assert_eq!(
        (s.sandbox.as_str(), s.approval_policy.as_str()),
        ("workspace-write", "never")
    );
    assert_eq!(s.cwd, PathBuf::from("output"));
    assert_eq!(s.idle_timeout, None);

    let file: FileConfig = toml::from_str(
        "sandbox = \"read-only\"\nmodel = \"gpt-5.5\"\nidle_timeout = 30\nconfig = [\"a=1\"]\n",
    )
    .expect("toml");
    let s = Settings::resolve(&cli.opts, &file);
    assert_eq!(
        (s.sandbox.as_str(), s.model.as_deref()),
        ("read-only", Some("gpt-5.5"))
    );
    assert_eq!(s.idle_timeout.map(|d| d.as_secs()), Some(30));

    let cli = Cli::parse_from([
        "codexmcp",
        "exec",
        "-s",
        "danger-full-access",
        "-c",
        "b=2",
        "--cd",
        "/x",
        "hi",
    ]);
    let s = Settings::resolve(&cli.opts, &file);
    assert_eq!(s.sandbox, "danger-full-access");
    assert_eq!(
        s.overrides,
        ["a=1", "b=2"],
        "file overrides first, flags last (Codex applies the last)"
    );
    assert_eq!(s.cwd, PathBuf::from("/x"));
}

#[test]
fn a_broken_config_file_names_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("config.toml");
    std::fs::write(&p, "sandbox = [").expect("write");
    let err = FileConfig::load_from(&p).expect_err("broken");
    assert!(format!("{err:#}").contains("config.toml"));
    assert!(FileConfig::load_from(&dir.path().join("missing.toml")).is_ok());
}

fn engine(sandbox: &str) -> EngineConfig {
    EngineConfig {
        codex: CodexBinary {
            path: "/bin/codex".into(),
            source: Source::Flag,
            version: Some(Version(0, 169, 0)),
        },
        cwd: "/w/output".into(),
        sandbox: sandbox.parse().unwrap(),
        approval_policy: "never".parse().unwrap(),
        model: Some("gpt-5.5".into()),
        reasoning_effort: Some("high".into()),
        network: true,
        overrides: vec!["x=1".into()],
        idle_timeout: None,
        env: vec![],
        backend: codexmcp::engine::Backend::Exec,
        approvals: codexmcp::engine::ApprovalMode::Decline,
        notice: None,
    }
}

#[test]
fn exec_flags_go_before_resume_and_the_prompt_comes_from_stdin() {
    let spec = TurnSpec {
        prompt: "p".into(),
        resume: Some("01a2112e-cb31-7fd3-b664-466522ce36c8".into()),
        ..TurnSpec::default()
    };
    let args: Vec<String> = build_args(&engine("workspace-write"), &spec)
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let args = args.join(" ");
    assert_eq!(
        args,
        "exec --json -s workspace-write -C /w/output --skip-git-repo-check -m gpt-5.5 \
         -c model_reasoning_effort=\"high\" -c sandbox_workspace_write.network_access=true -c x=1 \
         resume 01a2112e-cb31-7fd3-b664-466522ce36c8 -"
    );
}

#[test]
fn versions_parse_and_gate_mcp_server() {
    assert_eq!(
        Version::parse("codex-cli 0.169.0\n"),
        Some(Version(0, 169, 0))
    );
    assert_eq!(
        Version::parse("codex-cli 0.153.2-alpha.1"),
        Some(Version(0, 153, 2))
    );
    assert_eq!(Version::parse("garbage"), None);
    let bin = |v| CodexBinary {
        path: "/c".into(),
        source: Source::Path,
        version: Some(v),
    };
    assert!(bin(Version(0, 153, 0)).has_mcp_server());
    assert!(!bin(Version(0, 154, 0)).has_mcp_server());
}

#[test]
fn an_unknown_backend_in_config_toml_names_the_valid_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("config.toml");
    std::fs::write(&p, "backend = \"app_server\"\n").expect("write");
    let err = format!(
        "{:#}",
        FileConfig::load_from(&p).expect_err("a typo is an error")
    );
    assert!(
        err.contains("app_server") && err.contains("app-server") && err.contains("exec"),
        "{err}"
    );
    std::fs::write(&p, "sandbox = \"yolo\"\n").expect("write");
    let err = format!(
        "{:#}",
        FileConfig::load_from(&p).expect_err("a bad sandbox")
    );
    assert!(err.contains("workspace-write"), "{err}");
    std::fs::write(&p, "backnd = \"exec\"\n").expect("write");
    assert!(
        FileConfig::load_from(&p).is_err(),
        "a misspelt key is an error too"
    );
}

#[test]
fn the_version_probe_is_cached_per_binary_identity() {
    use codexmcp::engine::locate::VersionCache;
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("codex");
    std::fs::write(&bin, "#!/bin/sh\necho codex-cli 0.169.0\n").expect("write");
    let cache = VersionCache::at(dir.path().join("cache/versions.json"));
    let key = VersionCache::key(&bin).expect("a key");
    assert_eq!(cache.get(&key), None, "nothing cached yet");
    cache.put(&key, Version(0, 169, 0));
    assert_eq!(cache.get(&key), Some(Version(0, 169, 0)));
    // A replaced binary (another size) is another key: it is probed again.
    std::fs::write(&bin, "#!/bin/sh\necho codex-cli 0.171.0 # newer\n").expect("write");
    let new_key = VersionCache::key(&bin).expect("a key");
    assert_ne!(new_key, key);
    assert_eq!(cache.get(&new_key), None);
    // A torn cache file is a miss, not an error.
    std::fs::write(dir.path().join("cache/versions.json"), "{\"torn").expect("write");
    assert_eq!(cache.get(&key), None);
}

/// Completions and the man page come from the clap definition; bash really loads the script.
#[tokio::test]
async fn completions_and_man_page_are_generated_from_the_cli() {
    let sbx = crate::support::codex::Sandbox::new("http://127.0.0.1:9/v1");
    for (shell, marker) in [
        ("bash", "_codexmcp()"),
        ("zsh", "#compdef codexmcp"),
        ("fish", "complete -c codexmcp"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = sbx.run(&["completions", shell]).await;
        assert_eq!(run.code, Some(0), "{shell}: {}", run.stderr);
        assert!(
            run.stdout.contains(marker),
            "{shell}: {}",
            &run.stdout[..200.min(run.stdout.len())]
        );
        assert!(
            run.stdout.contains("mcp-server") && run.stdout.contains("demo"),
            "{shell}"
        );
    }
    let script = sbx.work().join("codexmcp.bash");
    std::fs::write(&script, sbx.run(&["completions", "bash"]).await.stdout).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}'; COMP_WORDS=(codexmcp mcp-s); COMP_CWORD=1; _codexmcp codexmcp mcp-s codexmcp; echo \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "mcp-server",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let man = sbx.run(&["man"]).await;
    assert_eq!(man.code, Some(0));
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH codexmcp"),
        "{}",
        &man.stdout[..200]
    );
    assert!(
        man.stdout.contains("mcp\\-server"),
        "subcommands are listed"
    );
}

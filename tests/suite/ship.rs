//! Shipping: the bundled smoke skill proven with the real Codex and a CODEX_HOME laid out as in
//! the image, and the container entrypoint (login with a quoted key; a missing key).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::codex::{CODEX_VERSION, Sandbox, codex_bin, codexmcp_bin};
use crate::support::mock_openai::{MockServer, Step};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[tokio::test]
async fn the_bundled_skill_is_injected_and_its_script_writes_the_marker() {
    let server = MockServer::start(vec![]).await;
    let sbx = Sandbox::new(&server.base_url());
    // Same layout as the image: /app/.codex/skills ← the repo's .codex/skills.
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(".codex/skills"),
        &sbx.codex_home().join("skills"),
    );
    let script = sbx
        .codex_home()
        .join("skills/mcp-skill-smoke/scripts/smoke.sh");
    server.push(Step::shell(&format!("bash {}", script.display())));
    server.push(Step::message("The smoke script ran."));
    // As in the image, the working dir is not inside a repository (this checkout's own
    // .codex/skills would otherwise offer a second skill of the same name).
    let out = tempfile::tempdir().unwrap();
    let run = sbx
        .run(&[
            "exec",
            "-C",
            out.path().to_str().unwrap(),
            "$mcp-skill-smoke run the smoke script and report the file contents",
        ])
        .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let first = server.requests()[0].text();
    assert!(
        first.contains("<skill>") && first.contains("<name>mcp-skill-smoke</name>"),
        "Codex injected the skill: {}",
        &first[first.len().saturating_sub(2500)..]
    );
    assert!(
        first.contains("writes `skill-smoke.txt` into the current directory"),
        "with the SKILL.md body"
    );
    let marker =
        std::fs::read_to_string(out.path().join("skill-smoke.txt")).expect("the marker file");
    assert!(marker.starts_with("mcp-skill-smoke ran at "), "{marker}");
    assert!(run.stdout.contains("The smoke script ran."));
}

fn entrypoint() -> std::process::Command {
    let mut c = std::process::Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/entrypoint.sh"),
    );
    c.env("CODEX_BIN", codex_bin(&CODEX_VERSION))
        .env("CODEXMCP_BIN", codexmcp_bin())
        .env_remove("CODEX_API_KEY");
    c
}

#[test]
fn the_entrypoint_logs_in_with_a_quoted_key_then_runs_exec() {
    let home = tempfile::tempdir().unwrap();
    let out = entrypoint()
        .env("CODEX_HOME", home.path())
        .env("OPENAI_API_KEY", "\"sk-test-entrypoint-123\"")
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Headless one-shot turn"),
        "then codexmcp exec ran"
    );
    let auth = home.path().join("auth.json");
    let text = std::fs::read_to_string(&auth).expect("auth.json written");
    assert!(
        text.contains("\"sk-test-entrypoint-123\""),
        "quotes stripped: {text}"
    );
    assert_eq!(
        std::fs::metadata(&auth).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn the_entrypoint_fails_fast_without_a_key() {
    let home = tempfile::tempdir().unwrap();
    let out = entrypoint()
        .env("CODEX_HOME", home.path())
        .env("OPENAI_API_KEY", "\"\"")
        .arg("hello")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no API key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!home.path().join("auth.json").exists());
}

/// A codexmcp subcommand goes through as it is (`batch`, `mcp-server`, `doctor`, …); anything
/// else is a prompt for `exec`.
#[test]
fn the_entrypoint_passes_a_subcommand_through() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = entrypoint()
            .env("CODEX_HOME", home.path())
            .env("OPENAI_API_KEY", "sk-test-entrypoint-456")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&["batch", "--help"]).contains("The task file"));
    assert!(run(&["mcp-server", "--help"]).contains("--max-sandbox"));
    assert!(run(&["--help"]).contains("Headless one-shot turn"));
}

//! `codexmcp doctor` with the real Codex: a healthy setup passes; each blocker fails with a fix.

use crate::support::codex::{Run, Sandbox};

#[tokio::test]
async fn a_working_setup_passes_every_blocking_check() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let run = sbx.run(&["doctor"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let version = format!(
        "ok   version       codex-cli {}; supports exec, app-server; tested (0.171.0, 0.169.0, 0.153.0)",
        *crate::support::codex::CODEX_VERSION
    );
    for line in [
        "ok   codex binary",
        version.as_str(),
        "ok   auth",
        "ok   sandbox",
        "ok   working dir",
        "ok   thread verbs  Codex can fork, compact, plan, undo/redo, review",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in\n{}",
            run.stdout
        );
    }
}

#[tokio::test]
async fn blockers_fail_with_their_fix() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    std::fs::remove_file(sbx.codex_home().join("config.toml")).unwrap();
    let mut cmd = sbx.codexmcp(&["doctor"]);
    cmd.env("CODEX_BIN", "/nonexistent/codex");
    let run = crate::support::codex::Run::from(cmd.output().unwrap());
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("FAIL codex binary"), "{}", run.stdout);
    assert!(run.stdout.contains("install-codex.sh"), "{}", run.stdout);
    assert!(
        run.stdout.contains("FAIL auth") && run.stdout.contains("fix: export OPENAI_API_KEY"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn the_legacy_version_reports_mcp_server_support() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let mut cmd = sbx.codexmcp(&["doctor"]);
    cmd.env(
        "CODEX_BIN",
        crate::support::codex::codex_bin(crate::support::codex::LEGACY_VERSION),
    );
    let run = crate::support::codex::Run::from(cmd.output().unwrap());
    assert!(
        run.stdout
            .contains("codex-cli 0.153.0; supports exec, app-server, mcp-server"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("ok   version")
            && run.stdout.contains("tested (0.171.0, 0.169.0, 0.153.0)"),
        "a tested version, if not the pinned one: {}",
        run.stdout
    );
}

#[tokio::test]
async fn skills_lists_codex_home_skills_and_broken_files() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let good = sbx.codex_home().join("skills/cli-listed");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::write(
        good.join("SKILL.md"),
        "---\nname: cli-listed\ndescription: Shown by codexmcp skills\n---\n",
    )
    .unwrap();
    let bad = sbx.codex_home().join("skills/broken");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("SKILL.md"), "no front matter").unwrap();
    let run = sbx.run(&["skills"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("$cli-listed") && run.stdout.contains("Shown by codexmcp skills"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("broken/SKILL.md") && run.stdout.contains("front matter"),
        "{}",
        run.stdout
    );
}

/// `doctor --live` runs one real turn against the demo model — no key — and reports each step.
#[tokio::test]
async fn doctor_live_runs_a_real_turn_without_a_key() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let mut cmd = sbx.codexmcp(&["doctor", "--live"]);
    cmd.env("XDG_CACHE_HOME", sbx.work().join("cache"));
    let run = Run::from(
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap(),
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    for step in ["live codex", "live model", "live sandbox", "live file"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with("ok") && l.contains(step)),
            "{step}:\n{}",
            run.stdout
        );
    }
    // A Codex that cannot start fails the live steps, each with a fix.
    let mut cmd = sbx.codexmcp(&["doctor", "--live"]);
    cmd.env("XDG_CACHE_HOME", sbx.work().join("cache"))
        .env("CODEX_BIN", "/bin/false");
    let run = Run::from(
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap(),
    );
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("live codex")),
        "{}",
        run.stdout
    );
}

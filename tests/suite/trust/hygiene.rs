//! Nothing of codexmcp's outlives it or trips it: a killed demo takes its TUI with it and its
//! home goes at the next start, `notify_command` runs are reaped at exit, and arguments are
//! bytes (a path may be anything; text that is not UTF-8 is a usage error, never a panic).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use crate::support::codex::{Sandbox, output, procs_with_cmdline, procs_with_env, wait_for};
use crate::support::mock_openai::{MockServer, Step};
use crate::support::tmux::{Tmux, binary};

/// `codexmcp demo` killed with SIGKILL: its TUI child goes too (the guardian kills what
/// carries its marker), and the home it could not remove is removed by the next demo.
#[tokio::test]
async fn a_killed_demo_leaves_nothing_running_and_its_home_goes_next_time() {
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let cache = sbx.work().join("cache");
    let cache_env = [("XDG_CACHE_HOME", cache.to_str().unwrap())];
    let tmux = Tmux::start_with_env(&sbx, &["demo"], &cache_env);
    tmux.wait_for_text("demo model (scripted, no key)", 30)
        .await;
    let me = binary();
    let demo: Vec<i32> = procs_with_cmdline(&format!("{} demo", me.display()))
        .into_iter()
        .filter(|&p| {
            std::fs::read(format!("/proc/{p}/cmdline")).is_ok_and(|c| c.ends_with(b"\0demo\0"))
        })
        .collect();
    assert_eq!(demo.len(), 1, "the demo's own process: {demo:?}");
    let home = cache.join(format!("codexmcp/demo-{}", demo[0]));
    assert!(home.is_dir(), "{}", home.display());
    let child_env = format!("CODEX_HOME={}", home.join("codex").display());
    assert!(!procs_with_env(&child_env).is_empty(), "its TUI runs");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(demo[0]),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert!(
        wait_for(10, || procs_with_env(&child_env).is_empty()).await,
        "the demo's TUI outlived it: {:?}",
        procs_with_env(&child_env)
    );
    assert!(home.is_dir(), "nobody could remove it yet");

    let mut again = sbx.codexmcp(&["demo", "--exec"]);
    again.envs(cache_env);
    let again = output(again).await;
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(!home.exists(), "the next demo removes the dead one's home");
}

/// A `notify_command` still running when the TUI quits is given a moment, then killed with
/// whatever it started.
#[tokio::test]
async fn notify_command_runs_do_not_outlive_the_tui() {
    let server = MockServer::start(vec![Step::message("a turn is done")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let mark = sbx.work().join("notified");
    let config = sbx.work().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "notify = \"off\"\nnotify_command = [\"sh\", \"-c\", \"sleep 307.3; touch {}\", \"notify\"]\n",
            mark.display()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let tmux = Tmux::start_with_env(&sbx, &[], &[("CODEXMCP_CONFIG", config.as_str())]);
    tmux.wait_for_text("ready", 20).await;
    tmux.type_text("go");
    tmux.keys(&["Enter"]);
    // The terminal loses focus (the sequence a terminal sends), so the end of the turn is
    // notified.
    tmux.type_text("\u{1b}[O");
    tmux.wait_for_text("a turn is done", 30).await;
    assert!(
        wait_for(10, || !procs_with_cmdline("sleep 307.3").is_empty()).await,
        "notify_command ran"
    );
    tmux.type_text("/quit");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("EXITED rc=0", 20).await;
    assert!(
        wait_for(5, || procs_with_cmdline("sleep 307.3").is_empty()).await,
        "left running: {:?}",
        procs_with_cmdline("sleep 307.3")
    );
    assert!(!mark.exists());
}

/// Paths are bytes: a Latin-1 working dir is passed on as it is (Codex 0.171 refuses such a
/// folder, so exec fails up front saying so, naming it escaped), a Latin-1 image path that does not
/// exist is a usage error naming it; a text argument that is not UTF-8 is a usage error (exit
/// 2) that names it escaped. None of them panics (exit 101).
#[tokio::test]
async fn arguments_are_bytes_and_text_must_be_utf8() {
    let server = MockServer::start(vec![Step::message("never asked")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let run = |args: Vec<&OsStr>| {
        let mut cmd = sbx.codexmcp(&[]);
        cmd.args(args);
        output(cmd)
    };
    let dir = sbx.work().join(OsStr::from_bytes(b"caf\xe9"));
    let latin = run(vec![
        OsStr::new("-C"),
        dir.as_os_str(),
        OsStr::new("exec"),
        OsStr::new("--json"),
        OsStr::new("make it"),
    ])
    .await;
    assert_eq!(latin.code, Some(1), "{}\n{}", latin.stdout, latin.stderr);
    assert!(latin.stderr.contains("caf\\xE9"), "{}", latin.stderr);
    assert!(latin.stderr.contains("not UTF-8"), "{}", latin.stderr);
    assert!(dir.is_dir(), "the folder itself was made, by its bytes");
    assert!(server.requests().is_empty());

    let image = sbx.work().join(OsStr::from_bytes(b"\xe9.png"));
    let missing = run(vec![
        OsStr::new("exec"),
        OsStr::new("-i"),
        image.as_os_str(),
        OsStr::new("look"),
    ])
    .await;
    assert_eq!(missing.code, Some(2), "{}", missing.stderr);
    assert!(missing.stderr.contains("\\xE9.png"), "{}", missing.stderr);

    for args in [
        vec![OsStr::new("diff"), OsStr::from_bytes(b"\xe9t\xe9")],
        vec![OsStr::new("exec"), OsStr::from_bytes(b"caf\xe9 au lait")],
    ] {
        let said = run(args).await;
        assert_eq!(said.code, Some(2), "{}", said.stderr);
        assert!(said.stderr.contains("is not UTF-8"), "{}", said.stderr);
        assert!(
            said.stderr.contains("\\xE9"),
            "named, escaped: {}",
            said.stderr
        );
    }
}

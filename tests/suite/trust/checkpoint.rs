//! Checkpoints see every change and always finish: a file codexmcp cannot read is recorded
//! with the reason instead of hiding the rest of the turn, a huge sparse file costs nothing, a
//! content change with a restored mtime is still seen, and a signal stops a busy checkpoint.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime};

use crate::support::codex::{Run, Sandbox, output, procs_with_env, wait_for};
use crate::support::mock_openai::{MockServer, Step};
use codexmcp::session::checkpoint::{RelPath, Status, Store};

/// Hands the sandbox to the unprivileged user (once: a chown moves every file's change time),
/// and lets it reach the sandbox and the Codex binary (a checkout made with a strict umask
/// would stop it at the first folder).
fn give_to_nobody(sbx: &Sandbox) {
    let status = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(sbx.root.path())
        .status()
        .unwrap();
    assert!(status.success(), "chown the sandbox");
    let codex = crate::support::codex::codex_bin(&crate::support::codex::CODEX_VERSION);
    let ours = crate::support::codex::codexmcp_bin();
    for path in [sbx.root.path(), codex.as_path(), ours.as_path()] {
        for dir in path.ancestors().skip(1) {
            let meta = std::fs::metadata(dir).unwrap();
            let mode = meta.permissions().mode();
            if mode & 0o001 == 0 {
                std::fs::set_permissions(dir, PermissionsExt::from_mode(mode | 0o001)).unwrap();
            }
        }
    }
}

/// The same command as `sbx.codexmcp(args)`, run as an unprivileged user (uid 65534): root
/// reads a `chmod 000` file anyway.
fn as_nobody(sbx: &Sandbox, args: &[&str]) -> std::process::Command {
    let inner = sbx.codexmcp(args);
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(inner.get_program())
        .args(inner.get_args())
        .current_dir(sbx.work())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sbx.root.path())
        .stdin(std::process::Stdio::null());
    for (k, v) in inner.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd
}

/// A turn (Codex itself) edits one file and makes another unreadable. The checkpoint records
/// the unreadable one with the reason and still has everything else: the turn's diff lists
/// both, `codexmcp diff` shows this turn (not the one before), and undo brings both back.
#[tokio::test]
async fn an_unreadable_file_does_not_hide_the_rest_of_the_turn() {
    let server = MockServer::start(vec![
        Step::shell("printf 'a\\n' > a.txt && printf 'secret\\n' > locked.txt"),
        Step::message("first"),
        Step::shell(
            "printf 'b\\n' >> a.txt && printf 'x\\n' >> locked.txt && chmod 000 locked.txt",
        ),
        Step::message("second"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    std::fs::create_dir_all(sbx.output()).unwrap();
    give_to_nobody(&sbx);
    let full = ["-s", "danger-full-access"];
    let first = output(as_nobody(
        &sbx,
        &[&full[..], &["exec", "--json", "one"]].concat(),
    ))
    .await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let id = first.thread_id();
    let second = output(as_nobody(
        &sbx,
        &[&full[..], &["exec", "--json", "--resume", &id, "two"]].concat(),
    ))
    .await;
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    let events = second.events();
    let diff = events
        .iter()
        .find(|e| e["type"] == "turn.diff")
        .unwrap_or_else(|| panic!("no turn.diff: {}\n{}", second.stdout, second.stderr));
    let files = diff["files"].as_array().unwrap();
    let a = files.iter().find(|f| f["path"] == "a.txt").unwrap();
    assert_eq!(
        (a["status"].as_str(), a["added"].as_u64()),
        (Some("modified"), Some(1))
    );
    let locked = files.iter().find(|f| f["path"] == "locked.txt").unwrap();
    assert_eq!(locked["not_checkpointed"], "permission denied", "{diff}");

    let shown = output(as_nobody(&sbx, &["diff", &id])).await;
    assert_eq!(shown.code, Some(0), "{}", shown.stderr);
    assert!(shown.stdout.contains(" a\n+b\n"), "{}", shown.stdout);
    assert!(
        shown
            .stdout
            .contains("not checkpointed: locked.txt (permission denied)"),
        "{}",
        shown.stdout
    );

    let undo = output(as_nobody(&sbx, &[&full[..], &["undo", &id]].concat())).await;
    assert_eq!(undo.code, Some(0), "{}\n{}", undo.stdout, undo.stderr);
    assert_eq!(
        std::fs::read_to_string(sbx.output().join("a.txt")).unwrap(),
        "a\n"
    );
    assert_eq!(
        std::fs::read_to_string(sbx.output().join("locked.txt")).unwrap(),
        "secret\n",
        "its content before the turn was recorded: it comes back, mode and all\n{}",
        undo.stdout
    );
    assert!(
        undo.stdout.contains("restored: a.txt, locked.txt"),
        "{}",
        undo.stdout
    );
}

/// A terabyte of holes in the working dir, and a turn that appends to it: the checkpoint
/// records it by its status (never reading it), the turn finishes and its diff names it.
#[tokio::test]
async fn a_sparse_terabyte_is_recorded_by_its_status_only() {
    let server = MockServer::start(vec![
        Step::shell("printf x >> huge.bin && printf 'hi\\n' > small.txt"),
        Step::message("done"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    std::fs::create_dir_all(sbx.output()).unwrap();
    let huge = std::fs::File::create(sbx.output().join("huge.bin")).unwrap();
    huge.set_len(1 << 40).unwrap();
    let mut cmd = tokio::process::Command::from(sbx.codexmcp(&["exec", "--json", "append"]));
    cmd.kill_on_drop(true);
    let run = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("exec finishes (a checkpoint that read the terabyte would not)")
        .map(Run::from)
        .unwrap();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let events = run.events();
    let diff = events.iter().find(|e| e["type"] == "turn.diff").unwrap();
    let files = diff["files"].as_array().unwrap();
    let big = files.iter().find(|f| f["path"] == "huge.bin").unwrap();
    assert_eq!(big["status"], "modified", "{diff}");
    assert!(
        big["not_checkpointed"]
            .as_str()
            .unwrap()
            .starts_with("over the size cap (16 MiB)"),
        "{diff}"
    );
    assert!(files.iter().any(|f| f["path"] == "small.txt"), "{diff}");
}

/// A content change that keeps the size and puts the mtime back is still seen: the change
/// time moves, and the checkpoint compares it as git's index does.
#[test]
fn a_content_change_with_a_restored_mtime_is_seen() {
    let work = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    // A short racy window, so the status comparison itself decides (not a re-read of a file
    // changed too recently to trust).
    let store = Store::at(state.path()).with_racy_window(Duration::from_millis(100));
    let path = work.path().join("f.txt");
    std::fs::write(&path, "aaaa\n").unwrap();
    let old = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let before = store.snapshot(work.path(), None).unwrap();
    let again = store.snapshot(work.path(), Some(&before)).unwrap();
    assert_eq!(again.root, before.root, "unchanged: trusted by its status");
    std::thread::sleep(Duration::from_millis(300));
    {
        use std::io::Write;
        let mut f = std::fs::File::options().write(true).open(&path).unwrap();
        f.write_all(b"bbbb\n").unwrap();
        f.set_modified(old).unwrap();
    }
    let after = store.snapshot(work.path(), Some(&before)).unwrap();
    let f = RelPath::from("f.txt");
    assert_eq!(
        store.entries(&after).unwrap()[&f].mtime_ns,
        store.entries(&before).unwrap()[&f].mtime_ns,
        "the mtime was put back"
    );
    let changes = store.diff(&before, &after).unwrap().files;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].status, Status::Modified);
}

/// SIGINT or SIGTERM while the checkpoint before a turn is busy (a file it must hash for a
/// long time): exec stops, exits 130 and leaves nothing running. (How fast: scripts/bench.sh.)
#[tokio::test]
async fn a_signal_stops_a_busy_checkpoint() {
    for signal in [
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGTERM,
    ] {
        let server = MockServer::start(vec![Step::message("never asked")]).await;
        let sbx = Sandbox::new(&server.base_url());
        std::fs::create_dir_all(sbx.output()).unwrap();
        // 64 GiB of holes, under a cap raised to 100 GiB: read and hashed in full.
        let big = std::fs::File::create(sbx.output().join("holes.bin")).unwrap();
        big.set_len(64 << 30).unwrap();
        let mut cmd = sbx.codexmcp(&["exec", "--json", "hello"]);
        cmd.env("CODEXMCP_CHECKPOINT_MAX_FILE_MB", "102400")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = tokio::process::Command::from(cmd).spawn().unwrap();
        // Busy: it has started reading the file.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(child.try_wait().unwrap().is_none(), "still checkpointing");
        let pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
        let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
            .await
            .unwrap_or_else(|_| panic!("{signal}: exec still running 20 s after the signal"))
            .unwrap();
        assert_eq!(status.code(), Some(130), "{signal}");
        assert!(server.requests().is_empty(), "Codex never started");
        let mut said = String::new();
        use tokio::io::AsyncReadExt;
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut said)
            .await
            .unwrap();
        assert!(
            said.contains("checkpointing the working dir… 1 path so far"),
            "a long checkpoint says how far it got: {said}"
        );
        let home = format!("CODEX_HOME={}", sbx.codex_home().display());
        assert!(
            wait_for(5, || procs_with_env(&home).is_empty()).await,
            "{signal}: processes left: {:?}",
            procs_with_env(&home)
        );
    }
}

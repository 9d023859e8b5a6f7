//! Several sessions in one real terminal, with the real pinned Codex: turns that run at the
//! same time, switching, a background approval, steering a running turn, a notify command,
//! and a worktree that keeps a session's files apart.

use std::path::PathBuf;
use std::time::Duration;

use crate::support::codex::{Sandbox, git, wait_for};
use crate::support::mock_openai::{MockServer, Step};
use crate::support::tmux::Tmux;

/// Two sessions started a second apart run at the same time: the model sees the second
/// prompt before the first turn's command has finished. Each tab shows its own rows and tree;
/// the first turn ends in the background and the notify command gets its JSON.
#[tokio::test]
async fn two_sessions_run_at_once_and_a_background_end_is_announced() {
    let server = MockServer::start(vec![
        Step::shell("sleep 3 && printf one > one.txt"),
        Step::shell("printf two > two.txt"),
        Step::message("a turn is done"),
        Step::message("a turn is done"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let other = sbx.work().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let note = sbx.work().join("notified.json");
    let config = sbx.work().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "notify = \"osc9\"\nnotify_command = [\"sh\", \"-c\", \"printf '%s' \\\"$1\\\" > {}\", \"notify\"]\n",
            note.display()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let tmux = Tmux::start_with_env(&sbx, &[], &[("CODEXMCP_CONFIG", config.as_str())]);
    tmux.wait_for_text("ready", 20).await;
    tmux.type_text("first job");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("sleep 3", 30).await;
    tmux.type_text(&format!("/tab {}", other.display()));
    tmux.keys(&["Enter"]);
    tmux.wait_for_text(" 2 other", 10).await;
    tmux.type_text("second job");
    tmux.keys(&["Enter"]);
    // The second tab's own turn, tree and rows; the first ends meanwhile, out of sight.
    tmux.wait_for_text("two.txt", 30).await;
    tmux.wait_for_text("1 first job ✓ done", 30).await;
    let screen = tmux.screen();
    assert!(
        !screen.contains("one.txt"),
        "the other tab's tree: {screen}"
    );
    let requests = server.requests();
    let at = |needle: &str| {
        requests
            .iter()
            .position(|r| r.text().contains(needle))
            .unwrap_or_else(|| panic!("no request with {needle}"))
    };
    let first_output = requests
        .iter()
        .position(|r| {
            r.text().contains("first job") && r.body.to_string().contains("function_call_output")
        })
        .expect("the first turn's follow-up");
    assert!(
        at("second job") < first_output,
        "the second prompt reached the model while the first turn ran"
    );
    assert!(wait_for(10, || note.exists()).await, "notify_command ran");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&note).unwrap()).unwrap();
    assert_eq!(json["status"], "done");
    assert_eq!(json["title"], "first job");
    assert_eq!(json["last_message"], "a turn is done");
    assert!(
        json["thread_id"].as_str().is_some_and(|t| t.len() == 36),
        "{json}"
    );
    // Switching shows the first session: its rows and its tree.
    tmux.keys(&["M-1"]);
    tmux.wait_for_all(&["one.txt", "1 first job · idle"], 10)
        .await;
    // Waited for, not read off that screen: a frame can be caught half drawn.
    tmux.wait_gone("two.txt", 10).await;
}

/// On the app-server: an approval in a background session waits in the bar and is answered
/// after switching; Enter during a running turn steers it (the model's next request in that
/// turn carries the text).
#[tokio::test]
async fn background_approvals_wait_and_enter_steers_the_running_turn() {
    let outside = PathBuf::from(std::env::var("HOME").unwrap())
        .join(format!(".codexmcp-tab-approval-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).unwrap();
    let target = outside.join("approved.txt");
    let server = MockServer::start(vec![
        Step::shell(&format!(
            "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: {}\n+approved\n*** End Patch\nEOF",
            target.display()
        )),
        Step::shell("sleep 4"),
        Step::message("steered turn done"),
        Step::message("patched"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let tmux = Tmux::start(
        &sbx,
        &["--backend", "app-server", "--approval-policy", "on-request"],
    );
    tmux.wait_for_text("ready", 20).await;
    tmux.type_text("write outside");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("Codex wants to change files", 60).await;
    // A new session: the modal stays with the first one, the bar says it waits.
    tmux.keys(&["C-t"]);
    tmux.wait_for_text("1 write outside ⚠ approval", 10).await;
    assert!(
        wait_for(5, || !tmux.screen().contains("Codex wants to change files")).await,
        "the modal stays with its session: {}",
        tmux.screen()
    );
    tmux.type_text("run the slow thing");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("sleep 4", 60).await;
    tmux.wait_for_text("Enter steers the turn", 5).await;
    tmux.type_text("also print DONE at the end");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("sent into the running turn", 5).await;
    tmux.wait_for_text("steered turn done", 60).await;
    let steered = server
        .requests()
        .iter()
        .any(|r| r.text().contains("run the slow thing") && r.text().contains("also print DONE"));
    assert!(
        steered,
        "the steer text reached the running turn's next request"
    );
    assert!(!target.exists(), "nothing written before the answer");
    tmux.keys(&["M-1"]);
    tmux.wait_for_text("Codex wants to change files", 10).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    tmux.keys(&["a"]);
    tmux.wait_for_text("patched", 60).await;
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "approved\n");
    let _ = std::fs::remove_dir_all(&outside);
}

/// In agent mode Enter during the run tells the agent: the words join its conversation
/// before its next model request (here, after the Codex call it is waiting for), on the exec
/// backend as much as any.
#[tokio::test]
async fn enter_tells_the_running_agent() {
    let agent = MockServer::start(vec![
        Step::call("codex", serde_json::json!({"prompt": "run the slow thing"})),
        Step::message("done, and noted the README"),
    ])
    .await;
    let codex = MockServer::start(vec![Step::shell("sleep 5"), Step::message("slept")]).await;
    let sbx = Sandbox::new(&codex.base_url());
    let tmux = Tmux::start_with_agent(&sbx, &[], &agent.base_url()).await;
    tmux.type_text("do the slow thing");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("sleep 5", 60).await;
    tmux.wait_for_text("Enter tells the agent", 5).await;
    tmux.type_text("also add a README");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("sent to the agent", 5).await;
    tmux.wait_for_text("done, and noted the README", 60).await;
    let asked = agent.requests();
    assert_eq!(asked.len(), 2, "one request after the Codex call");
    let input = asked[1].body["input"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let said = input
        .iter()
        .position(|i| i.to_string().contains("also add a README"))
        .unwrap_or_else(|| panic!("not in the agent's next request: {input:?}"));
    let output = input
        .iter()
        .position(|i| i["type"] == "function_call_output")
        .expect("the Codex call's output");
    assert!(output < said, "after the tool output it was typed during");
}

/// `codexmcp --worktree NAME` in a git repository: the session works in a new worktree on
/// branch `codexmcp/NAME`; its files appear only there, and the user's checkout — branch,
/// uncommitted edit — is untouched.
#[tokio::test]
async fn a_worktree_session_keeps_its_files_to_itself() {
    let server = MockServer::start(vec![
        Step::shell("printf wt > made-here.txt"),
        Step::message("written in the worktree"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let repo = sbx.work();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(sbx.output()).unwrap();
    std::fs::write(sbx.output().join("tracked.txt"), "v1\n").unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    std::fs::write(sbx.output().join("tracked.txt"), "my uncommitted edit\n").unwrap();
    let tmux = Tmux::start(&sbx, &["--worktree", "feat"]);
    tmux.wait_for_chat("branch codexmcp/feat", 20).await;
    tmux.type_text("make a file");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("written in the worktree", 60).await;
    assert!(
        !sbx.output().join("made-here.txt").exists(),
        "not in the user's checkout"
    );
    let listed = git(&repo, &["worktree", "list", "--porcelain"]);
    let wt = listed
        .lines()
        .filter_map(|l| l.strip_prefix("worktree "))
        .find(|p| p.ends_with("/feat"))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no worktree feat: {listed}"));
    assert_eq!(
        std::fs::read_to_string(wt.join("output/made-here.txt")).unwrap(),
        "wt"
    );
    assert_eq!(git(&repo, &["branch", "--show-current"]).trim(), "main");
    assert_eq!(
        std::fs::read_to_string(sbx.output().join("tracked.txt")).unwrap(),
        "my uncommitted edit\n"
    );
    assert!(git(&wt, &["branch", "--show-current"]).trim() == "codexmcp/feat");
    // Removal never throws uncommitted work away: it refuses until the work is committed.
    git(&wt, &["add", "-A"]);
    git(&wt, &["commit", "-q", "-m", "the session's work"]);
    // A second session opens and closes at once (it has no worktree): the worktree session
    // is the last one again.
    tmux.type_text("/tab");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text(" 2 ", 10).await;
    tmux.type_text("/close");
    tmux.keys(&["Enter"]);
    // Closing the last session asks what to do with its worktree; --remove takes the session
    // back to the user's checkout and the worktree away, and keeps the branch.
    tmux.type_text("/close");
    tmux.keys(&["Enter"]);
    tmux.wait_for_chat("goes back to your checkout", 10).await;
    tmux.type_text("/close --remove");
    tmux.keys(&["Enter"]);
    assert!(wait_for(20, || !wt.exists()).await, "{}", tmux.screen());
    tmux.wait_for_chat("removed; the branch", 10).await;
    // (The folder's exact path is checked on the App; here it may wrap anywhere.)
    tmux.wait_for_chat("again, on a new thread", 10).await;
    assert!(git(&repo, &["branch", "--list", "codexmcp/feat"]).contains("codexmcp/feat"));
}

/// `codexmcp --restore` reopens the sessions open at the last quit: the same tabs, threads
/// and working dirs.
#[tokio::test]
async fn restore_reopens_the_tabs_of_the_last_run() {
    let server = MockServer::start(vec![
        Step::message("answer one"),
        Step::message("answer two"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let other = sbx.work().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let tmux = Tmux::start(&sbx, &[]);
    tmux.wait_for_text("ready", 20).await;
    tmux.type_text("alpha prompt");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("answer one", 60).await;
    tmux.type_text(&format!("/tab {}", other.display()));
    tmux.keys(&["Enter"]);
    tmux.wait_for_text(" 2 other", 10).await;
    tmux.type_text("beta prompt");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("answer two", 60).await;
    tmux.type_text("/quit");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("EXITED rc=0", 20).await;
    drop(tmux);

    let again = Tmux::start(&sbx, &["--restore"]);
    again
        .wait_for_all(&["2 beta prompt", "1 alpha prompt"], 30)
        .await;
    // The visible tab is the last one opened, with its own transcript.
    again.wait_for_text("answer two", 10).await;
    again.keys(&["M-1"]);
    again.wait_for_text("answer one", 10).await;
}

/// Every Codex thread under `dir` (rollout files are named after their thread).
fn rollouts(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            found.extend(rollouts(&path));
        } else if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            found.push(name.to_string());
        }
    }
    found
}

/// Forgetting a thread from the resume picker after an undo archives in Codex the thread and
/// the copy undo made of it: none is left in Codex's live history to come back as a thread of
/// its own.
#[tokio::test]
async fn forgetting_a_thread_archives_the_copies_undo_made() {
    let server = MockServer::start(vec![Step::message("made it")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let tmux = Tmux::start(&sbx, &["--backend", "app-server"]);
    tmux.wait_for_text("Ask Codex", 20).await;
    tmux.type_text("make it");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("made it", 60).await;
    tmux.wait_for_text("● ready", 20).await;
    tmux.type_text("/undo");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("the conversation is back before the turn", 60)
        .await;
    let live = sbx.codex_home().join("sessions");
    let before = rollouts(&live);
    assert!(before.len() >= 2, "the thread and undo's copy: {before:?}");
    tmux.type_text("/resume");
    tmux.keys(&["Enter"]);
    // The picker's row ("make it  3s ago  <id> …"), not the chat's "make it".
    tmux.wait_for_text(" ago ", 20).await;
    tmux.keys(&["DC"]);
    tmux.wait_for_text("press Delete again", 10).await;
    tmux.keys(&["DC"]);
    tmux.wait_for_text("resume a thread", 10).await;
    tmux.keys(&["Escape"]);
    tmux.wait_for_chat("archived in Codex too", 30).await;
    assert_eq!(rollouts(&live), Vec::<String>::new(), "nothing left live");
    let archived = rollouts(&sbx.codex_home().join("archived_sessions"));
    assert_eq!(archived.len(), before.len(), "{archived:?}");
}

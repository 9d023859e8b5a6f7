//! Review: what a turn changed, on screen and from the command line. The diff view and its
//! live form, file-change rows that expand to their diff, and — with the real pinned Codex —
//! Codex's own live diff on the app-server, one diff for an agent's several Codex turns, and
//! the configurable size above which a file is checkpointed by size and time only.

use codexmcp::engine::CodexEvent;
use codexmcp::engine::event::{FileChange, ItemKind, Status as ItemStatus};
use codexmcp::session::checkpoint::{Change, Status, TurnDiff};
use codexmcp::tui::Msg;
use codexmcp::tui::app::{App, Effect, Focus, Popup};
use ratatui::crossterm::event::KeyCode;

use super::tui::{app, app_with, codex, item, key, render, send, type_str};
use super::tui_flow::on_a_thread;
use crate::support::codex::Sandbox;
use crate::support::mock_openai::{MockServer, Step};

#[test]
fn diff_shows_what_the_last_turn_changed_and_the_tree_marks_it() {
    let mut a = app();
    type_str(&mut a, "/diff");
    key(&mut a, KeyCode::Enter);
    assert!(render(&a, 100, 24).contains("no diff yet"));
    a.update(Msg::TurnDiff {
        run: 0,
        diff: TurnDiff {
        ignored: vec![],
        files: vec![
            Change {
                path: "old.txt".into(),
                status: Status::Deleted,
                added: 0,
                removed: 1,
                note: None,
            },
            Change {
                path: "snake.py".into(),
                status: Status::Created,
                added: 2,
                removed: 0,
                note: None,
            },
        ],
        patch: "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n--- /dev/null\n+++ b/snake.py\n@@ -0,0 +1,2 @@\n+print('snake')\n+print('\u{1b}]0;x\u{7}')\n".into(),
        },
    });
    assert!(
        a.session()
            .files()
            .is_changed(&a.session().info().cwd.join("snake.py"))
    );
    type_str(&mut a, "/diff");
    key(&mut a, KeyCode::Enter);
    assert!(matches!(a.popup(), Some(Popup::Diff(_))));
    let screen = render(&a, 100, 24);
    assert!(!screen.contains('\u{1b}'), "{screen}");
    insta::assert_snapshot!(screen);
    // `]` jumps to the next file's part of the patch, `[` back.
    let at = |a: &App| match a.popup() {
        Some(Popup::Diff(v)) => v.lines[v.scroll as usize].clone(),
        _ => panic!("no diff view"),
    };
    key(&mut a, KeyCode::Char(']'));
    assert_eq!(at(&a), "--- a/old.txt");
    key(&mut a, KeyCode::Char(']'));
    assert_eq!(at(&a), "--- /dev/null", "snake.py's part");
    key(&mut a, KeyCode::Char('['));
    assert_eq!(at(&a), "--- a/old.txt");
    key(&mut a, KeyCode::Esc);
    assert!(a.popup().is_none());
    // An earlier turn of the thread is loaded from the checkpoints.
    on_a_thread(&mut a);
    type_str(&mut a, "/diff 1");
    assert!(matches!(
        key(&mut a, KeyCode::Enter).as_slice(),
        [Effect::LoadDiff { turn: 1, .. }]
    ));
}

/// A patch whose removed and added lines look like file headers (`--- x`, `+++ y`): the hunk's
/// line counts say they are content, so the file is one piece.
#[test]
fn header_like_lines_inside_a_hunk_stay_in_their_file() {
    let patch = "--- a/notes.md\n+++ b/notes.md\n@@ -1,2 +1,2 @@\n--- x\n+++ y\n context\n--- /dev/null\n+++ b/new.md\n@@ -0,0 +1 @@\n+hi\n";
    let pieces = codexmcp::present::diff::split(patch);
    let names: Vec<&str> = pieces.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["notes.md", "new.md"]);
    assert_eq!(pieces[0].1.len(), 6, "{:?}", pieces[0].1);
}

/// Codex's git-style diff (what `turn/diff/updated` carries) read back: created, modified and
/// deleted files, with their line counts.
#[test]
fn codexs_unified_diff_reads_back_as_a_turn_diff() {
    let patch = "diff --git a/new.py b/new.py\nnew file mode 100644\nindex 0000000..e69de29\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+a\n+b\ndiff --git a/old.py b/old.py\nindex 1..2 100644\n--- a/old.py\n+++ b/old.py\n@@ -1,2 +1,2 @@\n-x\n+y\n z\ndiff --git a/gone.py b/gone.py\ndeleted file mode 100644\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n";
    let diff = codexmcp::present::diff::from_unified(patch);
    let got: Vec<(&str, &Status, usize, usize)> = diff
        .files
        .iter()
        .map(|c| (c.path.as_str().unwrap(), &c.status, c.added, c.removed))
        .collect();
    assert_eq!(
        got,
        [
            ("new.py", &Status::Created, 2, 0),
            ("old.py", &Status::Modified, 1, 1),
            ("gone.py", &Status::Deleted, 0, 1),
        ]
    );
}

fn snake_change() -> ItemKind {
    ItemKind::FileChange {
        changes: vec![
            FileChange {
                path: "/w/output/snake.py".into(),
                kind: "add".into(),
                diff: Some("print('snake')\nprint('\u{1b}[31mred')\n".into()),
            },
            FileChange {
                path: "/w/output/README.md".into(),
                kind: "update".into(),
                diff: Some("@@ -1 +1 @@\n-# old\n+# snake\n".into()),
            },
        ],
        status: ItemStatus::Completed,
    }
}

/// A file-change row folds to its file list and expands (Enter) to its diff; after the turn,
/// codexmcp's checkpoint diff replaces Codex's, and a row of its own sums up the turn —
/// including what a shell command wrote, which no file-change row reports.
#[test]
fn a_file_change_row_expands_to_its_diff() {
    let mut a = app();
    let run = send(&mut a, "make a snake game");
    codex(
        &mut a,
        run,
        CodexEvent::ItemCompleted {
            item: item("item_1", snake_change()),
        },
    );
    let folded = render(&a, 100, 20);
    assert!(folded.contains("more lines (Enter expands)"), "{folded}");
    a.focus = Focus::Events;
    key(&mut a, KeyCode::Enter);
    let screen = render(&a, 100, 20);
    assert!(!screen.contains('\u{1b}'), "{screen}");
    insta::assert_snapshot!("file_change_row_expanded", screen);

    a.update(Msg::TurnDiff {
        run,
        diff: TurnDiff {
            files: vec![
                Change { path: "README.md".into(), status: Status::Modified, added: 1, removed: 1, note: None },
                Change { path: "log.txt".into(), status: Status::Created, added: 1, removed: 0, note: None },
                Change { path: "snake.py".into(), status: Status::Created, added: 2, removed: 0, note: None },
            ],
            ignored: vec![],
            patch: "--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-# old\n+# snake game\n--- /dev/null\n+++ b/log.txt\n@@ -0,0 +1 @@\n+ran\n--- /dev/null\n+++ b/snake.py\n@@ -0,0 +1,2 @@\n+print('snake')\n+print('red')\n".into(),
        },
    });
    let rows = a.session().events().rows();
    let row = rows.iter().find(|r| r.id == "item_1").unwrap();
    assert!(
        row.diff.iter().any(|l| l == "+# snake game"),
        "{:?}",
        row.diff
    );
    assert!(
        !row.diff.iter().any(|l| l.contains("log.txt")),
        "only its own files: {:?}",
        row.diff
    );
    let sum = rows.iter().last().unwrap();
    assert_eq!(sum.title, "the turn changed 3 files (+4 -1)");
    assert!(sum.diff.iter().any(|l| l == "+ran"), "{:?}", sum.diff);
    assert!(
        a.session()
            .files()
            .is_changed(std::path::Path::new("/w/output/log.txt"))
    );
    key(&mut a, KeyCode::End);
    key(&mut a, KeyCode::Enter);
    insta::assert_snapshot!("turn_summary_row_expanded", render(&a, 100, 24));
}

/// While a turn runs, F2 shows Codex's own diff of it so far and follows each update; when the
/// turn ends, the checkpoint diff takes its place.
#[test]
fn the_live_diff_follows_the_running_turn() {
    // Codex names files from the repository's root; the view, from the working dir.
    let mut a = app_with(|i| i.cwd = "/repo/output".into());
    let run = send(&mut a, "edit");
    a.update(Msg::Codex { run, event: CodexEvent::TurnDiffUpdated {
        diff: "diff --git a/output/x.txt b/output/x.txt\nnew file mode 100644\n--- /dev/null\n+++ b/output/x.txt\n@@ -0,0 +1 @@\n+one\n".into(),
    }});
    key(&mut a, KeyCode::F(2));
    let live = |a: &App| match a.popup() {
        Some(Popup::Diff(v)) => (v.live, v.label.clone(), v.lines.join("\n")),
        _ => panic!("no diff view"),
    };
    let (is_live, label, text) = live(&a);
    assert!(is_live && label.contains("so far"), "{label}");
    assert!(
        text.contains("new      x.txt (+1)") && text.contains("+one"),
        "{text}"
    );
    codex(&mut a, run, CodexEvent::TurnDiffUpdated {
        diff: "diff --git a/output/x.txt b/output/x.txt\nnew file mode 100644\n--- /dev/null\n+++ b/output/x.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n".into(),
    });
    assert!(live(&a).2.contains("+two"), "the open view follows");
    insta::assert_snapshot!("live_diff_view", render(&a, 90, 16));
    a.update(Msg::TurnDiff {
        run,
        diff: TurnDiff {
            ignored: vec![],
            files: vec![Change {
                path: "x.txt".into(),
                status: Status::Created,
                added: 3,
                removed: 0,
                note: None,
            }],
            patch: "--- /dev/null\n+++ b/x.txt\n@@ -0,0 +1,3 @@\n+one\n+two\n+three\n".into(),
        },
    });
    let (is_live, label, text) = live(&a);
    assert!(
        !is_live && label == "the last turn" && text.contains("+three"),
        "{label}: {text}"
    );
}

/// The app-server backend: Codex's diff streams as `turn.diff.updated` while the turn runs, its
/// file-change item carries the file's content, and the checkpoint diff closes the turn.
#[tokio::test]
async fn codex_streams_its_own_diff_on_the_app_server() {
    let patch = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: snake.py\n+print('snake')\n*** End Patch\nEOF";
    let server = MockServer::start(vec![Step::shell(patch), Step::message("wrote it")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx
        .run(&[
            "exec",
            "--backend",
            "app-server",
            "--json",
            "write snake.py",
        ])
        .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let events = run.events();
    let live: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "turn.diff.updated")
        .filter_map(|e| e["diff"].as_str())
        .collect();
    assert!(
        live.iter().any(|d| d.contains("+print('snake')")),
        "{}",
        run.stdout
    );
    let change = events
        .iter()
        .find(|e| e["type"] == "item.completed" && e["item"]["kind"] == "file_change")
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert_eq!(
        change["item"]["changes"][0]["diff"], "print('snake')\n",
        "{change}"
    );
    let last = events.last().unwrap();
    assert_eq!(last["type"], "turn.diff");
    assert_eq!(last["files"][0]["path"], "snake.py");
}

/// An agent request that runs Codex twice is one change to review: `exec --agent` ends with one
/// diff holding both turns' files.
#[tokio::test]
async fn an_agent_request_over_two_codex_turns_is_one_diff() {
    use serde_json::json;
    let agent = MockServer::start(vec![
        Step::call("codex", json!({"prompt": "write one.txt"})),
        Step::call("codex", json!({"prompt": "write two.txt"})),
        Step::message("both written"),
    ])
    .await;
    let codex = MockServer::start(vec![
        Step::shell("printf 'one\\n' > one.txt"),
        Step::message("one"),
        Step::shell("printf 'two\\n' > two.txt"),
        Step::message("two"),
    ])
    .await;
    let sbx = Sandbox::new(&codex.base_url());
    let mut cmd = sbx.codexmcp(&["exec", "--agent", "--json", "two files please"]);
    cmd.env("OPENAI_API_KEY", "sk-test-agent")
        .env("OPENAI_BASE_URL", agent.base_url());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let run = crate::support::codex::Run::from(out);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let diffs: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["type"] == "turn.diff")
        .collect();
    assert_eq!(diffs.len(), 1, "{}", run.stdout);
    let paths: Vec<&str> = diffs[0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, ["one.txt", "two.txt"]);
}

/// `CODEXMCP_CHECKPOINT_MAX_FILE_MB` sets the size above which a file is recorded by size and time only:
/// at 0 nothing is stored, so undo cannot bring back an edited file and says which; `doctor`
/// names the limit, and a value that is not a number is reported, not ignored.
#[tokio::test]
async fn the_large_file_limit_is_configurable_and_undo_says_what_it_cannot_restore() {
    let server = MockServer::start(vec![
        Step::shell("printf 'b\\n' >> edit.txt && printf 'n\\n' > new.txt"),
        Step::message("done"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    std::fs::create_dir_all(sbx.output()).unwrap();
    std::fs::write(sbx.output().join("edit.txt"), "a\n").unwrap();
    let with = |args: &[&str], mb: &str| {
        let mut cmd = sbx.codexmcp(args);
        cmd.env("CODEXMCP_CHECKPOINT_MAX_FILE_MB", mb);
        async move {
            let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
                .await
                .unwrap();
            crate::support::codex::Run::from(out)
        }
    };
    let run = with(&["exec", "--json", "edit"], "0").await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let id = run.thread_id();
    let undo = with(&["undo", &id], "0").await;
    assert_eq!(undo.code, Some(0), "{}\n{}", undo.stdout, undo.stderr);
    assert!(
        undo.stdout
            .contains("not restored (too big to have been stored)")
            && undo.stdout.contains("edit.txt"),
        "{}",
        undo.stdout
    );
    assert!(
        !sbx.output().join("new.txt").exists(),
        "a created file needs no content to undo"
    );
    let doctor = with(&["doctor"], "3").await;
    assert!(
        doctor
            .stdout
            .contains("files over 3 MiB by size and time only"),
        "{}",
        doctor.stdout
    );
    let bad = with(&["doctor"], "lots").await;
    assert!(
        bad.stdout
            .contains("CODEXMCP_CHECKPOINT_MAX_FILE_MB=\"lots\""),
        "{}",
        bad.stdout
    );
}

/// A patch's headers can name its files another way (the live view shows Codex's
/// repository-relative paths relative to the working dir); hunks, even header-like lines in
/// them, stay as they are.
#[test]
fn a_patch_names_its_files_from_the_working_dir() {
    let patch = "diff --git a/output/x.txt b/output/x.txt\n--- a/output/x.txt\n+++ b/output/x.txt\n@@ -1 +1 @@\n--- a/output/x.txt\n+b/output/x.txt\ndiff --git a/output/old.md b/output/new.md\nsimilarity index 100%\nrename from output/old.md\nrename to output/new.md\ndiff --git a/elsewhere.txt b/elsewhere.txt\n--- a/elsewhere.txt\n+++ b/elsewhere.txt\n@@ -1 +1 @@\n-1\n+2\n";
    let renamed = codexmcp::present::diff::rename_files(patch, |p| {
        p.strip_prefix("output/").unwrap_or(p).to_string()
    });
    assert_eq!(
        renamed,
        "diff --git a/x.txt b/x.txt\n--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n--- a/output/x.txt\n+b/output/x.txt\ndiff --git a/old.md b/new.md\nsimilarity index 100%\nrename from old.md\nrename to new.md\ndiff --git a/elsewhere.txt b/elsewhere.txt\n--- a/elsewhere.txt\n+++ b/elsewhere.txt\n@@ -1 +1 @@\n-1\n+2\n"
    );
}

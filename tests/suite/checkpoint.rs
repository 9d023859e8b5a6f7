//! Checkpoints of the working directory: every change a turn makes is found, whoever made it;
//! nothing is followed, opened or stored that should not be.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use codexmcp::session::checkpoint::{Change, RelPath, Status, Store};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    // Settled in the past, as a tree is between turns.
    let f = std::fs::File::options().write(true).open(&p).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(60))
        .unwrap();
}

fn rel(s: &str) -> RelPath {
    RelPath::from(s)
}

fn status(changes: &[Change], path: &str) -> Status {
    changes
        .iter()
        .find(|c| c.path == path)
        .unwrap_or_else(|| panic!("{path} not in {changes:?}"))
        .status
        .clone()
}

#[test]
fn every_kind_of_change_is_found_with_line_counts_and_a_patch() {
    let work = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let dir = work.path();
    let store = Store::at(state.path());
    write(dir, "keep.txt", "same\n");
    write(dir, "edit.py", "a = 1\nb = 2\n");
    write(dir, "gone.txt", "bye\n");
    write(dir, "old/name.txt", "moving\n");
    write(dir, "run.sh", "echo hi\n");
    write(dir, ".git/HEAD", "ref: refs/heads/main\n");
    let before = store.snapshot(dir, None).unwrap();
    let recorded = store.entries(&before).unwrap();
    assert!(
        !recorded.keys().any(|k| k.as_bytes().starts_with(b".git")),
        "{:?}",
        recorded.keys()
    );

    write(dir, "edit.py", "a = 1\nb = 3\nc = 4\n");
    std::fs::remove_file(dir.join("gone.txt")).unwrap();
    std::fs::create_dir_all(dir.join("new")).unwrap();
    std::fs::rename(dir.join("old/name.txt"), dir.join("new/name.txt")).unwrap();
    std::fs::set_permissions(dir.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    write(dir, "src/main.rs", "fn main() {}\n");
    std::os::unix::fs::symlink("/", dir.join("root")).unwrap();
    let after = store.snapshot(dir, Some(&before)).unwrap();

    let diff = store.diff(&before, &after).unwrap();
    let changes = diff.files;
    assert_eq!(changes.len(), 6, "{changes:#?}");
    assert_eq!(status(&changes, "edit.py"), Status::Modified);
    assert_eq!(status(&changes, "gone.txt"), Status::Deleted);
    assert_eq!(
        status(&changes, "new/name.txt"),
        Status::Renamed {
            from: "old/name.txt".into()
        }
    );
    assert_eq!(
        status(&changes, "run.sh"),
        Status::ModeChanged {
            from: 0o644,
            to: 0o755
        }
    );
    assert_eq!(status(&changes, "src/main.rs"), Status::Created);
    assert_eq!(status(&changes, "root"), Status::Created);
    let edit = changes.iter().find(|c| c.path == "edit.py").unwrap();
    assert_eq!((edit.added, edit.removed), (2, 1));
    assert_eq!(
        store.entries(&after).unwrap()[&rel("root")].link,
        Some(rel("/")),
        "recorded, not followed"
    );

    let patch = diff.patch;
    assert!(patch.contains("--- a/edit.py\n+++ b/edit.py\n"), "{patch}");
    assert!(patch.contains("-b = 2\n+b = 3\n+c = 4\n"), "{patch}");
    assert!(patch.contains("--- a/gone.txt\n+++ /dev/null\n"), "{patch}");
    assert!(
        patch.contains("rename from old/name.txt\nrename to new/name.txt"),
        "{patch}"
    );
    assert!(patch.contains("mode 644 -> 755: run.sh"), "{patch}");

    // Stored and read back whole.
    store.save("t1/0", &after).unwrap();
    assert_eq!(store.load("t1/0").unwrap(), Some(after));
    assert!(
        store.save("../x", &before).is_err(),
        "names cannot leave the store"
    );
}

/// An edit that keeps the size, inside the same second as the snapshot, is still seen: recent
/// files are read again rather than trusted by their stat.
#[test]
fn a_same_size_edit_right_after_a_snapshot_is_seen() {
    let work = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let store = Store::at(state.path());
    std::fs::write(work.path().join("f"), "aaaa").unwrap();
    let before = store.snapshot(work.path(), None).unwrap();
    std::fs::write(work.path().join("f"), "bbbb").unwrap();
    let after = store.snapshot(work.path(), Some(&before)).unwrap();
    assert_eq!(
        status(&store.diff(&before, &after).unwrap().files, "f"),
        Status::Modified
    );
}

/// A file over the size cap is recorded by its status only (never read, so a sparse
/// terabyte costs nothing) and still seen to change; a FIFO is recorded, never opened.
#[test]
fn big_files_are_recorded_by_status_only_and_pipes_are_never_opened() {
    use codexmcp::session::checkpoint::Kind;
    let work = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let store = Store::at(state.path()).with_max_stored(1024);
    write(work.path(), "big.bin", &"x".repeat(4096));
    nix::unistd::mkfifo(
        &work.path().join("pipe"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    let before = store.snapshot(work.path(), None).unwrap();
    let recorded = store.entries(&before).unwrap();
    let pipe = &recorded[&rel("pipe")];
    assert_eq!(pipe.kind, Kind::Other, "{pipe:?}");
    assert!(pipe.note.as_deref().unwrap().contains("FIFO"), "{pipe:?}");
    let big = &recorded[&rel("big.bin")];
    assert!(!big.stored && big.hash.is_none(), "{big:?}");
    assert!(big.note.as_deref().unwrap().contains("size cap"), "{big:?}");
    write(work.path(), "big.bin", &"y".repeat(4096));
    let after = store.snapshot(work.path(), Some(&before)).unwrap();
    let diff = store.diff(&before, &after).unwrap();
    assert_eq!(status(&diff.files, "big.bin"), Status::Modified);
    let patch = diff.patch;
    assert!(
        patch.contains("not checkpointed: big.bin (over the size cap (1024 bytes)"),
        "{patch}"
    );
}

/// A real turn whose shell command creates, edits and deletes files (no `file_change` item
/// says so): `exec --json` ends with a `turn.diff` that lists every change, with the patch; the
/// human output ends with a diffstat.
#[tokio::test]
async fn exec_reports_what_a_shell_command_changed() {
    use crate::support::codex::Sandbox;
    use crate::support::mock_openai::{MockServer, Step};
    let server = MockServer::start(vec![
        Step::shell("printf 'one\\ntwo\\n' > new.txt && printf 'b\\n' >> edit.txt && rm gone.txt"),
        Step::message("done"),
        Step::shell("printf 'three\\n' >> new.txt"),
        Step::message("done again"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    write(&sbx.output(), "edit.txt", "a\n");
    write(&sbx.output(), "gone.txt", "x\n");
    let run = sbx.run(&["exec", "--json", "change files"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let events = run.events();
    let diff = events.last().unwrap();
    assert_eq!(diff["type"], "turn.diff", "{}", run.stdout);
    let files: Vec<(String, String, u64, u64)> = diff["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
                f["added"].as_u64().unwrap(),
                f["removed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("edit.txt".into(), "modified".into(), 1, 0),
            ("gone.txt".into(), "deleted".into(), 0, 1),
            ("new.txt".into(), "created".into(), 2, 0),
        ]
    );
    // The folder's state is remembered for the next process, so it need not read every
    // unchanged file again.
    let latest = sbx
        .work()
        .parent()
        .unwrap()
        .join("state/codexmcp/checkpoints/manifests/latest");
    let remembered: Vec<_> = std::fs::read_dir(&latest).unwrap().collect();
    assert_eq!(remembered.len(), 1, "one working dir, one remembered state");
    let patch = diff["patch"].as_str().unwrap();
    assert!(
        patch.contains("+++ b/new.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n"),
        "{patch}"
    );

    let id = run.thread_id();
    let human = sbx.run(&["exec", "--resume", &id, "one more line"]).await;
    assert_eq!(human.code, Some(0), "{}", human.stderr);
    assert!(
        human
            .stdout
            .contains("1 file changed, +1 -0:\n  changed  new.txt (+1 -0)\n"),
        "{}",
        human.stdout
    );

    // Any stored turn's diff, later.
    let last = sbx.run(&["diff", &id]).await;
    assert_eq!(last.code, Some(0), "{}", last.stderr);
    assert!(last.stdout.contains(" two\n+three\n"), "{}", last.stdout);
    let first = sbx.run(&["diff", &id, "--turn", "1"]).await;
    assert!(
        first.stdout.contains("--- a/gone.txt\n+++ /dev/null\n"),
        "{}",
        first.stdout
    );
    let stat = sbx.run(&["diff", &id, "--turn", "-2", "--stat"]).await;
    assert!(
        stat.stdout.starts_with("3 files changed, +3 -1:"),
        "{}",
        stat.stdout
    );
    let beyond = sbx.run(&["diff", &id, "--turn", "3"]).await;
    assert_eq!(beyond.code, Some(1));
    assert!(
        beyond.stderr.contains("has 2 checkpointed turns"),
        "{}",
        beyond.stderr
    );
    let unknown = sbx
        .run(&["diff", "00000000-0000-4000-8000-000000000000"])
        .await;
    assert!(
        unknown.stderr.contains("no checkpointed turn"),
        "{}",
        unknown.stderr
    );

    // The room they take is shown; pruning says what went.
    let sessions = sbx.run(&["sessions"]).await;
    assert!(
        sessions.stdout.contains("checkpoints of the working dirs:"),
        "{}",
        sessions.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&sbx.run(&["sessions", "--json"]).await.stdout).unwrap();
    assert!(json["checkpoints"]["bytes"].as_u64().unwrap() > 0, "{json}");
    let pruned = sbx.run(&["sessions", "--prune", "--older-than", "0"]).await;
    assert_eq!(pruned.code, Some(0), "{}", pruned.stderr);
    assert!(
        pruned.stdout.starts_with("removed 4 files"),
        "{}",
        pruned.stdout
    );
    let gone = sbx.run(&["diff", &id]).await;
    assert!(
        gone.stderr.contains("no checkpointed turn"),
        "{}",
        gone.stderr
    );
}

/// Undo puts back exactly what the turn changed, byte for byte and mode for mode, and refuses
/// (naming the file) when the user changed a file after the turn, unless forced.
#[test]
fn undo_restores_the_tree_byte_for_byte_and_refuses_to_lose_later_edits() {
    use codexmcp::session::undo::{UndoError, restore};
    let work = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let dir = work.path();
    let store = Store::at(state.path());
    write(dir, "edit.py", "a = 1\n");
    write(dir, "gone.txt", "bye\n");
    write(dir, "old/name.txt", "moving\n");
    write(dir, "run.sh", "echo hi\n");
    write(dir, "untouched.txt", "stay\n");
    let before = store.snapshot(dir, None).unwrap();

    write(dir, "edit.py", "a = 2\n");
    std::fs::remove_file(dir.join("gone.txt")).unwrap();
    std::fs::rename(dir.join("old/name.txt"), dir.join("name.txt")).unwrap();
    std::fs::set_permissions(dir.join("run.sh"), std::fs::Permissions::from_mode(0o700)).unwrap();
    write(dir, "src/new.rs", "fn main() {}\n");
    let after = store.snapshot(dir, Some(&before)).unwrap();

    // The user edits a file the turn wrote: undo would lose it, so it refuses and says which.
    write(dir, "edit.py", "a = 3  # mine\n");
    match restore(&store, dir, &before, &after, false) {
        Err(UndoError::EditedSince(files)) => assert_eq!(files, ["edit.py"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("edit.py")).unwrap(),
        "a = 3  # mine\n"
    );

    let done = restore(&store, dir, &before, &after, true).unwrap();
    assert_eq!(
        done.removed,
        ["name.txt", "src", "src/new.rs"],
        "the renamed file's new name, and the created folder too"
    );
    assert!(done.failed.is_empty(), "{:?}", done.failed);
    let now = store.snapshot(dir, None).unwrap();
    use codexmcp::session::checkpoint::{Hash, Kind, Manifest};
    // Contents and modes (a folder's tree hash also holds its files' inodes and times).
    let state = |m: &Manifest| -> Vec<(RelPath, Option<Hash>, u32)> {
        let content =
            |e: &codexmcp::session::checkpoint::Entry| e.hash.filter(|_| e.kind != Kind::Dir);
        store
            .entries(m)
            .unwrap()
            .iter()
            .map(|(p, e)| (p.clone(), content(e), e.mode))
            .collect()
    };
    assert_eq!(
        state(&now),
        state(&before),
        "content and modes as before the turn"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("untouched.txt")).unwrap(),
        "stay\n"
    );
}

/// `codexmcp undo` on a real thread: the last turn's files come back byte for byte, the model's
/// next request no longer holds that turn, a second undo walks back one more, and an undo that
/// would lose a later edit refuses unless forced.
#[tokio::test]
async fn undo_takes_the_last_turn_back_files_and_conversation() {
    use crate::support::codex::Sandbox;
    use crate::support::mock_openai::{MockServer, Step};
    let server = MockServer::start(vec![
        Step::shell("printf 'one\\n' > a.txt"),
        Step::message("first answer"),
        Step::shell("printf 'two\\n' >> a.txt && printf 'new\\n' > b.txt"),
        Step::message("second answer"),
        Step::message("third answer"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let id = sbx.two_turns().await;
    let out = sbx.output();
    assert_eq!(
        std::fs::read_to_string(out.join("a.txt")).unwrap(),
        "one\ntwo\n"
    );

    let undo = sbx.run(&["undo", &id]).await;
    assert_eq!(undo.code, Some(0), "{}\n{}", undo.stdout, undo.stderr);
    assert!(
        undo.stdout
            .contains("the conversation is back before the turn"),
        "{}",
        undo.stdout
    );
    assert_eq!(
        std::fs::read_to_string(out.join("a.txt")).unwrap(),
        "one\n",
        "{}",
        undo.stdout
    );
    assert!(!out.join("b.txt").exists(), "the turn created it");

    let third = sbx.run(&["exec", "--resume", &id, "third prompt"]).await;
    assert_eq!(third.code, Some(0), "{}", third.stderr);
    let last = server.requests().last().unwrap().text();
    assert!(
        last.contains("first prompt") && last.contains("third prompt"),
        "{last}"
    );
    assert!(
        !last.contains("second prompt") && !last.contains("second answer"),
        "{last}"
    );

    // Undo again: the third turn (no file changes), then the first — after a later edit.
    assert_eq!(sbx.run(&["undo", &id]).await.code, Some(0));
    std::fs::write(out.join("a.txt"), "mine\n").unwrap();
    let refused = sbx.run(&["undo", &id]).await;
    assert_eq!(refused.code, Some(1));
    assert!(
        refused.stderr.contains("a.txt") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(out.join("a.txt")).unwrap(),
        "mine\n"
    );
    let forced = sbx.run(&["undo", &id, "--force"]).await;
    assert_eq!(forced.code, Some(0), "{}", forced.stderr);
    assert!(!out.join("a.txt").exists());
    let none = sbx.run(&["undo", &id]).await;
    assert!(none.stderr.contains("nothing to undo"), "{}", none.stderr);
}

/// Old checkpoints go, and with them every content nothing else refers to; the recent ones and
/// their contents stay (so do contents written in the last hour: a running turn's).
#[test]
fn prune_removes_old_checkpoints_and_unreferenced_contents() {
    use codexmcp::session::prune::{prune, usage};
    let work = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let store = Store::at(state.path());
    write(work.path(), "a.txt", "old content\n");
    let old = store.snapshot(work.path(), None).unwrap();
    write(work.path(), "a.txt", "new content\n");
    let new = store.snapshot(work.path(), Some(&old)).unwrap();
    let day = 86_400_000u64;
    let now = 100 * day;
    store.save(&format!("t/{}-before", 10 * day), &old).unwrap();
    store.save(&format!("t/{}-after", 10 * day), &old).unwrap();
    store.save(&format!("t/{}-before", 99 * day), &new).unwrap();
    store.save(&format!("t/{}-after", 99 * day), &new).unwrap();
    // Everything written "two hours ago", past the grace for a running turn.
    let past = SystemTime::now() - Duration::from_secs(7200);
    for dir in std::fs::read_dir(state.path().join("objects")).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let f = std::fs::File::options()
                .write(true)
                .open(f.unwrap().path())
                .unwrap();
            f.set_modified(past).unwrap();
        }
    }
    let before = usage(&store);
    let freed = prune(&store, now, 30 * day).unwrap();
    assert_eq!(
        freed.files, 4,
        "two old manifests, the old content and the old folder's tree"
    );
    assert_eq!(usage(&store).files, before.files - 4);
    assert!(
        store
            .load(&format!("t/{}-after", 99 * day))
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .load(&format!("t/{}-after", 10 * day))
            .unwrap()
            .is_none()
    );
    let hash = store.entries(&new).unwrap()[&rel("a.txt")].hash.unwrap();
    assert_eq!(store.read(&hash).unwrap(), b"new content\n");
    let gone = store.entries(&old);
    assert!(gone.is_err(), "its tree went with it");
}

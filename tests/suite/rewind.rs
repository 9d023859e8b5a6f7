//! Undo, redo and fork with files, against the real pinned Codex and the scripted model: undo →
//! redo → undo → redo round-trips the files byte for byte; after the redo the model's next
//! request holds the same turns, item for item, as before any undo; the thread id the user
//! knows stays the handle throughout; a fork at turn 1 into a worktree continues without
//! turn 2, its files as they were after turn 1; and a fork after an undo copies the turns in
//! effect.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::Value;

use crate::support::codex::{Sandbox, git};
use crate::support::mock_openai::{MockServer, Step};

/// Every file below `dir` (but `.git`): its bytes and mode.
fn files(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            let (path, meta) = (e.path(), e.metadata().unwrap());
            if e.file_name() == ".git" {
                continue;
            }
            if meta.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(
                    rel,
                    (std::fs::read(&path).unwrap(), meta.permissions().mode()),
                );
            }
        }
    }
    out
}

/// The one JSON event a `--json` verb prints.
fn event(stdout: &str) -> Value {
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn paths(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn undo_redo_undo_round_trips_files_and_the_conversation() {
    let server = MockServer::start(vec![
        Step::shell("printf 'one\\n' > a.txt"),
        Step::message("first answer"),
        Step::shell(
            "printf 'two\\n' >> a.txt && printf '\\000\\377bin' > b.bin && chmod 750 b.bin",
        ),
        Step::message("second answer"),
        Step::message("third answer"),
        Step::message("fourth answer"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let id = sbx.two_turns().await;
    let out = sbx.output();
    let after_two = files(&out);
    // The request that answered turn 2: everything the model saw of turns 1 and 2.
    let before_undo = server.requests().last().unwrap().body["input"].clone();

    let undo = sbx.run(&["undo", &id, "--json"]).await;
    assert_eq!(undo.code, Some(0), "{}\n{}", undo.stdout, undo.stderr);
    let e = event(&undo.stdout);
    assert_eq!(e["type"], "turn.undone");
    assert_eq!(e["thread_id"], id.as_str());
    assert_eq!(e["turn"], 2);
    assert_eq!(paths(&e["restored"]), ["a.txt"], "{e}");
    assert_eq!(paths(&e["removed"]), ["b.bin"], "{e}");
    assert_eq!(e["failed"], serde_json::json!([]));
    let after_one = files(&out);
    assert_eq!(after_one["a.txt"].0, b"one\n");
    assert!(!after_one.contains_key("b.bin"));

    for round in 0..2 {
        let redo = sbx.run(&["redo", &id, "--json"]).await;
        assert_eq!(redo.code, Some(0), "{}\n{}", redo.stdout, redo.stderr);
        let e = event(&redo.stdout);
        assert_eq!(e["type"], "turn.redone");
        assert_eq!(
            (e["thread_id"].as_str(), e["turn"].as_u64()),
            (Some(id.as_str()), Some(2))
        );
        assert_eq!(
            files(&out),
            after_two,
            "byte for byte and mode, round {round}"
        );
        if round == 0 {
            let again = sbx.run(&["undo", &id]).await;
            assert_eq!(again.code, Some(0), "{}", again.stderr);
            assert!(again.stdout.contains("undid turn 2 of"), "{}", again.stdout);
            assert_eq!(files(&out), after_one, "round {round}");
            // An edit since the undo: redo would lose it, so it refuses and says how not to.
            std::fs::write(out.join("a.txt"), "mine\n").unwrap();
            let refused = sbx.run(&["redo", &id]).await;
            assert_eq!(refused.code, Some(1));
            assert!(
                refused.stderr.contains("changed since the undo")
                    && refused.stderr.contains("--force to redo"),
                "{}",
                refused.stderr
            );
            std::fs::write(out.join("a.txt"), "one\n").unwrap();
        }
    }
    let none = sbx.run(&["redo", &id]).await;
    assert_eq!(none.code, Some(1));
    assert!(none.stderr.contains("nothing to redo"), "{}", none.stderr);
    // The checkpoints know turn 2 again.
    let diff = sbx.run(&["diff", &id, "--turn", "2", "--stat"]).await;
    assert!(diff.stdout.contains("b.bin"), "{}", diff.stdout);

    // Exact: the model's next request starts with every item it saw before the undo.
    let third = sbx
        .run(&["exec", "--json", "--resume", &id, "third prompt"])
        .await;
    assert_eq!(third.code, Some(0), "{}", third.stderr);
    assert_eq!(
        third.thread_id(),
        id,
        "the id the user knows stays the handle"
    );
    let now = server.requests().last().unwrap().body["input"].clone();
    let (was, now) = (before_undo.as_array().unwrap(), now.as_array().unwrap());
    assert!(now.len() > was.len(), "{now:?}");
    assert_eq!(&now[..was.len()], &was[..], "the same turns, item for item");
    let rest = serde_json::to_string(&now[was.len()..]).unwrap();
    assert!(
        rest.contains("second answer") && rest.contains("third prompt"),
        "{rest}"
    );

    // A turn after a redo: undo twice walks back to turn 1, conversation and files.
    assert_eq!(sbx.run(&["undo", &id]).await.code, Some(0));
    let back = sbx.run(&["undo", &id]).await;
    assert_eq!(back.code, Some(0), "{}", back.stderr);
    assert_eq!(files(&out), after_one);
    let fourth = sbx
        .run(&["exec", "--json", "--resume", &id, "fourth prompt"])
        .await;
    assert_eq!(fourth.code, Some(0), "{}", fourth.stderr);
    assert_eq!(fourth.thread_id(), id);
    let seen = server.requests().last().unwrap().text();
    assert!(
        seen.contains("first prompt") && seen.contains("fourth prompt"),
        "{seen}"
    );
    for gone in ["second prompt", "second answer", "third prompt"] {
        assert!(!seen.contains(gone), "{gone} was undone: {seen}");
    }
    // A new turn ends what could be redone.
    let after_turn = sbx.run(&["redo", &id]).await;
    assert!(
        after_turn.stderr.contains("nothing to redo"),
        "{}",
        after_turn.stderr
    );
}

#[tokio::test]
async fn a_fork_into_a_worktree_takes_the_files_as_after_its_turn() {
    let server = MockServer::start(vec![
        Step::shell("rm old.txt && printf 'one\\n' > a.txt"),
        Step::message("first answer"),
        Step::shell("printf 'two\\n' >> a.txt && printf 'new\\n' > b.txt"),
        Step::message("second answer"),
        Step::message("fork answer"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let work = sbx.work();
    std::fs::create_dir_all(sbx.output()).unwrap();
    std::fs::write(sbx.output().join("old.txt"), "committed\n").unwrap();
    std::fs::write(work.join("README"), "repo\n").unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "start"]);

    let id = sbx.two_turns().await;
    let parent = files(&sbx.output());

    let fork = sbx
        .run(&[
            "fork",
            &id,
            "--turn",
            "1",
            "--worktree",
            "try-b",
            "--json",
            "fork prompt",
        ])
        .await;
    assert_eq!(fork.code, Some(0), "{}\n{}", fork.stdout, fork.stderr);
    let events = fork.events();
    let forked = &events[0];
    assert_eq!(forked["type"], "thread.forked", "{}", fork.stdout);
    assert_eq!(forked["at_turn"], 1);
    let place = Path::new(forked["worktree"]["path"].as_str().unwrap()).to_path_buf();
    assert!(place.ends_with("try-b/output"), "{}", place.display());
    assert_eq!(forked["worktree"]["branch"], "codexmcp/try-b");

    // The worktree's folder is as the parent's was after turn 1: the committed file the turn
    // removed is gone, a.txt as turn 1 wrote it, nothing of turn 2.
    let got = files(&place);
    assert_eq!(got.keys().collect::<Vec<_>>(), ["a.txt"], "{got:?}");
    assert_eq!(got["a.txt"].0, b"one\n");
    assert_eq!(
        files(&sbx.output()),
        parent,
        "the parent's folder is untouched"
    );

    // The conversation forked with them: the model sees turn 1, not turn 2.
    let seen = server.requests().last().unwrap().text();
    assert!(
        seen.contains("first prompt") && seen.contains("fork prompt"),
        "{seen}"
    );
    assert!(!seen.contains("second prompt"), "{seen}");
    let new_id = forked["thread_id"].as_str().unwrap();
    let ran = events
        .iter()
        .find(|e| e["type"] == "thread.started")
        .unwrap();
    assert_eq!(ran["thread_id"], new_id);

    // The fork's record works in the worktree, its turn 1 has a diff.
    let diff = sbx.run(&["diff", new_id, "--turn", "1", "--stat"]).await;
    assert!(
        diff.stdout.contains("a.txt"),
        "{}\n{}",
        diff.stdout,
        diff.stderr
    );
    let sessions = sbx.run(&["sessions", "--json"]).await;
    assert!(sessions.stdout.contains("try-b"), "{}", sessions.stdout);

    // A name already taken forks nothing.
    let taken = sbx.run(&["fork", &id, "--worktree", "try-b"]).await;
    assert_eq!(taken.code, Some(1), "{}", taken.stdout);
    assert!(taken.stderr.contains("already exists"), "{}", taken.stderr);
    let bad = sbx.run(&["fork", &id, "--worktree", "../x"]).await;
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
}

/// The log keeps an undone turn (marked, so the transcript says so); a fork after an undo and a
/// new turn copies the turns in effect — numbered as `diff --turn` numbers them — not the
/// first N prompts ever typed.
#[tokio::test]
async fn a_fork_after_an_undo_copies_the_turns_in_effect() {
    let server = MockServer::start(vec![
        Step::message("first answer"),
        Step::message("second answer"),
        Step::message("third answer"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let id = sbx.two_turns().await;
    let undo = sbx.run(&["undo", &id]).await;
    assert_eq!(undo.code, Some(0), "{}", undo.stderr);
    let third = sbx.run(&["exec", "--resume", &id, "third prompt"]).await;
    assert_eq!(third.code, Some(0), "{}", third.stderr);

    let parent = sbx.run(&["export", &id]).await;
    assert_eq!(parent.code, Some(0), "{}", parent.stderr);
    assert!(
        parent.stdout.contains("second prompt") && parent.stdout.contains("↶ turn 2 undone"),
        "the parent's transcript keeps the undone turn, marked:\n{}",
        parent.stdout
    );

    let fork = sbx.run(&["fork", &id, "--turn", "2", "--json"]).await;
    assert_eq!(fork.code, Some(0), "{}\n{}", fork.stdout, fork.stderr);
    let forked: Value = serde_json::from_str(fork.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(forked["at_turn"], 2, "{forked}");
    let fork_id = forked["thread_id"].as_str().unwrap().to_string();
    let copy = sbx.run(&["export", &fork_id]).await;
    assert_eq!(copy.code, Some(0), "{}", copy.stderr);
    assert!(
        copy.stdout.contains("first prompt") && copy.stdout.contains("third prompt"),
        "{}",
        copy.stdout
    );
    assert!(
        !copy.stdout.contains("second prompt") && !copy.stdout.contains("undone"),
        "the fork has only the turns in effect:\n{}",
        copy.stdout
    );
}

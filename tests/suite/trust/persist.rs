//! A failure to persist is said, once, where the user looks: a session that cannot be saved
//! (so its thread will not be resumable by id), a log or a checkpoint that cannot be written.

use crate::support::codex::{Run, Sandbox, output};
use crate::support::mock_openai::{MockServer, Step};

async fn exec_with(sbx: &Sandbox, env: (&str, std::path::PathBuf)) -> Run {
    let mut cmd = sbx.codexmcp(&["exec", "--json", "write a file"]);
    cmd.env(env.0, env.1);
    output(cmd).await
}

#[tokio::test]
async fn what_cannot_be_saved_is_said_once() {
    let server = MockServer::start(vec![
        Step::shell("printf a > a.txt"),
        Step::message("one"),
        Step::shell("printf b > b.txt"),
        Step::message("two"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    // A folder below a file cannot be made, not even by root.
    let file = sbx.root.path().join("a-file");
    std::fs::write(&file, "").unwrap();

    let run = exec_with(&sbx, ("XDG_DATA_HOME", file.join("data"))).await;
    assert_eq!(run.code, Some(0), "the turn itself is fine: {}", run.stderr);
    let record = "the session record could not be written to";
    assert_eq!(run.stderr.matches(record).count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("this thread will not be resumable by id"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the session log could not be written to"),
        "{}",
        run.stderr
    );

    let run = exec_with(&sbx, ("XDG_STATE_HOME", file.join("state"))).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let log = "the log file could not be written";
    assert_eq!(run.stderr.matches(log).count(), 1, "{}", run.stderr);
    let checkpoint = "this turn's diff and undo will not be available";
    assert_eq!(run.stderr.matches(checkpoint).count(), 1, "{}", run.stderr);
    assert!(
        !run.stdout.contains("turn.diff"),
        "no diff without checkpoints: {}",
        run.stdout
    );
}

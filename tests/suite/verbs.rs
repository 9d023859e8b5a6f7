//! The thread verbs against the real pinned Codex and the scripted model: a fork through one
//! turn (the model's next request shows which turns the fork has), compaction (on a private
//! app-server: the next turn continues from the summary), and plan mode (the collaboration
//! mode is sent, the plan streams as `plan.updated`).

use crate::support::codex::Sandbox;
use crate::support::mock_openai::{MockServer, Step};

/// The id in `thread: ID (a fork of …)`.
fn forked_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("thread: "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_fork_at_turn_one_continues_without_turn_two() {
    let server = MockServer::start(vec![
        Step::message("first answer"),
        Step::message("second answer"),
        Step::message("fork answer"),
        Step::message("parent answer"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let id = sbx.two_turns().await;

    let fork = sbx.run(&["fork", &id, "--turn", "1", "fork prompt"]).await;
    assert_eq!(fork.code, Some(0), "{}\n{}", fork.stdout, fork.stderr);
    assert!(
        fork.stdout
            .contains(&format!("a fork of {id} at turn 1 of 2")),
        "{}",
        fork.stdout
    );
    let new_id = forked_id(&fork.stdout);
    assert!(codexmcp::engine::looks_like_thread_id(&new_id) && new_id != id);
    let seen = server.requests().last().unwrap().text();
    assert!(
        seen.contains("first prompt") && seen.contains("fork prompt"),
        "{seen}"
    );
    assert!(
        !seen.contains("second prompt") && !seen.contains("second answer"),
        "the fork has no turn 2: {seen}"
    );

    // The parent keeps both turns.
    let parent = sbx.run(&["exec", "--resume", &id, "parent prompt"]).await;
    assert_eq!(parent.code, Some(0), "{}", parent.stderr);
    let seen = server.requests().last().unwrap().text();
    assert!(
        seen.contains("second prompt") && !seen.contains("fork prompt"),
        "{seen}"
    );

    // The fork is a stored thread like any other, its transcript up to turn 1 and its own.
    let export = sbx.run(&["export", &new_id]).await;
    assert_eq!(export.code, Some(0), "{}", export.stderr);
    assert!(export.stdout.contains("first prompt"), "{}", export.stdout);
    assert!(
        !export.stdout.contains("second prompt"),
        "{}",
        export.stdout
    );

    // --json: the event, and the parent now has three turns.
    let json = sbx.run(&["fork", &id, "--json"]).await;
    assert_eq!(json.code, Some(0), "{}", json.stderr);
    let event: serde_json::Value =
        serde_json::from_str(json.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(event["type"], "thread.forked");
    assert_eq!(event["from_thread_id"], id.as_str());
    assert_eq!(event["at_turn"], 3);

    let far = sbx.run(&["fork", &id, "--turn", "9"]).await;
    assert_eq!(far.code, Some(1));
    assert!(
        far.stderr.contains("turn 9 does not exist"),
        "{}",
        far.stderr
    );
    assert_eq!(sbx.run(&["fork", "not-a-thread"]).await.code, Some(2));
}

#[tokio::test]
async fn compact_continues_from_the_summary() {
    let server = MockServer::start(vec![
        Step::message("first answer"),
        Step::message("SUMMARY-OF-THE-WORK"),
        Step::message("after answer"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let first = sbx.run(&["exec", "--json", "first prompt"]).await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let id = first.thread_id();
    let compact = sbx.run(&["compact", &id, "--json"]).await;
    assert_eq!(
        compact.code,
        Some(0),
        "{}\n{}",
        compact.stdout,
        compact.stderr
    );
    assert!(
        compact.stdout.contains("\"thread.compacted\""),
        "{}",
        compact.stdout
    );
    let after = sbx.run(&["exec", "--resume", &id, "after prompt"]).await;
    assert_eq!(after.code, Some(0), "{}", after.stderr);
    let seen = server.requests().last().unwrap().text();
    assert!(seen.contains("SUMMARY-OF-THE-WORK"), "{seen}");
}

#[tokio::test]
async fn plan_mode_sends_the_collaboration_mode_and_shows_the_plan() {
    let proposal = "Here is the plan.\n<proposed_plan>\n# Snake\n1. Sketch the board\n2. Write the game loop\n</proposed_plan>";
    let server = MockServer::start(vec![Step::message(proposal)]).await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx
        .run(&[
            "exec",
            "--backend",
            "app-server",
            "--plan",
            "--json",
            "plan a game",
        ])
        .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let first = server.requests()[0].text();
    assert!(
        first.contains("Plan Mode"),
        "plan mode's instructions reach the model"
    );
    let events = run.events();
    let Some(plan) = events.iter().rfind(|e| e["type"] == "plan.updated") else {
        panic!("no plan.updated event:\n{}", run.stdout)
    };
    assert_eq!(plan["steps"][0]["text"], "Sketch the board");
    assert_eq!(plan["steps"][1]["status"], "pending");
    assert!(run.stdout.contains("Write the game loop"));

    let refused = sbx.run(&["exec", "--plan", "plan a game"]).await;
    assert_eq!(refused.code, Some(2));
    assert!(
        refused.stderr.contains("--backend app-server"),
        "{}",
        refused.stderr
    );
}

/// The model's review output: one finding, as Codex's review mode asks for it.
pub fn review_answer() -> String {
    serde_json::json!({"findings": [{
        "title": "[P1] Division by zero",
        "body": "`ratio` divides by `n` without checking it.",
        "confidence_score": 0.9,
        "priority": 1,
        "code_location": {"absolute_file_path": "/w/calc.py", "line_range": {"start": 2, "end": 2}},
    }], "overall_correctness": "patch is incorrect", "overall_explanation": "n may be 0",
        "overall_confidence_score": 0.8})
    .to_string()
}

/// `review --thread ID`: exactly what that turn changed (a file a shell command wrote, no git)
/// goes to Codex's review mode, and the model's findings come back as events.
#[tokio::test]
async fn a_review_of_one_turn_returns_its_findings() {
    let server = MockServer::start(vec![
        Step::shell("printf 'def ratio(a, n):\\n    return a / n\\n' > calc.py"),
        Step::message("wrote calc.py"),
        Step::message(&review_answer()),
        Step::message(&review_answer()),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let first = sbx.run(&["exec", "--json", "write calc.py"]).await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let id = first.thread_id();
    let review = sbx.run(&["review", "--thread", &id, "--json"]).await;
    assert_eq!(review.code, Some(0), "{}\n{}", review.stdout, review.stderr);
    let events = review.events();
    let finding = events
        .iter()
        .find(|e| e["type"] == "review.finding")
        .unwrap_or_else(|| panic!("{}", review.stdout));
    assert_eq!(finding["title"], "[P1] Division by zero");
    assert_eq!(finding["file"], "/w/calc.py");
    assert_eq!(finding["line"], 2);
    assert_eq!(finding["priority"], 1);
    assert_eq!(events.last().unwrap()["type"], "review.completed");
    let asked = server.requests().last().unwrap().text();
    assert!(
        asked.contains("calc.py") && asked.contains("return a / n"),
        "the turn's diff was handed over"
    );

    let human = sbx.run(&["review", "--thread", &id, "--turn", "5"]).await;
    assert_eq!(human.code, Some(1));
    assert!(human.stderr.contains("turn 5"), "{}", human.stderr);
    let usage = sbx
        .run(&["review", "--base", "main", "--commit", "abc"])
        .await;
    assert_eq!(usage.code, Some(2));
}

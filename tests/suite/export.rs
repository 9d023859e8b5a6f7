//! `codexmcp export`: a real recorded turn as Markdown (snapshot) and as JSON.

use serde_json::Value;

use crate::support::codex::Sandbox;
use crate::support::mock_openai::{MockServer, Out, Step};

#[tokio::test]
async fn a_recorded_turn_exports_as_markdown_and_json() {
    let server = MockServer::start(vec![
        Step::outs(vec![
            Out::Reasoning("**Checking** what to write".into()),
            Out::Shell("printf 'alpha\\nbeta\\n' > notes.txt && cat notes.txt".into()),
        ]),
        Step::message("Wrote `notes.txt` with two lines."),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx.run(&["exec", "--json", "write two notes"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let id = run.thread_id();

    let md = sbx.run(&["export", &id]).await;
    assert_eq!(md.code, Some(0), "{}", md.stderr);
    let output = sbx.output().display().to_string();
    let redacted: String = md
        .stdout
        .replace(&id, "<thread>")
        .replace(&output, "<output>")
        .lines()
        // The machine's login shell may add noise of its own to the command's output.
        .filter(|l| !l.trim_start().starts_with("pyenv: "))
        .map(|l| {
            if l.contains("<summary>output, ") {
                "  <details><summary>output, <n> lines</summary>".to_string()
            } else if l.starts_with("| started |") || l.starts_with("| last turn |") {
                format!("{} <date> |", &l[..l[2..].find('|').unwrap() + 3])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(redacted);

    let json = sbx.run(&["export", &id, "--format", "json"]).await;
    let doc: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc["thread"]["id"], id.as_str());
    let log = doc["log"].as_array().unwrap();
    assert_eq!(log[0]["entry"], "prompt");
    assert!(log.iter().any(|e| e["event"]["type"] == "turn.completed"));

    let file = sbx.work().join("t.md");
    let to_file = sbx
        .run(&["export", &id, "-o", file.to_str().unwrap()])
        .await;
    assert_eq!(to_file.code, Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), md.stdout);

    let unknown = sbx
        .run(&["export", "00000000-0000-4000-8000-000000000000"])
        .await;
    assert_eq!(unknown.code, Some(1));
    assert!(
        unknown.stderr.contains("unknown thread id"),
        "{}",
        unknown.stderr
    );
}

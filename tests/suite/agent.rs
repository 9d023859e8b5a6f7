//! The orchestrating agent end to end: a scripted model for the agent, another for the real
//! pinned Codex, and `codexmcp exec --agent` in between.

use serde_json::{Value, json};

use crate::support::codex::{Run, Sandbox};
use crate::support::mock_openai::{MockServer, Out, Step};

const PATCH: &str = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.py\n+print('hello')\n*** End Patch\nEOF";

async fn run_agent(sbx: &Sandbox, agent: &MockServer, args: &[&str]) -> Run {
    let mut cmd = sbx.codexmcp(args);
    cmd.env("OPENAI_API_KEY", "sk-test-agent")
        .env("OPENAI_BASE_URL", agent.base_url());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Run::from(out)
}

fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn of_type<'a>(events: &'a [Value], t: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == t).collect()
}

#[tokio::test]
async fn the_agent_calls_codex_then_continues_the_thread_with_codex_reply() {
    let agent = MockServer::start(vec![
        Step::call(
            "codex",
            json!({"prompt": "Write hello.py that prints hello"}),
        ),
        Step::message("Created hello.py for you."),
    ])
    .await;
    let codex = MockServer::start(vec![Step::shell(PATCH), Step::message("wrote hello.py")]).await;
    let sbx = Sandbox::new(&codex.base_url());
    let run = run_agent(
        &sbx,
        &agent,
        &["exec", "--agent", "--json", "make a hello script"],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        std::fs::read_to_string(sbx.output().join("hello.py")).unwrap(),
        "print('hello')\n"
    );
    let events = json_lines(&run);
    let call = of_type(&events, "agent.tool_call");
    assert_eq!(call[0]["name"], "codex");
    let result = of_type(&events, "agent.tool_result");
    assert_eq!(result[0]["ok"], true, "{result:?}");
    let thread = result[0]["thread_id"].as_str().unwrap().to_string();
    assert!(
        !of_type(&events, "item.completed").is_empty(),
        "Codex events stream through"
    );
    let text: String = of_type(&events, "agent.delta")
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert_eq!(text, "Created hello.py for you.");
    // The tool result the model saw: the thread id and Codex's final message.
    let second = agent.requests()[1].body.clone();
    let output = second["input"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "function_call_output")
        .unwrap()
        .clone();
    let output: Value = serde_json::from_str(output["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"threadId": thread, "content": "wrote hello.py"})
    );
    assert_eq!(
        agent.requests()[0].body["model"],
        "gpt-5.5",
        "the default agent model"
    );
    assert_eq!(
        agent.requests()[0].header("authorization"),
        Some("Bearer sk-test-agent")
    );

    // A follow-up in a new process: the stored conversation comes back, codex_reply continues the thread.
    agent.push(Step::call(
        "codex_reply",
        json!({"threadId": thread, "prompt": "Add a docstring"}),
    ));
    agent.push(Step::message("Docstring added."));
    codex.push(Step::message("added the docstring"));
    let run = run_agent(
        &sbx,
        &agent,
        &["exec", "--agent", "--resume", &thread, "now document it"],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains(&format!("→ codex_reply [{thread}]: Add a docstring")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Docstring added."), "{}", run.stdout);
    let third = agent.requests()[2].text();
    assert!(
        third.contains("make a hello script")
            && third.contains("Created hello.py for you.")
            && third.contains("now document it")
    );
    let codex_last = codex.requests().last().unwrap().text();
    assert!(
        codex_last.contains("Write hello.py that prints hello")
            && codex_last.contains("Add a docstring"),
        "same Codex thread"
    );
    assert!(
        run.stdout
            .contains("agent gpt-5.5: 40 in / 20 out ($0.0003)"),
        "conversation usage and cost: {}",
        run.stdout
    );
}

#[tokio::test]
async fn chat_completions_with_streaming_works_too() {
    let agent = MockServer::start(vec![
        Step::call("codex", json!({"prompt": "Write hello.py"})),
        Step::message("All done with chat."),
    ])
    .await;
    let codex = MockServer::start(vec![Step::shell(PATCH), Step::message("wrote it")]).await;
    let sbx = Sandbox::new(&codex.base_url());
    let run = run_agent(
        &sbx,
        &agent,
        &["exec", "--agent", "--agent-api", "chat", "make hello"],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(sbx.output().join("hello.py").is_file());
    assert!(run.stdout.contains("All done with chat."), "{}", run.stdout);
    let reqs = agent.requests();
    assert!(
        reqs.iter()
            .all(|r| r.path == "/v1/chat/completions" && r.body["stream"] == true)
    );
    let tool_msg = reqs[1].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool")
        .cloned()
        .unwrap();
    assert!(tool_msg["content"].as_str().unwrap().contains("wrote it"));
}

#[tokio::test]
async fn max_turns_stops_a_model_that_keeps_calling_tools() {
    let agent = MockServer::start(
        (0..5)
            .map(|_| Step::call("codex", json!({"prompt": "again"})))
            .collect(),
    )
    .await;
    let codex = MockServer::start(vec![]).await; // answers every Codex turn with "done"
    let sbx = Sandbox::new(&codex.base_url());
    let run = run_agent(
        &sbx,
        &agent,
        &["exec", "--agent", "--max-turns", "2", "loop forever"],
    )
    .await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("all 2 tool rounds (--max-turns)"),
        "{}",
        run.stderr
    );
    assert_eq!(agent.requests().len(), 2);
}

#[tokio::test]
async fn a_429_is_retried_and_a_401_is_a_clear_error() {
    let agent = MockServer::start(vec![
        Step::Http {
            status: 429,
            body: json!({"error": {"message": "slow down", "type": "rate_limit_error"}}),
            retry_after: Some(1),
        },
        Step::message("after the retry"),
    ])
    .await;
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let run = run_agent(&sbx, &agent, &["exec", "--agent", "hello"]).await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("after the retry"));
    assert_eq!(agent.requests().len(), 2);

    agent.push(Step::http(401, "Incorrect API key provided"));
    let run = run_agent(&sbx, &agent, &["exec", "--agent", "hello"]).await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("rejected the API key")
            && run.stderr.contains("Incorrect API key provided"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("OPENAI_API_KEY"));
}

#[tokio::test]
async fn the_model_cannot_change_the_sandbox() {
    let agent = MockServer::start(vec![
        Step::outs(vec![Out::Call {
            name: "codex".into(),
            arguments: json!({"prompt": "write hello.py", "sandbox": "danger-full-access", "cwd": "/", "approval-policy": "on-request"}),
        }]),
        Step::message("done"),
    ])
    .await;
    let codex = MockServer::start(vec![Step::shell(PATCH), Step::message("ok")]).await;
    let sbx = Sandbox::new(&codex.base_url());
    let run = run_agent(&sbx, &agent, &["exec", "--agent", "go"]).await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let meta = codex.requests()[0]
        .header("x-codex-turn-metadata")
        .unwrap_or_default()
        .to_string();
    assert!(
        meta.contains("workspace-write") && !meta.contains("danger-full-access"),
        "{meta}"
    );
    assert!(
        sbx.output().join("hello.py").is_file(),
        "Codex ran in ./output, not /"
    );
    assert!(
        sbx.log().contains("ignoring an argument the app decides"),
        "the attempt is logged"
    );
}

#[tokio::test]
async fn a_failed_codex_turn_is_a_tool_error_the_model_sees() {
    let agent = MockServer::start(vec![
        Step::call(
            "codex_reply",
            json!({"threadId": "00000000-0000-4000-8000-000000000000", "prompt": "x"}),
        ),
        Step::message("that thread is gone"),
    ])
    .await;
    let sbx = Sandbox::new("http://127.0.0.1:9/v1");
    let run = run_agent(
        &sbx,
        &agent,
        &["exec", "--agent", "continue the old thread"],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("← codex_reply failed"),
        "{}",
        run.stdout
    );
    let seen = agent.requests()[1].text();
    assert!(
        seen.contains("unknown thread id 00000000-0000-4000-8000-000000000000"),
        "{seen}"
    );
}

#[tokio::test]
async fn with_backend_mcp_the_agent_calls_codex_over_mcp() {
    let agent = MockServer::start(vec![
        Step::call("codex", json!({"prompt": "Write hello.py"})),
        Step::message("Done over MCP."),
    ])
    .await;
    let codex = MockServer::start(vec![Step::shell(PATCH), Step::message("wrote hello.py")]).await;
    let sbx = Sandbox::new(&codex.base_url());
    let run = run_agent(
        &sbx,
        &agent,
        &[
            "exec",
            "--agent",
            "--backend",
            "mcp",
            "--json",
            "make hello",
        ],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(sbx.output().join("hello.py").is_file());
    let events = json_lines(&run);
    assert!(
        of_type(&events, "item.started")
            .iter()
            .any(|e| e["item"]["kind"] == "file_change"),
        "events came over codex/event"
    );
    assert!(
        sbx.log().contains("starting the MCP backend"),
        "the MCP path was taken"
    );
}

/// Words the user adds while the agent streams what would be its last answer are not left
/// unread: the agent is asked once more, with them after its answer.
#[tokio::test]
async fn words_said_during_the_last_answer_are_answered_too() {
    use codexmcp::agent::{Agent, AgentSettings, Api};
    use std::time::Duration;
    let model = MockServer::start(vec![
        Step::Respond {
            outs: vec![Out::Message("the first answer, streamed slowly".into())],
            delay: Duration::from_millis(150),
        },
        Step::message("and about the README"),
    ])
    .await;
    let codex = MockServer::start(vec![]).await;
    let sbx = Sandbox::new(&codex.base_url());
    let mut session = codexmcp::session::Session::new(sbx.engine_config(), None);
    let mut agent = Agent::new(AgentSettings {
        api: Api::Responses,
        base_url: model.base_url(),
        api_key: "sk-test-agent".into(),
        model: "gpt-test".into(),
        max_turns: 5,
        request_timeout: Duration::from_secs(30),
    })
    .unwrap();
    let guidance = agent.guidance();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let cancel = tokio_util::sync::CancellationToken::new();
    let speak = async {
        assert!(crate::support::codex::wait_for(10, || !model.requests().is_empty()).await);
        guidance.push("also a README");
    };
    let (answer, ()) = tokio::join!(agent.run("hello", &mut session, &tx, &cancel), speak);
    assert_eq!(answer.unwrap(), "and about the README");
    let asked = model.requests();
    assert_eq!(asked.len(), 2);
    let input = asked[1].body["input"].to_string();
    let (first, said) = (
        input.find("the first answer").expect("its answer"),
        input.find("also a README").expect("the words"),
    );
    assert!(first < said, "{input}");
    assert!(!asked[0].text().contains("also a README"));
}

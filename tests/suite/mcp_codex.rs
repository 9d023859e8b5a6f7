//! Codex as the client of `codexmcp mcp-server`: the agent that lost `codex mcp-server` in 0.154
//! can still reach codexmcp's tools the way it reaches any MCP server, from its config.

use std::process::Stdio;

use serde_json::json;

use crate::support::codex::{CODEX_VERSION, Sandbox, codex_bin, codexmcp_bin, output};
use crate::support::mock_openai::{MockServer, Out, Step};

/// Codex 0.171 itself as the MCP client: a Codex turn configured with
/// `[mcp_servers.codexmcp]` calls `codex-sessions`, and its own event stream shows the call
/// and the thread the tool listed.
#[tokio::test]
async fn codex_itself_calls_codex_sessions() {
    let server = MockServer::start(vec![Step::message("stored")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let first = sbx.run(&["exec", "--json", "remember me"]).await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let thread = first.thread_id();

    // Codex hands an MCP server only a few variables of its own; the rest come from here.
    let root = sbx.root.path();
    let env = [
        ("CODEX_HOME", sbx.codex_home()),
        ("CODEX_BIN", codex_bin(&CODEX_VERSION)),
        ("XDG_DATA_HOME", root.join("data")),
        ("XDG_STATE_HOME", root.join("state")),
        ("XDG_CONFIG_HOME", root.join("config")),
    ]
    .iter()
    .map(|(k, v)| format!("{k} = {}", toml_str(&v.display().to_string())))
    .collect::<Vec<_>>()
    .join(", ");
    let config = sbx.codex_home().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    // Headless Codex with approval `never` refuses every MCP call it is not told to approve.
    text.push_str(&format!(
        "\n[mcp_servers.codexmcp]\ncommand = {}\nargs = [\"mcp-server\"]\nenv = {{ {env} }}\n\
         default_tools_approval_mode = \"approve\"\n",
        toml_str(&codexmcp_bin().display().to_string())
    ));
    std::fs::write(&config, text).unwrap();

    // Codex 0.171 offers an MCP server's tools as one namespace (`mcp__codexmcp`) whose
    // functions have `-` turned into `_`; a call names both.
    let (namespace, tool) = ("mcp__codexmcp", "codex_sessions");
    server.push(Step::outs(vec![Out::Raw(json!({
        "type": "function_call", "id": "fc_mcp", "call_id": "call_mcp", "status": "completed",
        "namespace": namespace, "name": tool,
        "arguments": json!({"search": "remember"}).to_string(),
    }))]));
    server.push(Step::message("listed them"));
    let mut cmd = std::process::Command::new(codex_bin(&CODEX_VERSION));
    cmd.args(["exec", "--json", "--skip-git-repo-check", "list my threads"])
        .current_dir(sbx.work())
        .env("CODEX_HOME", sbx.codex_home())
        .env_remove("OPENAI_API_KEY")
        .env_remove("CODEX_API_KEY")
        .stdin(Stdio::null());
    let run = output(cmd).await;
    let offered: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.body["tools"].as_array().cloned())
        .flatten()
        .filter(|t| t["name"] == namespace)
        .flat_map(|t| t["tools"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect();
    assert!(
        offered.iter().any(|n| n == tool),
        "{namespace} offered {offered:?}"
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let call = run
        .events()
        .into_iter()
        .find(|e| e["type"] == "item.completed" && e["item"]["type"] == "mcp_tool_call")
        .unwrap_or_else(|| panic!("no mcp_tool_call in\n{}", run.stdout));
    assert_eq!(call["item"]["server"], "codexmcp", "{call}");
    assert_eq!(call["item"]["tool"], "codex-sessions", "{call}");
    assert_eq!(call["item"]["status"], "completed", "{call}");
    assert!(
        call.to_string().contains(&thread),
        "the listed thread: {call}"
    );
    assert!(run.stdout.contains("listed them"), "{}", run.stdout);
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

//! `codexmcp exec --agent`: the orchestrating agent, headless.
//!
//! The agent's text streams to stdout as it arrives, each tool call and result gets a line,
//! Codex's events in between print exactly as in direct mode, and the run ends with both
//! models' token counts and a cost estimate. With `--json`, agent events (`agent.*`) and Codex
//! events share one JSONL stream. `--resume THREAD` reloads the agent conversation stored
//! beside that Codex thread, so a follow-up goes to `codex_reply` on the same thread.

use std::io::{IsTerminal, Write};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::tools::CodexTools;
use super::{Agent, AgentError, AgentEvent, AgentMsg, AgentState, cost};
use crate::config::Settings;
use crate::headless::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, HumanPrinter};
use crate::session::Store;
use crate::text::one_line;

/// File name of the stored agent conversation in a thread's session folder.
pub const AGENT_FILE: &str = "agent.json";

pub async fn run(prompt: String, resume: Option<String>, json: bool, settings: &Settings) -> i32 {
    let agent_settings = match settings.agent_settings() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("codexmcp: {e}");
            return EXIT_FAILED;
        }
    };
    let config = match settings.engine().await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("codexmcp: {e}");
            return EXIT_FAILED;
        }
    };
    let store = Store::open_default().ok();
    let state: AgentState = match (&store, &resume) {
        (Some(s), Some(id)) => match s.load_json(id, AGENT_FILE) {
            Ok(Some(state)) => state,
            Ok(None) => AgentState {
                codex_thread: Some(id.clone()),
                ..AgentState::default()
            },
            Err(e) => {
                eprintln!(
                    "codexmcp: the stored agent conversation for {id} is unreadable ({e:#}); starting a new one on that thread"
                );
                AgentState {
                    codex_thread: Some(id.clone()),
                    ..AgentState::default()
                }
            }
        },
        _ => AgentState::default(),
    };
    let mut agent = match Agent::new(agent_settings, state) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("codexmcp: {e}");
            return EXIT_FAILED;
        }
    };
    let mut tools = CodexTools::new(config.clone(), store.clone(), &settings.backend);
    let cancel = CancellationToken::new();
    let ctrl_c = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let (tx, mut rx) = mpsc::channel::<AgentMsg>(1024);
    let color = !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let printer = tokio::spawn(async move {
        let mut human = HumanPrinter::new(color, config.cwd.clone());
        let mut out = std::io::stdout();
        let mut mid_text = false;
        while let Some(msg) = rx.recv().await {
            let text = match (&msg, json) {
                (AgentMsg::Codex(ev), true) => serde_json::to_string(ev).ok().map(|s| s + "\n"),
                (AgentMsg::Agent(ev), true) => serde_json::to_string(ev).ok().map(|s| s + "\n"),
                (AgentMsg::Codex(ev), false) => human
                    .line(ev)
                    .map(|l| format!("{}{l}\n", if mid_text { "\n" } else { "" })),
                (AgentMsg::Agent(ev), false) => agent_line(ev, mid_text),
            };
            if !json {
                mid_text = match &msg {
                    AgentMsg::Agent(AgentEvent::Delta { text }) => !text.ends_with('\n'),
                    AgentMsg::Agent(AgentEvent::Usage { .. }) => mid_text,
                    _ if text.is_some() => false,
                    _ => mid_text,
                };
            }
            if let Some(t) = text {
                let _ = out.write_all(t.as_bytes()).and_then(|_| out.flush());
            }
        }
        if mid_text {
            let _ = out.write_all(b"\n");
        }
    });
    let result = agent.run(&prompt, &mut tools, &tx, &cancel).await;
    drop(tx);
    let _ = printer.await;
    ctrl_c.abort();
    let thread = agent.state.codex_thread.clone();
    if let (Some(s), Some(id)) = (&store, &thread)
        && let Err(e) = s.save_json(id, AGENT_FILE, &agent.state)
    {
        tracing::warn!("agent conversation not saved: {e:#}");
    }
    let st = &agent.state;
    let agent_cost = settings.prices.estimate(
        &st.model,
        st.input_tokens,
        st.cached_tokens,
        st.output_tokens,
    );
    let codex_model = settings
        .model
        .clone()
        .unwrap_or_else(|| "(its default model)".into());
    let cu = tools.usage;
    let codex_cost = settings.prices.estimate(
        &codex_model,
        cu.input_tokens,
        cu.cached_input_tokens,
        cu.output_tokens,
    );
    let summary = format!(
        "agent {}: {} in / {} out ({}) · codex {}: {} in / {} out ({})",
        st.model,
        st.input_tokens,
        st.output_tokens,
        cost::dollars(agent_cost),
        codex_model,
        cu.input_tokens,
        cu.output_tokens,
        cost::dollars(codex_cost)
    );
    let hint = thread.as_ref().map(|id| {
        format!("thread: {id}\nresume with: codexmcp exec --agent --resume {id} \"<next prompt>\"")
    });
    let lines: Vec<String> = std::iter::once(summary).chain(hint).collect();
    if json {
        eprintln!("{}", lines.join("\n"));
    } else {
        println!("{}", lines.join("\n"));
    }
    match result {
        Ok(_) => EXIT_OK,
        Err(AgentError::Cancelled) => {
            eprintln!("codexmcp: interrupted");
            EXIT_INTERRUPTED
        }
        Err(e) => {
            eprintln!("codexmcp: {e}");
            EXIT_FAILED
        }
    }
}

/// The readable form of an agent event (deltas are printed raw, as they stream).
fn agent_line(ev: &AgentEvent, mid_text: bool) -> Option<String> {
    let nl = if mid_text { "\n" } else { "" };
    match ev {
        AgentEvent::Delta { text } => Some(crate::text::sanitize(text)),
        AgentEvent::Message { .. } | AgentEvent::Usage { .. } => None,
        AgentEvent::ToolCall { name, arguments } => {
            let prompt = arguments["prompt"].as_str().unwrap_or("");
            let thread = arguments["threadId"]
                .as_str()
                .map(|t| format!(" [{t}]"))
                .unwrap_or_default();
            Some(format!("{nl}→ {name}{thread}: {}\n", one_line(prompt, 200)))
        }
        AgentEvent::ToolResult {
            name,
            ok,
            thread_id,
            output,
        } => {
            let thread = thread_id
                .as_deref()
                .map(|t| format!(" (thread {t})"))
                .unwrap_or_default();
            if *ok {
                Some(format!("{nl}← {name} done{thread}\n"))
            } else {
                Some(format!(
                    "{nl}← {name} failed{thread}: {}\n",
                    one_line(output, 300)
                ))
            }
        }
    }
}

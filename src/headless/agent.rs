//! `codexmcp exec --agent`: the orchestrating agent, headless.
//!
//! The agent's text streams to stdout as it arrives, each tool call and result gets a line,
//! Codex's events in between print exactly as in direct mode, and the run ends with both
//! models' token counts and a cost estimate. With `--json`, agent events (`agent.*`) and Codex
//! events share one JSONL stream. `--resume THREAD` reloads the agent conversation stored
//! beside that Codex thread, so a follow-up goes to `codex_reply` on the same thread.

use tokio::sync::mpsc;

use super::Output;
use crate::agent::{Agent, AgentError, AgentEvent, AgentMsg, AgentSettings, cost};
use crate::cli::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::config::Settings;
use crate::engine::procs::Signals;
use crate::session::Session;
use crate::text::one_line;

/// What `exec --agent` was asked.
pub struct Request {
    pub prompt: String,
    pub resume: Option<String>,
    pub json: bool,
    /// Checked images: the agent is told of them, and its next Codex call carries them.
    pub images: Vec<std::path::PathBuf>,
}

pub async fn run(req: Request, settings: &Settings, signals: &Signals) -> i32 {
    let Request {
        prompt,
        resume,
        json,
        images,
    } = req;
    let prompt = crate::agent::with_attachments(&prompt, &images);
    let mut agent = match AgentSettings::resolve(settings).and_then(Agent::new) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("codexmcp: {e}");
            return EXIT_FAILED;
        }
    };
    let config = match crate::engine::connect(settings).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("codexmcp: {e}");
            return EXIT_FAILED;
        }
    };
    let store = Session::open_store();
    let session = match &resume {
        Some(id) => Session::resume(config.clone(), store, id),
        None => Ok(Session::new(config.clone(), store)),
    }
    .map(|s| {
        s.stop_on(signals.token())
            .on_progress(super::progress_on_stderr())
    });
    let mut session = match session {
        Ok(s) => s,
        Err(e) => {
            eprintln!("codexmcp: {e}");
            config.shutdown().await;
            return EXIT_FAILED;
        }
    };
    if let Err(why) = agent.load(&session) {
        eprintln!("codexmcp: {why}");
    }
    session.attach(images);
    let (tx, mut rx) = mpsc::channel::<AgentMsg>(1024);
    let mut out = Output::new(json, config.cwd.clone());
    let printer = tokio::spawn(async move {
        let mut mid_text = false;
        while let Some(msg) = rx.recv().await {
            let nl = if mid_text { "\n" } else { "" };
            let printed = match &msg {
                AgentMsg::Codex(ev) => out.codex_after(ev, nl),
                AgentMsg::Agent(ev) if out.is_json() => {
                    if let Ok(s) = serde_json::to_string(ev) {
                        out.write(&(s + "\n"));
                    }
                    true
                }
                AgentMsg::Agent(ev) => match agent_line(ev, mid_text) {
                    Some(t) => {
                        out.write(&t);
                        true
                    }
                    None => false,
                },
            };
            mid_text = match &msg {
                _ if out.is_json() => false,
                AgentMsg::Agent(AgentEvent::Delta { text }) => !text.ends_with('\n'),
                _ if printed => false,
                _ => mid_text,
            };
            if rx.is_empty() {
                out.flush(); // the end of a burst: show it
                super::say_unsaved();
            }
        }
        if mid_text {
            out.write("\n");
        }
        out.flush();
        out
    });
    let result = agent
        .run(&prompt, &mut session, &tx, &signals.token())
        .await;
    drop(tx);
    let mut out = match printer.await {
        Ok(out) => out,
        Err(_) => Output::new(json, config.cwd.clone()),
    };
    config.shutdown().await;
    // Everything the request changed, over all the Codex turns the agent ran.
    if let Some(diff) = session.take_changes().await {
        out.diff(&diff);
    }
    super::say_unsaved();
    let prices = cost::PriceTable::new(&settings.prices);
    let st = agent.state();
    let agent_cost = prices.estimate(
        &st.model,
        st.input_tokens,
        st.cached_tokens,
        st.output_tokens,
    );
    let codex_model = settings
        .model
        .clone()
        .unwrap_or_else(|| "(its default model)".into());
    let cu = agent.codex_usage();
    let codex_cost = prices.estimate(
        &codex_model,
        cu.input_tokens,
        cu.cached_input_tokens,
        cu.output_tokens,
    );
    let summary = format!(
        "agent {}: {} in / {} out ({}) · codex {}: {} in / {} out ({})",
        one_line(&st.model, 60),
        st.input_tokens,
        st.output_tokens,
        cost::dollars(agent_cost),
        one_line(&codex_model, 60),
        cu.input_tokens,
        cu.output_tokens,
        cost::dollars(codex_cost)
    );
    let hint = session.thread_id().map(|id| {
        format!("thread: {id}\nresume with: codexmcp exec --agent --resume {id} \"<next prompt>\"")
    });
    let lines: Vec<String> = std::iter::once(summary).chain(hint).collect();
    out.closing(&lines.join("\n"));
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
                .map(|t| format!(" [{}]", one_line(t, 40)))
                .unwrap_or_default();
            Some(format!(
                "{nl}→ {}{thread}: {}\n",
                one_line(name, 40),
                one_line(prompt, 200)
            ))
        }
        AgentEvent::ToolResult {
            name,
            ok,
            thread_id,
            output,
        } => {
            let thread = thread_id
                .as_deref()
                .map(|t| format!(" (thread {})", one_line(t, 40)))
                .unwrap_or_default();
            if *ok {
                Some(format!("{nl}← {} done{thread}\n", one_line(name, 40)))
            } else {
                Some(format!(
                    "{nl}← {} failed{thread}: {}\n",
                    one_line(name, 40),
                    one_line(output, 300)
                ))
            }
        }
    }
}

//! The orchestrating agent as a session sees it: streamed text growing in one chat entry,
//! tool calls and results as notices, Codex events routed to the event pane, and the agent's
//! token counts for the status bar (its model and prices are the App's: one per app).

use std::time::Instant;

use super::super::chat::Who;
use super::SessionView;
use crate::agent::wire::Entry;
use crate::agent::{AgentEvent, AgentMsg, AgentState};

/// The agent's tokens in this session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentUsage {
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
}

impl SessionView {
    pub(super) fn on_agent(&mut self, run: u64, msg: AgentMsg, now: Instant) {
        if self.turn.current(run).is_none() {
            return;
        }
        match msg {
            AgentMsg::Codex(ev) => self.on_codex(run, &ev, now),
            AgentMsg::Agent(AgentEvent::Delta { text }) => self.chat.agent_delta(&text),
            AgentMsg::Agent(AgentEvent::Message { text }) => self.chat.agent_message(&text),
            AgentMsg::Agent(AgentEvent::ToolCall { name, arguments }) => {
                let prompt = arguments["prompt"].as_str().unwrap_or("");
                let thread = arguments["threadId"]
                    .as_str()
                    .map(|t| format!(" [{}]", crate::text::one_line(t, 40)))
                    .unwrap_or_default();
                self.say(
                    Who::Notice,
                    &format!("→ {name}{thread}: {}", crate::text::one_line(prompt, 300)),
                );
            }
            AgentMsg::Agent(AgentEvent::ToolResult {
                name, ok, output, ..
            }) => {
                // The thread the agent worked on is the session actor's to report.
                if ok {
                    self.say(Who::Notice, &format!("← {name} done"));
                } else {
                    self.say(
                        Who::Notice,
                        &format!("← {name} failed: {}", crate::text::one_line(&output, 300)),
                    );
                }
            }
            AgentMsg::Agent(AgentEvent::Usage {
                input_tokens,
                cached_tokens,
                output_tokens,
            }) => {
                let a = &mut self.agent;
                a.input_tokens = a.input_tokens.saturating_add(input_tokens);
                a.cached_tokens = a.cached_tokens.saturating_add(cached_tokens);
                a.output_tokens = a.output_tokens.saturating_add(output_tokens);
            }
        }
    }

    /// Rebuilds the chat of a resumed thread from the stored agent conversation.
    pub(super) fn show_agent_history(&mut self, state: &AgentState) {
        if state.history.is_empty() {
            return;
        }
        self.chat.clear();
        for e in &state.history {
            match e {
                Entry::User { text } => self.say(Who::User, text),
                Entry::Assistant { text } => self.say(Who::Agent, text),
                Entry::Call {
                    name, arguments, ..
                } => {
                    let args: serde_json::Value =
                        serde_json::from_str(arguments).unwrap_or_default();
                    let prompt = args["prompt"].as_str().unwrap_or("");
                    self.say(
                        Who::Notice,
                        &format!("→ {name}: {}", crate::text::one_line(prompt, 300)),
                    );
                }
                Entry::Output { .. } => {}
            }
        }
        self.agent.input_tokens = state.input_tokens;
        self.agent.cached_tokens = state.cached_tokens;
        self.agent.output_tokens = state.output_tokens;
        self.say(Who::Notice, "resumed the agent conversation");
    }
}

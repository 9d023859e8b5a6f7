//! The orchestrating agent as the App sees it: streamed text growing in one chat entry,
//! tool calls and results as notices, Codex events routed to the event pane, and both
//! models' token counts (with a cost estimate) for the status bar.

use super::app::{App, Who};
use crate::agent::cost::PriceTable;
use crate::agent::wire::Entry;
use crate::agent::{AgentEvent, AgentMsg, AgentState};

#[derive(Debug, Clone, Default)]
pub struct AgentView {
    /// An endpoint is configured (OPENAI_API_KEY), so `/agent` can work.
    pub available: bool,
    pub model: String,
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
    pub prices: Option<PriceTable>,
}

impl AgentView {
    pub fn cost(&self) -> Option<f64> {
        self.prices.as_ref()?.estimate(
            &self.model,
            self.input_tokens,
            self.cached_tokens,
            self.output_tokens,
        )
    }
}

impl App {
    pub(super) fn on_agent(&mut self, run: u64, msg: AgentMsg) {
        if self.turn.current(run).is_none() {
            return;
        }
        match msg {
            AgentMsg::Codex(ev) => self.on_codex(run, &ev),
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
                name,
                ok,
                thread_id,
                output,
            }) => {
                if ok {
                    let superseded = self.turn.current(run).is_some_and(|t| t.superseded);
                    if let Some(id) = thread_id.filter(|_| !superseded) {
                        let total = self.turn.total();
                        self.turn.set_thread(Some(id), total);
                    }
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

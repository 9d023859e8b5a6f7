//! The orchestrating agent: an OpenAI model that calls Codex as a tool (async-openai).
//!
//! This is the proof of concept's main path — user prompt → agent → Codex → files in
//! `output/` — without the Agents SDK's weak spots: no 5-second tool timeout (a Codex turn
//! takes as long as it takes), cancellation at any point, a conversation that survives a
//! restart (stored beside the Codex thread), and token counts for both models.
//!
//! One call of [`Agent::run`] handles one user prompt: request, stream the text, run the tool
//! calls, feed the results back, repeat until the model answers without tools or
//! `max_turns` rounds are used. What the user types meanwhile ([`Guidance`]) joins the
//! conversation before the next request. Transient HTTP failures (429, 5xx, dropped
//! connections) are retried by async-openai's retry layer with exponential backoff, honouring
//! `Retry-After`.

pub mod cost;
pub mod tools;
pub mod wire;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine::CodexEvent;
use crate::session::Session;
use tools::CodexTools;

/// File name of the stored agent conversation in a thread's session folder.
pub const AGENT_FILE: &str = "agent.json";
use wire::{Entry, Reply};

pub use crate::config::{
    DEFAULT_AGENT_BASE_URL as DEFAULT_BASE_URL, DEFAULT_AGENT_MODEL as DEFAULT_MODEL,
    DEFAULT_MAX_TURNS,
};

pub const INSTRUCTIONS: &str = "You are the orchestrator of Codex, a coding agent that works in the \
user's project folder. For any request that needs code, files or commands, call the `codex` tool \
with a complete, self-contained prompt. For follow-ups on work Codex already did, call \
`codex_reply` with the threadId from the previous result, so Codex keeps its context. Pass \
`$skill-name` mentions through to Codex verbatim. When Codex is done, tell the user briefly what \
was made and where. If a Codex call fails, explain the error or try a corrected prompt.";

pub use crate::cli::AgentApi as Api;

#[derive(Debug, Clone)]
pub struct AgentSettings {
    pub api: Api,
    pub base_url: String,
    pub api_key: String,
    pub model: String,
    pub max_turns: u32,
    /// Longest silence allowed while a model response streams.
    pub request_timeout: Duration,
}

impl AgentSettings {
    /// The agent's part of the settings: endpoint from `OPENAI_BASE_URL` (else
    /// `agent_base_url` in config.toml, else OpenAI), key from `OPENAI_API_KEY`.
    pub fn resolve(settings: &crate::config::Settings) -> Result<Self, AgentError> {
        let key = crate::config::env_value("OPENAI_API_KEY").ok_or_else(|| {
            AgentError::Config("the agent needs OPENAI_API_KEY (in the environment or .env); use --direct to talk to Codex without it".into())
        })?;
        Ok(Self {
            api: settings.agent_api,
            base_url: settings.agent_base_url(),
            api_key: key,
            model: settings.agent_model.clone(),
            max_turns: settings.max_turns,
            request_timeout: settings.agent_timeout,
        })
    }
}

/// What the agent reports while it works (also the `exec --agent --json` schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AgentEvent {
    #[serde(rename = "agent.delta")]
    Delta { text: String },
    #[serde(rename = "agent.message")]
    Message { text: String },
    #[serde(rename = "agent.tool_call")]
    ToolCall { name: String, arguments: Value },
    #[serde(rename = "agent.tool_result")]
    ToolResult {
        name: String,
        ok: bool,
        thread_id: Option<String>,
        output: String,
    },
    #[serde(rename = "agent.usage")]
    Usage {
        input_tokens: u64,
        cached_tokens: u64,
        output_tokens: u64,
    },
}

/// Everything an agent run sends to its front end.
#[derive(Debug, Clone)]
pub enum AgentMsg {
    Agent(AgentEvent),
    Codex(CodexEvent),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AgentError {
    #[error(
        "the agent endpoint rejected the API key ({0}). Check OPENAI_API_KEY (and OPENAI_BASE_URL if you use another endpoint)"
    )]
    Auth(String),
    #[error("the agent endpoint returned an error: {0}")]
    Http(String),
    #[error("the agent used all {0} tool rounds (--max-turns) without a final answer")]
    MaxTurns(u32),
    #[error("cancelled")]
    Cancelled,
    #[error("no response from the agent endpoint for {}s", .0.as_secs())]
    Timeout(Duration),
    #[error("{0}")]
    Config(String),
}

/// The stored part of an agent conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentState {
    pub model: String,
    pub history: Vec<Entry>,
    /// The Codex thread, as stored (the session owns the live value).
    pub codex_thread: Option<String>,
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
}

pub struct Agent {
    pub settings: AgentSettings,
    client: Client<OpenAIConfig>,
    state: AgentState,
    tools: CodexTools,
    guidance: Guidance,
}

/// What the user adds while the agent works: pushed from outside the run, read before the
/// agent's next model request — and when it came during what would have been the last one,
/// the agent is asked once more, so nothing said is left unread.
#[derive(Debug, Clone, Default)]
pub struct Guidance(Arc<Mutex<Vec<String>>>);

impl Guidance {
    pub fn push(&self, text: &str) {
        self.lock().push(text.to_string());
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lock())
    }

    fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Installs the TLS crypto provider (ring) once; reqwest panics without one.
/// The user's prompt as the agent reads it when images came with it: the model is told
/// which, and that its next Codex call carries them (the session attaches them there).
pub fn with_attachments(prompt: &str, images: &[std::path::PathBuf]) -> String {
    if images.is_empty() {
        return prompt.to_string();
    }
    let list: Vec<String> = images.iter().map(|p| p.display().to_string()).collect();
    format!(
        "{prompt}\n\n(The user attached {} image(s): {}. They are given to Codex with your \
         next `codex` or `codex_reply` call; mention them in its prompt.)",
        images.len(),
        list.join(", ")
    )
}

pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Agent {
    /// An agent with a fresh conversation.
    pub fn new(settings: AgentSettings) -> Result<Self, AgentError> {
        install_tls();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(settings.request_timeout)
            .build()
            .map_err(|e| AgentError::Config(format!("HTTP client: {e}")))?;
        // Explicit base and key: never let a stray env var redirect traffic.
        let config = OpenAIConfig::new()
            .with_api_base(&settings.base_url)
            .with_api_key(&settings.api_key);
        let client = Client::with_config(config).with_http_client(http);
        let state = AgentState {
            model: settings.model.clone(),
            ..AgentState::default()
        };
        Ok(Self {
            settings,
            client,
            state,
            tools: CodexTools::default(),
            guidance: Guidance::default(),
        })
    }

    /// The handle through which words reach the running agent.
    pub fn guidance(&self) -> Guidance {
        self.guidance.clone()
    }

    pub fn state(&self) -> &AgentState {
        &self.state
    }

    /// Codex usage of this agent's tool calls so far.
    pub fn codex_usage(&self) -> crate::engine::Usage {
        self.tools.usage
    }

    /// Forgets the conversation (the session forgets its thread separately).
    pub fn reset(&mut self) {
        self.state = AgentState {
            model: self.settings.model.clone(),
            ..AgentState::default()
        };
    }

    /// Takes up the conversation stored beside the session's thread; a fresh one when there
    /// is none. An unreadable file is reported and replaced.
    pub fn load(&mut self, session: &Session) -> Result<(), String> {
        self.reset();
        match session.load_json::<AgentState>(AGENT_FILE) {
            Ok(Some(state)) => {
                self.state = AgentState {
                    model: self.settings.model.clone(),
                    ..state
                };
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(format!(
                "the stored agent conversation is unreadable ({e:#}); starting a new one on that thread"
            )),
        }
    }

    /// Handles one user prompt to the end (final answer, error, or cancellation).
    /// Handles one user prompt on `session`, then stores the conversation beside the
    /// session's thread (however the run ended).
    pub async fn run(
        &mut self,
        prompt: &str,
        session: &mut Session,
        tx: &mpsc::Sender<AgentMsg>,
        cancel: &CancellationToken,
    ) -> Result<String, AgentError> {
        let result = self.converse(prompt, session, tx, cancel).await;
        self.state.codex_thread = session.thread_id().map(str::to_string);
        session.save_json(AGENT_FILE, &self.state);
        result
    }

    async fn converse(
        &mut self,
        prompt: &str,
        session: &mut Session,
        tx: &mpsc::Sender<AgentMsg>,
        cancel: &CancellationToken,
    ) -> Result<String, AgentError> {
        self.state.history.push(Entry::User {
            text: prompt.to_string(),
        });
        for _ in 0..self.settings.max_turns {
            for text in self.guidance.take() {
                self.state.history.push(Entry::User { text });
            }
            let reply = tokio::select! {
                r = self.request(tx) => r?,
                _ = cancel.cancelled() => return Err(AgentError::Cancelled),
            };
            let st = &mut self.state;
            st.input_tokens = st.input_tokens.saturating_add(reply.input_tokens);
            st.cached_tokens = st.cached_tokens.saturating_add(reply.cached_tokens);
            st.output_tokens = st.output_tokens.saturating_add(reply.output_tokens);
            let usage = AgentEvent::Usage {
                input_tokens: reply.input_tokens,
                cached_tokens: reply.cached_tokens,
                output_tokens: reply.output_tokens,
            };
            let _ = tx.send(AgentMsg::Agent(usage)).await;
            if !reply.text.is_empty() {
                self.state.history.push(Entry::Assistant {
                    text: reply.text.clone(),
                });
                let _ = tx
                    .send(AgentMsg::Agent(AgentEvent::Message {
                        text: reply.text.clone(),
                    }))
                    .await;
            }
            if reply.calls.is_empty() {
                if self.guidance.is_empty() {
                    return Ok(reply.text);
                }
                continue; // the user spoke while this answer streamed
            }
            for (call_id, name, arguments) in reply.calls {
                self.state.history.push(Entry::Call {
                    call_id: call_id.clone(),
                    name: name.clone(),
                    arguments: arguments.clone(),
                });
                let shown =
                    serde_json::from_str(&arguments).unwrap_or(Value::String(arguments.clone()));
                let _ = tx
                    .send(AgentMsg::Agent(AgentEvent::ToolCall {
                        name: name.clone(),
                        arguments: shown,
                    }))
                    .await;
                // Every call gets an output, even when cancelled, so the history stays valid.
                let out = if cancel.is_cancelled() {
                    tools::ToolOutput {
                        ok: false,
                        thread_id: None,
                        text: "{\"error\":\"cancelled by the user\"}".into(),
                    }
                } else {
                    self.tools
                        .call(session, &name, &arguments, tx, cancel)
                        .await
                };
                self.state.history.push(Entry::Output {
                    call_id,
                    output: out.text.clone(),
                });
                let result = AgentEvent::ToolResult {
                    name,
                    ok: out.ok,
                    thread_id: out.thread_id,
                    output: out.text,
                };
                let _ = tx.send(AgentMsg::Agent(result)).await;
            }
            if cancel.is_cancelled() {
                return Err(AgentError::Cancelled);
            }
        }
        Err(AgentError::MaxTurns(self.settings.max_turns))
    }

    /// One streamed model request.
    async fn request(&self, tx: &mpsc::Sender<AgentMsg>) -> Result<Reply, AgentError> {
        let specs = tools::specs();
        let (model, history) = (&self.settings.model, &self.state.history);
        let stream = match self.settings.api {
            Api::Responses => {
                let body = wire::responses_request(model, INSTRUCTIONS, history, &specs);
                self.client
                    .responses()
                    .create_stream_byot::<Value, Value>(body)
                    .await
            }
            Api::Chat => {
                let body = wire::chat_request(model, INSTRUCTIONS, history, &specs);
                self.client
                    .chat()
                    .create_stream_byot::<Value, Value>(body)
                    .await
            }
        };
        let mut stream = stream.map_err(classify)?;
        let mut reply = Reply::default();
        let mut pending = Vec::new(); // Chat: tool-call fragments by index
        while let Some(ev) = stream.next().await {
            let ev = ev.map_err(classify)?;
            let delta = match self.settings.api {
                Api::Responses => {
                    wire::fold_responses(&mut reply, &ev).map_err(AgentError::Http)?
                }
                Api::Chat => {
                    wire::fold_chat(&mut reply, &mut pending, &ev).map_err(AgentError::Http)?
                }
            };
            if let Some(text) = delta {
                let _ = tx.send(AgentMsg::Agent(AgentEvent::Delta { text })).await;
            }
        }
        if self.settings.api == Api::Chat {
            reply.calls = pending.into_iter().filter(|c| !c.1.is_empty()).collect();
        }
        Ok(reply)
    }
}

fn classify(e: OpenAIError) -> AgentError {
    match &e {
        OpenAIError::ApiError(r) if matches!(r.status_code.as_u16(), 401 | 403) => {
            AgentError::Auth(r.to_string())
        }
        OpenAIError::ApiError(r) => AgentError::Http(r.to_string()),
        OpenAIError::Reqwest(r) if r.is_timeout() => AgentError::Http(format!("timed out: {r}")),
        _ => AgentError::Http(e.to_string()),
    }
}

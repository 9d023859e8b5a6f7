//! `CodexEvent`: the one normalized event type every backend produces and every front end
//! consumes.
//!
//! Codex speaks several dialects (exec JSONL, app-server notifications, `codex/event` MCP
//! notifications). The engine translates each of them into this enum so the TUI, the headless
//! printer, the session store and the MCP server never see a wire format. The serialized form
//! (`serde`, `type` tag) is also the `codexmcp exec --json` output schema documented in the
//! README, so field names here are a public contract: add, never rename.

use serde::{Deserialize, Serialize};
use serde_json::Value;

crate::cli::words! {
    /// Which part of an item an `item.delta` extends.
    DeltaStream ("delta stream") {
        AgentMessage = "agent_message",
        Reasoning = "reasoning",
        CommandOutput = "command_output",
    }
}

crate::cli::words! {
    /// What an approval request is about.
    ApprovalKind ("approval kind") {
        Command = "command",
        FileChange = "file_change",
    }
}

crate::cli::words! {
    /// An answer to an approval request.
    ApprovalDecision ("decision") {
        Accept = "accept",
        AcceptForSession = "acceptForSession",
        Decline = "decline",
        Cancel = "cancel",
    }
}

impl ApprovalDecision {
    /// The word Codex expects: the v2 methods take these names, the legacy ones
    /// (`execCommandApproval`, `applyPatchApproval`) their own.
    pub fn wire(self, legacy: bool) -> &'static str {
        match (self, legacy) {
            (Self::Accept, true) => "approved",
            (Self::AcceptForSession, true) => "approved_for_session",
            (Self::Decline, true) => "denied",
            (Self::Cancel, true) => "abort",
            (d, false) => d.as_str(),
        }
    }
}

/// One event of a Codex turn, normalized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CodexEvent {
    /// Codex created or resumed a thread; always the first event of a run.
    #[serde(rename = "thread.started")]
    ThreadStarted { thread_id: String },
    #[serde(rename = "turn.started")]
    TurnStarted,
    #[serde(rename = "item.started")]
    ItemStarted { item: Item },
    #[serde(rename = "item.updated")]
    ItemUpdated { item: Item },
    #[serde(rename = "item.completed")]
    ItemCompleted { item: Item },
    /// The turn finished. `usage` is this turn's share, `total` the thread's running total.
    #[serde(rename = "turn.completed")]
    TurnCompleted { usage: Usage, total: Usage },
    /// The turn failed (model or HTTP error); terminal.
    #[serde(rename = "turn.failed")]
    TurnFailed { message: String },
    /// The user (or a timeout) stopped the turn; the thread stays resumable.
    #[serde(rename = "turn.interrupted")]
    TurnInterrupted { reason: String },
    /// A piece of an item still being produced (app-server backend): `stream` is
    /// `agent_message`, `reasoning` or `command_output`.
    #[serde(rename = "item.delta")]
    ItemDelta {
        item_id: String,
        stream: DeltaStream,
        delta: String,
    },
    /// Codex asks before running a command or applying a patch (app-server backend with an
    /// approval policy other than `never`). Answer through the turn's `Approver`.
    #[serde(rename = "approval.requested")]
    ApprovalRequested {
        request_id: String,
        /// `command` or `file_change`.
        kind: ApprovalKind,
        command: Option<String>,
        cwd: Option<String>,
        reason: Option<String>,
        /// For file changes: the paths and diff, as far as Codex sent them.
        diff: Option<String>,
    },
    /// How an approval request was answered (`accept`, `acceptForSession`, `decline`, `cancel`).
    #[serde(rename = "approval.resolved")]
    ApprovalResolved {
        request_id: String,
        decision: ApprovalDecision,
        by: String,
    },
    /// Codex's own unified diff of everything the turn has changed so far (app-server
    /// `turn/diff/updated`, the old MCP server's `turn_diff`); each one replaces the last.
    /// Only what Codex's own edits did: codexmcp's checkpoint diff after the turn also sees
    /// what shell commands wrote.
    #[serde(rename = "turn.diff.updated")]
    TurnDiffUpdated { diff: String },
    /// The thread's usage as Codex counts it mid-turn, and how full the model's context window
    /// is: `context_tokens` of the last request out of `context_window` (app-server
    /// `thread/tokenUsage/updated`).
    #[serde(rename = "usage.updated")]
    UsageUpdated {
        total: Usage,
        context_tokens: u64,
        context_window: Option<u64>,
    },
    /// The account's rate-limit windows, when it reports them (app-server
    /// `account/rateLimits/updated`).
    #[serde(rename = "rate_limits.updated")]
    RateLimits { windows: Vec<RateWindow> },
    /// Codex's plan for the turn, as it stands (app-server `turn/plan/updated`): the whole
    /// list each time.
    #[serde(rename = "plan.updated")]
    PlanUpdated { steps: Vec<PlanStep> },
    /// The thread's context was compacted (app-server `thread/compacted`).
    #[serde(rename = "thread.compacted")]
    ThreadCompacted { thread_id: String },
    /// A stream-level error Codex reported; not necessarily fatal (retries look like this).
    #[serde(rename = "error")]
    Error { message: String },
    /// codexmcp's own classified failure (binary missing, auth, unknown thread, crash...).
    #[serde(rename = "engine.error")]
    EngineError { kind: String, message: String },
    /// A well-formed event of a type this version does not know; kept verbatim.
    #[serde(rename = "unknown")]
    Unknown { event_type: String, raw: Value },
    /// A line that was not a JSON event at all (garbage, torn, oversized).
    #[serde(rename = "malformed")]
    Malformed { reason: String, line: String },
}

impl CodexEvent {
    /// True for the events after which a run produces nothing more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::TurnCompleted { .. } | Self::TurnFailed { .. } | Self::TurnInterrupted { .. }
        )
    }

    /// The item carried by an item event.
    pub fn item(&self) -> Option<&Item> {
        match self {
            Self::ItemStarted { item }
            | Self::ItemUpdated { item }
            | Self::ItemCompleted { item } => Some(item),
            _ => None,
        }
    }
}

/// One unit of work inside a turn. `id` is only unique within one Codex process run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    #[serde(flatten)]
    pub kind: ItemKind,
}

/// The item payloads of reference §1.3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemKind {
    AgentMessage {
        text: String,
    },
    Reasoning {
        text: String,
    },
    CommandExecution {
        command: String,
        aggregated_output: String,
        exit_code: Option<i64>,
        status: Status,
    },
    FileChange {
        changes: Vec<FileChange>,
        status: Status,
    },
    McpToolCall {
        server: String,
        tool: String,
        arguments: Value,
        result: Option<Value>,
        error: Option<String>,
        status: Status,
    },
    WebSearch {
        /// The provider's own id (the second `id` key of the raw item).
        search_id: Option<String>,
        query: String,
        action: Value,
    },
    TodoList {
        items: Vec<Todo>,
    },
    /// A non-fatal warning item (unknown model metadata, transport fallback...).
    Error {
        message: String,
    },
    /// An item type this version does not know; the raw payload is kept.
    Other {
        item_type: String,
        raw: Value,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    InProgress,
    Completed,
    Failed,
    Declined,
    Unknown,
}

impl Status {
    pub fn parse(s: &str) -> Self {
        match s {
            "in_progress" => Self::InProgress,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "declined" => Self::Declined,
            _ => Self::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    pub path: String,
    /// `add`, `delete` or `update`.
    pub kind: String,
    /// What Codex says the change is, when it says (app-server and the old MCP server): a
    /// unified diff for `update`, the content for `add` and `delete`. Not in `codex exec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// One rate-limit window of the account: how much of it is used, how long it is, when it
/// resets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateWindow {
    /// `primary` (the short window) or `secondary` (the long one).
    pub name: String,
    pub used_percent: f64,
    pub window_minutes: Option<u64>,
    /// Unix seconds.
    pub resets_at: Option<u64>,
}

impl RateWindow {
    /// The `primary` and `secondary` windows of a rate-limit object whose fields are named
    /// `[used percent, window minutes, resets at]` (each protocol spells them its own way);
    /// a window without a usable percentage is left out.
    pub fn both(limits: &Value, [used, minutes, resets]: [&str; 3]) -> Vec<Self> {
        ["primary", "secondary"]
            .into_iter()
            .filter_map(|name| {
                let w = &limits[name];
                Some(Self {
                    name: name.to_string(),
                    used_percent: w[used].as_f64()?.clamp(0.0, 100.0),
                    window_minutes: w[minutes].as_u64(),
                    resets_at: w[resets].as_u64(),
                })
            })
            .collect()
    }
}

/// One step of Codex's plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    pub text: String,
    /// `pending`, `in_progress` or `completed`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    pub text: String,
    pub completed: bool,
}

/// Token usage. Missing fields (older CLIs) count as zero; every figure is read leniently
/// ([`count`]): a number from outside never turns a completed turn into a failure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Usage {
    #[serde(deserialize_with = "lenient_count")]
    pub input_tokens: u64,
    #[serde(deserialize_with = "lenient_count")]
    pub cached_input_tokens: u64,
    #[serde(deserialize_with = "lenient_count")]
    pub cache_write_input_tokens: u64,
    #[serde(deserialize_with = "lenient_count")]
    pub output_tokens: u64,
    #[serde(deserialize_with = "lenient_count")]
    pub reasoning_output_tokens: u64,
}

/// A token count from outside: a negative number is 0, a fraction is rounded down, one too
/// large for `u64` is `u64::MAX`, anything that is not a number is 0.
pub fn count(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n.as_u64().unwrap_or_else(|| match n.as_f64() {
            Some(f) if f >= u64::MAX as f64 => u64::MAX,
            Some(f) if f > 0.0 => f as u64,
            _ => 0,
        }),
        _ => 0,
    }
}

fn lenient_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(count(&Value::deserialize(d)?))
}

impl Usage {
    /// This turn's share of a cumulative figure, given the previous cumulative figure.
    /// A total that went backwards (a different thread, a reset) counts as a fresh start.
    pub fn since(&self, previous: &Usage) -> Usage {
        if self.input_tokens < previous.input_tokens || self.output_tokens < previous.output_tokens
        {
            return *self;
        }
        Usage {
            input_tokens: self.input_tokens - previous.input_tokens,
            cached_input_tokens: self
                .cached_input_tokens
                .saturating_sub(previous.cached_input_tokens),
            cache_write_input_tokens: self
                .cache_write_input_tokens
                .saturating_sub(previous.cache_write_input_tokens),
            output_tokens: self.output_tokens - previous.output_tokens,
            reasoning_output_tokens: self
                .reasoning_output_tokens
                .saturating_sub(previous.reasoning_output_tokens),
        }
    }

    pub fn total_tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    /// Adds another turn's figures (saturating: sums of outside numbers never overflow).
    pub fn add(&mut self, other: &Usage) {
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.cached_input_tokens = self
            .cached_input_tokens
            .saturating_add(other.cached_input_tokens);
        self.cache_write_input_tokens = self
            .cache_write_input_tokens
            .saturating_add(other.cache_write_input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.reasoning_output_tokens = self
            .reasoning_output_tokens
            .saturating_add(other.reasoning_output_tokens);
    }
}

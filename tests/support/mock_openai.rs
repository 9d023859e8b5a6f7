//! A scripted OpenAI-compatible model server on 127.0.0.1 for tests and benchmarks.
//!
//! Codex (and later the orchestrating agent) are pointed at it instead of api.openai.com. It
//! speaks the Responses API with SSE, as Codex uses it, and Chat Completions (streamed or not).
//! Each incoming request takes the next [`Step`] of the script; when the script is empty the
//! [`Fallback`] answers. Every request is recorded (path, headers, JSON body) so tests can
//! assert on what the model was actually sent.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

pub use codexmcp::scripted_model::Out;
use codexmcp::scripted_model::{frame, response_frames, response_object};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Step {
    /// Stream these items, `delay` between SSE frames.
    Respond { outs: Vec<Out>, delay: Duration },
    /// Answer with an HTTP error.
    Http {
        status: u16,
        body: Value,
        retry_after: Option<u64>,
    },
    /// Send `response.created`, then nothing for `hold` (a model that hangs).
    Stall { hold: Duration },
}

impl Step {
    pub fn message(text: &str) -> Self {
        Self::Respond {
            outs: vec![Out::Message(text.into())],
            delay: Duration::ZERO,
        }
    }
    pub fn shell(cmd: &str) -> Self {
        Self::Respond {
            outs: vec![Out::Shell(cmd.into())],
            delay: Duration::ZERO,
        }
    }
    pub fn outs(outs: Vec<Out>) -> Self {
        Self::Respond {
            outs,
            delay: Duration::ZERO,
        }
    }
    pub fn http(status: u16, message: &str) -> Self {
        Self::Http {
            status,
            body: json!({"error": {"message": message, "type": "mock_error", "code": status.to_string()}}),
            retry_after: None,
        }
    }
    pub fn call(name: &str, arguments: Value) -> Self {
        Self::outs(vec![Out::Call {
            name: name.into(),
            arguments,
        }])
    }
}

/// The answer when the script has run out.
#[derive(Debug, Clone)]
pub enum Fallback {
    /// A final message (always ends a Codex turn).
    Message(String),
    /// Before any tool output: run this shell command; after it: a final message.
    ShellThenMessage(String),
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The whole body as text, for "does the request mention X" assertions.
    pub fn text(&self) -> String {
        self.body.to_string()
    }
}

struct Inner {
    script: Mutex<VecDeque<Step>>,
    fallback: Mutex<Fallback>,
    requests: Mutex<Vec<Recorded>>,
    counter: Mutex<u64>,
    /// When the first text delta of each streamed answer left the server (benchmarks).
    first_tokens: Mutex<Vec<std::time::Instant>>,
    /// Headers added to every streamed answer (e.g. the rate-limit headers Codex reads).
    sse_headers: Mutex<Vec<(String, String)>>,
}

/// A running server; stops when dropped.
pub struct MockServer {
    pub addr: SocketAddr,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockServer {
    /// Starts on an ephemeral port of 127.0.0.1.
    pub async fn start(script: Vec<Step>) -> Self {
        Self::start_on("127.0.0.1:0", script).await
    }

    pub async fn start_on(bind: &str, script: Vec<Step>) -> Self {
        let inner = Arc::new(Inner {
            script: Mutex::new(script.into()),
            fallback: Mutex::new(Fallback::Message("done".into())),
            requests: Mutex::new(Vec::new()),
            counter: Mutex::new(0),
            first_tokens: Mutex::new(Vec::new()),
            sse_headers: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v1/responses", post(responses))
            .route("/v1/chat/completions", post(chat))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .expect("bind mock server");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, inner, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn push(&self, step: Step) {
        self.inner.script.lock().expect("lock").push_back(step);
    }

    pub fn set_fallback(&self, f: Fallback) {
        *self.inner.fallback.lock().expect("lock") = f;
    }

    /// Adds a header to every streamed answer from now on.
    pub fn add_sse_header(&self, name: &str, value: &str) {
        let mut h = self.inner.sse_headers.lock().expect("lock");
        h.push((name.into(), value.into()));
    }

    /// When the first text delta of each streamed answer was sent.
    pub fn first_tokens(&self) -> Vec<std::time::Instant> {
        self.inner.first_tokens.lock().expect("lock").clone()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.requests.lock().expect("lock").clone()
    }
}

fn record(inner: &Inner, path: &str, headers: &HeaderMap, body: &Value) -> u64 {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    inner.requests.lock().expect("lock").push(Recorded {
        path: path.into(),
        headers,
        body: body.clone(),
    });
    let mut c = inner.counter.lock().expect("lock");
    *c += 1;
    *c
}

fn next_step(inner: &Inner, body: &Value) -> Step {
    if let Some(step) = inner.script.lock().expect("lock").pop_front() {
        return step;
    }
    let has_tool_output = body["input"].as_array().is_some_and(|items| {
        items
            .last()
            .is_some_and(|i| i["type"] == "function_call_output")
    });
    match &*inner.fallback.lock().expect("lock") {
        Fallback::Message(m) => Step::message(m),
        Fallback::ShellThenMessage(_) if has_tool_output => Step::message("done"),
        Fallback::ShellThenMessage(cmd) => Step::shell(cmd),
    }
}

async fn responses(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let n = record(&inner, "/v1/responses", &headers, &body);
    match next_step(&inner, &body) {
        Step::Http {
            status,
            body,
            retry_after,
        } => http_error(status, body, retry_after),
        Step::Stall { hold } => {
            let created = frame(
                &json!({"type": "response.created", "response": {"id": format!("resp_{n}")}}),
            );
            let stream = futures::stream::unfold(Some(created), move |first| async move {
                match first {
                    Some(frame) => Some((Ok::<_, Infallible>(Bytes::from(frame)), None)),
                    None => {
                        tokio::time::sleep(hold).await;
                        None
                    }
                }
            });
            sse(&inner, Body::from_stream(stream))
        }
        Step::Respond { outs, .. } if body["stream"] != true => {
            let out = response_object(n, &outs, &body);
            Response::builder()
                .header("content-type", "application/json")
                .body(Body::from(out.to_string()))
                .expect("response")
        }
        Step::Respond { outs, delay } => {
            let frames = response_frames(n, &outs, &body);
            let state = (frames.into_iter(), inner.clone(), false);
            let stream =
                futures::stream::unfold(state, move |(mut it, inner, mut seen)| async move {
                    let next = it.next()?;
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    if !seen && next.starts_with("event: response.output_text.delta") {
                        seen = true;
                        inner
                            .first_tokens
                            .lock()
                            .expect("lock")
                            .push(std::time::Instant::now());
                    }
                    Some((Ok::<_, Infallible>(Bytes::from(next)), (it, inner, seen)))
                });
            sse(&inner, Body::from_stream(stream))
        }
    }
}

fn sse(inner: &Inner, body: Body) -> Response {
    let mut b = Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache");
    for (k, v) in inner.sse_headers.lock().expect("lock").iter() {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(body).expect("response")
}

fn http_error(status: u16, body: Value, retry_after: Option<u64>) -> Response {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json");
    if let Some(s) = retry_after {
        b = b.header("retry-after", s.to_string());
    }
    b.body(Body::from(body.to_string())).expect("response")
}

/// Chat Completions: the same script, answered as chat chunks (stream) or one JSON object.
async fn chat(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let n = record(&inner, "/v1/chat/completions", &headers, &body);
    let step = inner
        .script
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or_else(|| Step::message("done"));
    let outs = match step {
        Step::Http {
            status,
            body,
            retry_after,
        } => return http_error(status, body, retry_after),
        Step::Stall { hold } => {
            tokio::time::sleep(hold).await;
            return http_error(504, json!({"error": {"message": "stalled"}}), None);
        }
        Step::Respond { outs, .. } => outs,
    };
    let text: String = outs
        .iter()
        .filter_map(|o| {
            if let Out::Message(t) = o {
                Some(t.as_str())
            } else {
                None
            }
        })
        .collect();
    let calls: Vec<Value> = outs
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            Out::Call { name, arguments } => Some(
                json!({"index": i, "id": format!("call_{n}_{i}"), "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()}}),
            ),
            _ => None,
        })
        .collect();
    let finish = if calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    let usage = json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15});
    let base = |choices: Value| {
        json!({"id": format!("chatcmpl-{n}"), "object": "chat.completion.chunk",
        "created": 0, "model": "mock-model", "choices": choices})
    };
    if body["stream"] == true {
        let mut frames = Vec::new();
        if !text.is_empty() {
            for piece in text.split_inclusive(' ') {
                frames.push(format!("data: {}\n\n", base(json!([{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": null}]))));
            }
        }
        for c in &calls {
            frames.push(format!(
                "data: {}\n\n",
                base(json!([{"index": 0, "delta": {"tool_calls": [c]}, "finish_reason": null}]))
            ));
        }
        let mut last = base(json!([{"index": 0, "delta": {}, "finish_reason": finish}]));
        last["usage"] = usage;
        frames.push(format!("data: {last}\n\n"));
        frames.push("data: [DONE]\n\n".into());
        let stream = futures::stream::iter(
            frames
                .into_iter()
                .map(|f| Ok::<_, Infallible>(Bytes::from(f))),
        );
        return sse(&inner, Body::from_stream(stream));
    }
    let mut message = json!({"role": "assistant", "content": if text.is_empty() { Value::Null } else { Value::String(text) }});
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(
            calls
                .into_iter()
                .map(|mut c| {
                    c.as_object_mut().map(|o| o.remove("index"));
                    c
                })
                .collect(),
        );
    }
    let out = json!({"id": format!("chatcmpl-{n}"), "object": "chat.completion", "created": 0, "model": "mock-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage});
    Response::builder()
        .header("content-type", "application/json")
        .body(Body::from(out.to_string()))
        .expect("response")
}

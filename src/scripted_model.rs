//! A scripted model behind an OpenAI-compatible endpoint on 127.0.0.1, for `codexmcp demo`.
//!
//! A newcomer without a key should still see the whole product work: the real Codex, its
//! sandbox, real commands and files, the live panes. So the demo points Codex at this small
//! server instead of api.openai.com. It speaks the Responses API over SSE, the shape Codex
//! streams, and plays a short honest session: it asks Codex to run shell commands that build a
//! tiny snake game, answers, and on a follow-up edits a file. It is stateless: where it is in
//! the script follows from the conversation Codex sends (how many turns were answered, how many
//! commands of this turn have run), so resuming a thread continues the script.

use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// The model name Codex is told to use. A name in Codex's own model catalog (bundled by
/// 0.153 through 0.171), so its first event is not the warning "Model metadata for … not
/// found"; the requests still go only to this server, and the status bar says "demo model
/// (scripted, no key)".
pub const MODEL: &str = "gpt-5.5";

/// What the demo suggests asking (its prompt starts with it; Enter sends it as it is).
pub const SUGGESTION: &str = "Build a small snake game in HTML and JavaScript, with a README";

/// One output item of a scripted answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Message(String),
    Reasoning(String),
    /// A call of the shell tool Codex offered (`exec_command`, `shell_command` or `shell`).
    Shell(String),
    /// A function call by name with JSON arguments (an agent's tools; the test server's).
    Call {
        name: String,
        arguments: Value,
    },
    /// Any raw `response.output_item.done` item.
    Raw(Value),
}

const GAME: &str = r#"mkdir -p snake && cat > snake/index.html <<'EOF'
<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Snake</title>
<style>body{background:#111;color:#eee;font:16px sans-serif;text-align:center}canvas{background:#000}</style>
<h1>Snake</h1>
<canvas id="game" width="400" height="400"></canvas>
<p>Arrow keys to steer. Score: <span id="score">0</span></p>
<script src="game.js"></script>
</html>
EOF
cat > snake/game.js <<'EOF'
const SPEED_MS = 120;
const cell = 20, size = 20;
const ctx = document.getElementById('game').getContext('2d');
let snake = [{x: 10, y: 10}], dir = {x: 1, y: 0}, food = {x: 5, y: 5}, score = 0;
document.addEventListener('keydown', e => {
  const d = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]}[e.key];
  if (d && (d[0] !== -dir.x || d[1] !== -dir.y)) dir = {x: d[0], y: d[1]};
});
function step() {
  const head = {x: (snake[0].x + dir.x + size) % size, y: (snake[0].y + dir.y + size) % size};
  if (snake.some(s => s.x === head.x && s.y === head.y)) { snake = [head]; score = 0; }
  snake.unshift(head);
  if (head.x === food.x && head.y === food.y) {
    score++;
    food = {x: Math.floor(Math.random() * size), y: Math.floor(Math.random() * size)};
  } else {
    snake.pop();
  }
  document.getElementById('score').textContent = score;
  ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 400, 400);
  ctx.fillStyle = '#e33'; ctx.fillRect(food.x * cell, food.y * cell, cell - 1, cell - 1);
  ctx.fillStyle = '#3e3';
  snake.forEach(s => ctx.fillRect(s.x * cell, s.y * cell, cell - 1, cell - 1));
}
setInterval(step, SPEED_MS);
EOF
wc -l snake/index.html snake/game.js"#;

const README: &str = r#"cat > snake/README.md <<'EOF'
# Snake

A tiny snake game: open `index.html` in a browser and steer with the arrow keys.
Eat the red squares to grow; running into yourself starts over.
EOF
ls -la snake"#;

/// The prompt of `codexmcp doctor --live`: the script for it writes one file and stops.
pub const DOCTOR_PROMPT: &str = "codexmcp doctor --live: write doctor-check.txt";

/// What `doctor --live` expects in `doctor-check.txt`.
pub const DOCTOR_FILE_TEXT: &str = "written by Codex in its sandbox for codexmcp doctor --live";

fn doctor_script(step: usize) -> Vec<Out> {
    match step {
        0 => vec![Out::Shell(format!(
            "printf '%s\\n' '{DOCTOR_FILE_TEXT}' > doctor-check.txt && cat doctor-check.txt"
        ))],
        _ => vec![Out::Message("doctor-check.txt is written.".into())],
    }
}

/// What the model says and does: `turn` answered turns so far, `step` commands of this turn
/// already run. Turn 0 builds the game, turn 1 edits it, later turns explain the demo.
pub fn script(turn: usize, step: usize) -> Vec<Out> {
    let say = |t: &str| vec![Out::Message(t.into())];
    match (turn, step) {
        (0, 0) => vec![
            Out::Reasoning("**Planning** a small snake game: a page, a script, a README".into()),
            Out::Shell(GAME.into()),
        ],
        (0, 1) => vec![Out::Shell(README.into())],
        (0, _) => say(
            "I built a small snake game in `snake/`: `index.html` draws the board, `game.js` \
             runs the game loop (arrow keys steer, red squares make the snake grow) and \
             `README.md` says how to play. Open `snake/index.html` in a browser. Ask me for a \
             change — for example, to make it faster.",
        ),
        (1, 0) => vec![Out::Shell(
            "sed -i 's/const SPEED_MS = 120;/const SPEED_MS = 80;/' snake/game.js && grep -n SPEED_MS snake/game.js"
                .into(),
        )],
        (1, _) => say(
            "Done: the snake now moves every 80 ms instead of 120 ms (`SPEED_MS` in \
             `snake/game.js`). This thread carries on: every follow-up continues it.",
        ),
        _ => say(
            "This is codexmcp's scripted demo model, so its part of the story ends here. \
             Everything else was real: Codex ran the commands in its sandbox and wrote the \
             files you see. Set OPENAI_API_KEY and run `codexmcp` to work with a real model.",
        ),
    }
}

/// Where a Responses API request is in the script: answered turns (assistant messages in the
/// input) and the commands run since the last one (function call outputs after it).
pub fn position(request: &Value) -> (usize, usize) {
    let items = request["input"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let answered = |i: &Value| i["type"] == "message" && i["role"] == "assistant";
    let turn = items.iter().filter(|i| answered(i)).count();
    let since = items.iter().rposition(answered).map_or(0, |p| p + 1);
    let step = items[since..]
        .iter()
        .filter(|i| i["type"] == "function_call_output")
        .count();
    (turn, step)
}

/// The shell tool Codex offered in this request, and the arguments it takes.
fn shell_call(cmd: &str, request: &Value) -> (String, Value) {
    let offered: Vec<&str> = request["tools"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    if offered.contains(&"exec_command") {
        ("exec_command".into(), json!({"cmd": cmd}))
    } else if offered.contains(&"shell_command") {
        ("shell_command".into(), json!({"command": cmd}))
    } else {
        ("shell".into(), json!({"command": ["bash", "-lc", cmd]}))
    }
}

/// The output items of answer `n`.
pub fn output_items(n: u64, outs: &[Out], request: &Value) -> Vec<Value> {
    outs.iter()
        .enumerate()
        .map(|(i, out)| match out {
            Out::Message(text) => json!({"type": "message", "role": "assistant",
                "id": format!("msg_{n}_{i}"), "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}]}),
            Out::Reasoning(text) => json!({"type": "reasoning", "id": format!("rs_{n}_{i}"),
                "summary": [{"type": "summary_text", "text": text}]}),
            Out::Shell(cmd) => {
                let (name, args) = shell_call(cmd, request);
                json!({"type": "function_call", "id": format!("fc_{n}_{i}"),
                    "call_id": format!("call_{n}_{i}"), "name": name,
                    "arguments": args.to_string(), "status": "completed"})
            }
            Out::Call { name, arguments } => json!({"type": "function_call",
                "id": format!("fc_{n}_{i}"), "call_id": format!("call_{n}_{i}"), "name": name,
                "arguments": arguments.to_string(), "status": "completed"}),
            Out::Raw(v) => v.clone(),
        })
        .collect()
}

/// A whole (non-streamed) Responses API answer, with every field the OpenAI SDKs expect.
pub fn response_object(n: u64, outs: &[Out], request: &Value) -> Value {
    json!({"id": format!("resp_{n}"), "object": "response", "created_at": 0,
        "status": "completed", "model": request["model"].as_str().unwrap_or(MODEL),
        "output": output_items(n, outs, request), "error": null, "incomplete_details": null,
        "instructions": null, "metadata": {}, "parallel_tool_calls": true, "temperature": 1.0,
        "top_p": 1.0, "tool_choice": "auto", "tools": [], "text": {"format": {"type": "text"}},
        "usage": usage()})
}

/// Token usage every scripted answer reports.
pub fn usage() -> Value {
    json!({"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
        "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15})
}

/// The SSE frames of answer `n`: created, each item (a message streamed word by word, as a
/// real model does), completed.
pub fn response_frames(n: u64, outs: &[Out], request: &Value) -> Vec<String> {
    let id = format!("resp_{n}");
    let mut frames = vec![frame(
        &json!({"type": "response.created", "response": {"id": id}}),
    )];
    for (i, (out, item)) in outs.iter().zip(output_items(n, outs, request)).enumerate() {
        if let Out::Message(text) = out {
            let mut added = item.clone();
            added["content"] = json!([]);
            added["status"] = json!("in_progress");
            frames.push(frame(
                &json!({"type": "response.output_item.added", "output_index": i, "item": added}),
            ));
            frames.push(frame(&json!({"type": "response.content_part.added",
                "item_id": format!("msg_{n}_{i}"), "output_index": i, "content_index": 0,
                "part": {"type": "output_text", "text": "", "annotations": []}})));
            for piece in text.split_inclusive(' ') {
                frames.push(frame(&json!({"type": "response.output_text.delta",
                    "item_id": format!("msg_{n}_{i}"), "output_index": i, "content_index": 0,
                    "delta": piece})));
            }
        }
        frames.push(frame(
            &json!({"type": "response.output_item.done", "output_index": i, "item": item}),
        ));
    }
    frames.push(frame(&json!({"type": "response.completed",
        "response": {"id": id, "status": "completed", "usage": usage()}})));
    frames
}

/// One SSE frame.
pub fn frame(v: &Value) -> String {
    format!(
        "event: {}\ndata: {}\n\n",
        v["type"].as_str().unwrap_or("message"),
        v
    )
}

/// The running server: its address, and a token that stops it.
pub struct Server {
    pub addr: SocketAddr,
    stop: CancellationToken,
}

impl Server {
    /// `http://127.0.0.1:PORT/v1`, for a `model_providers` entry.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts the scripted model on 127.0.0.1 with an ephemeral port; it stops when the returned
/// [`Server`] is dropped.
pub async fn start() -> std::io::Result<Server> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let app = Router::new().route("/v1/responses", post(responses));
    let until = stop.clone();
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { until.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::warn!("demo model server stopped: {e}");
        }
    });
    Ok(Server { addr, stop })
}

async fn responses(body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .body(Body::from(r#"{"error":{"message":"not JSON"}}"#))
            .unwrap_or_default();
    };
    let (turn, step) = position(&request);
    let n = (turn * 10 + step) as u64;
    let outs = if request["input"].to_string().contains(DOCTOR_PROMPT) {
        doctor_script(step)
    } else {
        script(turn, step)
    };
    let frames = response_frames(n, &outs, &request);
    // Paced like a fast model, so the panes can be watched filling in.
    let stream = futures::stream::unfold(frames.into_iter(), |mut it| async move {
        let next = it.next()?;
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        Some((Ok::<_, std::convert::Infallible>(Bytes::from(next)), it))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

//! The scripted OpenAI-compatible server from `tests/support`, as a program: `scripts/bench.sh`
//! points Codex at it to time real turns without a network or an API key.
//!
//!     cargo run --release --example mock_server -- [PORT] [shell|shell:CMD|message]
//!
//! `shell` (default) answers every turn with one shell call (`echo bench > bench.txt`) and then
//! a final message; `shell:CMD` the same with CMD; `message` answers with a message only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mock_openai.rs"]
mod mock_openai;

use mock_openai::{Fallback, MockServer};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let scenario = args.next().unwrap_or_else(|| "shell".into());
    let server = MockServer::start_on(&format!("127.0.0.1:{port}"), vec![]).await;
    server.set_fallback(match scenario.as_str() {
        "message" => Fallback::Message("done".into()),
        s if s.starts_with("shell:") => Fallback::ShellThenMessage(s["shell:".len()..].into()),
        _ => Fallback::ShellThenMessage("echo bench > bench.txt".into()),
    });
    println!("{}", server.base_url());
    std::future::pending::<()>().await;
}

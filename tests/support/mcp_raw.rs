//! A bare-bones MCP client for tests: JSON-RPC lines over a child's stdio, written here by
//! hand so the server is checked against the protocol, not against our own rmcp client.

#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub struct RawMcp {
    pub child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    /// Every message read so far, in order.
    pub seen: Vec<Value>,
}

impl RawMcp {
    /// Spawns `cmd` (stdio piped) and performs the handshake.
    pub async fn start(mut cmd: Command) -> Self {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn mcp server");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut me = Self {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        };
        me.send(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw-test", "version": "1"}}})).await;
        let init = me.response(0, 30).await;
        assert!(init.get("result").is_some(), "initialize failed: {init}");
        me.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        me
    }

    /// Closes the server's stdin (the client goes away) and hands back the process.
    pub fn close_input(self) -> Child {
        drop(self.stdin);
        self.child
    }

    pub async fn send(&mut self, msg: Value) {
        let mut line = msg.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to server");
        self.stdin.flush().await.expect("flush");
    }

    pub async fn call(&mut self, id: i64, tool: &str, args: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": args}})).await;
    }

    /// Reads until `pred` matches a message; panics after `secs`.
    pub async fn until(&mut self, secs: u64, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let line = tokio::time::timeout_at(deadline, self.lines.next_line())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "timed out; seen so far: {:#?}",
                        self.seen.iter().rev().take(5).collect::<Vec<_>>()
                    )
                })
                .expect("read")
                .expect("server closed stdout");
            let v: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            self.seen.push(v.clone());
            if pred(&v) {
                return v;
            }
        }
    }

    /// The response to request `id`.
    pub async fn response(&mut self, id: i64, secs: u64) -> Value {
        if let Some(v) = self
            .seen
            .iter()
            .find(|m| m["id"] == id && m.get("method").is_none())
        {
            return v.clone();
        }
        self.until(secs, |m| m["id"] == id && m.get("method").is_none())
            .await
    }

    /// `codex/event` message types seen so far.
    pub fn event_types(&self) -> Vec<String> {
        self.seen
            .iter()
            .filter(|m| m["method"] == "codex/event")
            .filter_map(|m| m["params"]["msg"]["type"].as_str().map(str::to_string))
            .collect()
    }
}

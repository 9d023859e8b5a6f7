//! MCP both ways: `codexmcp mcp-server` (the removed `codex mcp-server` tools, reborn) and the
//! client backend that drives any server with `codex` / `codex-reply` tools. The shared
//! `codex/event` dialect lives in `events`.

pub mod client;
pub mod events;
pub mod server;

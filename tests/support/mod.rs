//! Test helpers shared by every suite: the scripted OpenAI-compatible server and the real
//! Codex CLI setup (pinned binaries, temporary CODEX_HOME, isolated codexmcp dirs).

pub mod codex;
pub mod mcp_raw;
pub mod mock_openai;
pub mod tmux;

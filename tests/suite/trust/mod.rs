//! The trust boundary (DESIGN §8), tried as an attacker would: a sandboxed Codex that may only
//! touch its working dir, or an MCP client that may only do what the deployer allows, trying
//! to make codexmcp — which acts as the user, outside the sandbox — do more. One file per class
//! of attack; each reproduces it from outside, through the real binary, with the real Codex
//! doing the damage itself where the attack needs its sandbox.

mod checkpoint;
mod export;
mod git;
mod hygiene;
mod mcp;
mod persist;
mod property;
mod undo;

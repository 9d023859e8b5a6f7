//! Test suites, one module per capability.

mod agent;
mod app_server;
mod architecture;
mod checkpoint;
mod config;
mod corpus;
mod doctor;
mod exec_real;
mod export;
mod habits;
mod hostile;
mod mcp;
mod parser;
mod printer;
mod review;
mod ship;
mod skills;
mod store;
mod supervisor;
mod tabs;
mod text;
mod tmux_sessions;
pub mod tui;
mod tui_approvals;
pub mod tui_flow;
mod tui_habits;
mod tui_tmux;

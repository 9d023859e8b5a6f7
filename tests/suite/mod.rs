//! Test suites, one module per capability.

mod agent;
mod config;
mod doctor;
mod exec_real;
mod parser;
mod printer;
mod skills;
mod store;
mod text;
mod tui;
mod tui_tmux;

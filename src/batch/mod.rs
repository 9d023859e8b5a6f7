//! Many tasks at once: `codexmcp batch TASKS.jsonl`. A task file names the tasks ([`tasks`]);
//! up to N run at a time, each a normal stored session in its own folder ([`place`]), with a
//! timeout and retries (a rate limit waits, doubling, before the next try); each result is
//! appended to `results.jsonl` the moment it is known ([`results`]), so a re-run skips what
//! finished and a crash of one task, or of the whole process, loses nothing else. A signal
//! interrupts every running turn and records it as interrupted. The same tasks scale out as a
//! Kubernetes Indexed Job ([`k8s`]): each pod runs one task by its completion index, and the
//! result lines are merged back.
//!
//! This is the engine of a batch; the front ends (`headless::batch` for the terminal, and the
//! JSON stream) show its [`Report`]s.

pub mod k8s;
mod place;
mod prepare;
pub mod results;
mod run;
pub mod tasks;

pub use place::folder_of;
pub use prepare::{Plan, outcome, prepare};
pub use run::{Batch, Report, run};

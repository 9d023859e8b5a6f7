//! The turn state the App shows: the thread on screen, its usage, the turn that runs (if
//! any), and the prompts queued behind it. The conversation actor owns the real session;
//! this is what the screen knows of it, updated from the events it reports.

use std::collections::VecDeque;
use std::time::Instant;

use crate::engine::Usage;

#[derive(Debug, Clone, Copy)]
pub struct Running {
    pub run: u64,
    pub started: Instant,
    pub last_event: Instant,
    pub interrupting: bool,
    /// `/new` or `/resume` replaced the thread while this turn ran: what it still reports
    /// must not bring the old thread back.
    pub superseded: bool,
    /// The prompt went to the agent (what is typed meanwhile goes there too).
    pub via_agent: bool,
}

#[derive(Debug)]
pub struct TurnState {
    thread_id: Option<String>,
    total: Usage,
    turn_usage: Usage,
    running: Option<Running>,
    next_run: u64,
    queued: VecDeque<String>,
}

impl Default for TurnState {
    fn default() -> Self {
        Self {
            thread_id: None,
            total: Usage::default(),
            turn_usage: Usage::default(),
            running: None,
            next_run: 1,
            queued: VecDeque::new(),
        }
    }
}

impl TurnState {
    pub fn thread_id(&self) -> Option<&str> {
        self.thread_id.as_deref()
    }

    pub fn total(&self) -> Usage {
        self.total
    }

    pub fn turn_usage(&self) -> Usage {
        self.turn_usage
    }

    pub fn running(&self) -> Option<Running> {
        self.running
    }

    pub fn running_mut(&mut self) -> Option<&mut Running> {
        self.running.as_mut()
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// The running turn, if it is run `run`.
    pub fn current(&self, run: u64) -> Option<Running> {
        self.running.filter(|t| t.run == run)
    }

    /// A fresh run number (for a turn, a replayed prompt, a loaded transcript).
    pub fn next_run(&mut self) -> u64 {
        let run = self.next_run;
        self.next_run += 1;
        run
    }

    /// Starts showing a turn as running; returns its run number.
    pub fn begin(&mut self, now: Instant) -> u64 {
        let run = self.next_run();
        self.turn_usage = Usage::default();
        self.running = Some(Running {
            run,
            started: now,
            last_event: now,
            interrupting: false,
            superseded: false,
            via_agent: false,
        });
        run
    }

    /// The turn ended; returns it when it was the running one.
    pub fn end(&mut self, run: u64) -> Option<Running> {
        let ended = self.current(run)?;
        self.running = None;
        Some(ended)
    }

    /// The thread on screen and its usage so far (another thread: the turn's usage resets).
    pub fn set_thread(&mut self, id: Option<String>, total: Usage) {
        if id != self.thread_id {
            self.turn_usage = Usage::default();
        }
        self.thread_id = id;
        self.total = total;
    }

    /// Usage reported by a completed turn.
    pub fn completed(&mut self, usage: Usage, total: Usage) {
        self.turn_usage = usage;
        self.total = total;
    }

    pub fn queue(&mut self, prompt: String) {
        self.queued.push_back(prompt);
    }

    pub fn next_queued(&mut self) -> Option<String> {
        self.queued.pop_front()
    }

    pub fn queued(&self) -> usize {
        self.queued.len()
    }
}

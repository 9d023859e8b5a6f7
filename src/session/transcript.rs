//! A thread's log as the conversation stands now, not as it was typed.
//!
//! The log is append-only: an undone turn's prompt and events stay in it, followed by a
//! [`LogEntry::Rewind`]; a redo appends another. Whoever needs "the turns in effect" — a fork
//! copying a thread's transcript through its turn N, numbered as `diff --turn N` numbers them —
//! replays those marks the way the session applied them: an undo takes back the last turn in
//! effect, a redo puts back the last one undone, and a new turn ends what could be redone.
//! Text sent into a running turn ([`LogEntry::Steer`]) belongs to that turn.

use super::record::LogEntry;

/// The turns in effect, as the positions of their prompts among all the log's prompts.
#[derive(Debug, Default)]
pub struct InEffect {
    prompts: usize,
    live: Vec<usize>,
    undone: Vec<usize>,
}

impl InEffect {
    /// Takes in the log's next entry.
    pub fn see(&mut self, entry: &LogEntry) {
        match entry {
            LogEntry::Prompt { .. } => {
                self.undone.clear();
                self.live.push(self.prompts);
                self.prompts += 1;
            }
            LogEntry::Rewind { redo: false, .. } => {
                if let Some(turn) = self.live.pop() {
                    self.undone.push(turn);
                }
            }
            LogEntry::Rewind { redo: true, .. } => {
                if let Some(turn) = self.undone.pop() {
                    self.live.push(turn);
                }
            }
            LogEntry::Steer { .. } | LogEntry::Event { .. } => {}
        }
    }

    /// The prompts (positions among all prompts) of the first `n` turns in effect.
    pub fn first(&self, n: usize) -> Vec<usize> {
        self.live.iter().take(n).copied().collect()
    }
}

/// Picks the entries of chosen turns out of a log read a second time, in order: a turn's
/// prompt, what was sent into it and its events. What came before the first prompt is kept;
/// rewind marks are not (every turn kept is in effect).
#[derive(Debug)]
pub struct Keep {
    turns: Vec<usize>,
    prompts: usize,
    keeping: bool,
}

impl Keep {
    /// `turns` from [`InEffect::first`].
    pub fn new(mut turns: Vec<usize>) -> Self {
        turns.sort_unstable();
        Self {
            turns,
            prompts: 0,
            keeping: true,
        }
    }

    /// Whether `entry`, the log's next, is kept.
    pub fn keeps(&mut self, entry: &LogEntry) -> bool {
        match entry {
            LogEntry::Prompt { .. } => {
                self.keeping = self.turns.binary_search(&self.prompts).is_ok();
                self.prompts += 1;
                self.keeping
            }
            LogEntry::Rewind { .. } => false,
            LogEntry::Steer { .. } | LogEntry::Event { .. } => self.keeping,
        }
    }
}

/// How a rewind mark reads in a transcript.
pub fn mark_text(redo: bool, turn: usize) -> String {
    match redo {
        false => {
            format!("↶ turn {turn} undone: the files and the conversation went back before it")
        }
        true => format!("↷ turn {turn} redone"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(text: &str) -> LogEntry {
        LogEntry::Prompt {
            ts_ms: 0,
            text: text.into(),
        }
    }

    fn steer(text: &str) -> LogEntry {
        LogEntry::Steer {
            ts_ms: 0,
            text: text.into(),
        }
    }

    fn rewind(redo: bool) -> LogEntry {
        LogEntry::Rewind {
            ts_ms: 0,
            redo,
            turn: 0,
        }
    }

    /// The texts of the prompts and steers kept of the first `n` turns in effect.
    fn through(log: &[LogEntry], n: usize) -> Vec<String> {
        let mut live = InEffect::default();
        log.iter().for_each(|e| live.see(e));
        let mut keep = Keep::new(live.first(n));
        log.iter()
            .filter(|e| keep.keeps(e))
            .filter_map(|e| match e {
                LogEntry::Prompt { text, .. } | LogEntry::Steer { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_steer_stays_with_its_turn() {
        let log = [prompt("a"), steer("a, faster"), prompt("b"), prompt("c")];
        assert_eq!(through(&log, 2), ["a", "a, faster", "b"]);
    }

    #[test]
    fn undone_turns_drop_out_and_redone_ones_come_back() {
        let log = [prompt("a"), prompt("b"), prompt("c"), rewind(false)];
        assert_eq!(through(&log, 3), ["a", "b"]);
        let log = [
            prompt("a"),
            prompt("b"),
            prompt("c"),
            rewind(false),
            rewind(false),
        ];
        assert_eq!(through(&log, 9), ["a"]);
        let log = [prompt("a"), prompt("b"), rewind(false), rewind(true)];
        assert_eq!(through(&log, 2), ["a", "b"]);
    }

    #[test]
    fn a_new_turn_after_an_undo_ends_the_redo() {
        let log = [
            prompt("a"),
            prompt("b"),
            rewind(false),
            prompt("c"),
            rewind(true),
        ];
        assert_eq!(through(&log, 9), ["a", "c"]);
        assert_eq!(through(&log, 2), ["a", "c"]);
    }

    #[test]
    fn marks_with_nothing_to_act_on_change_nothing() {
        let log = [rewind(true), rewind(false), prompt("a"), rewind(true)];
        assert_eq!(through(&log, 1), ["a"]);
    }
}

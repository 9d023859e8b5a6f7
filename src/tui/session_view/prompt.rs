//! A session's prompt box and what goes with the next prompt: typing, the word under the
//! cursor (for the `$` skill and `/` command popups), images attached with `/image PATH` or by
//! pasting a path (checked at once: a missing file, a non-image or one over the size limit is
//! said before anything is sent, and shown as a chip in the prompt box's title; Backspace in an
//! empty prompt takes the last one off), and what Enter does while a turn runs — steer it (the
//! agent, or a direct turn on the app-server) or queue for after it.

use std::path::Path;
use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::super::chat::Who;
use super::super::effect::Effect;
use super::{SessionView, new_prompt};
use crate::engine::images;

/// What the word under the cursor asks to complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completing {
    /// Nothing to complete here.
    Nothing,
    /// A word whose popup the user closed.
    Closed,
    /// `$query`: a skill.
    Skill(String),
    /// `/query` at the start of the prompt: a command.
    Command(String),
}

impl SessionView {
    /// A key for the prompt box that no binding took: typing.
    pub fn type_key(&mut self, key: KeyEvent) {
        if key.code == KeyCode::Backspace && self.prompt.is_empty() && self.remove_last_image() {
            return;
        }
        self.prompt.input(key);
    }

    pub fn newline(&mut self) {
        self.prompt.insert_newline();
    }

    /// Pasted text: an image path attaches the image, anything else is typed.
    pub fn paste(&mut self, text: &str) {
        match images::pasted_path(text) {
            Some(p) => self.attach(&p.display().to_string()),
            None => {
                self.prompt
                    .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
            }
        }
    }

    /// The prompt's text, and the box emptied; `None` when there is nothing to send.
    pub fn take_prompt(&mut self) -> Option<String> {
        let text = self.prompt.lines().join("\n");
        if text.trim().is_empty() {
            return None;
        }
        self.prompt = new_prompt();
        self.dismissed = None;
        Some(text)
    }

    /// The prompt replaced by `text` (the editor's, a suggestion); `selected` marks it all,
    /// so that typing replaces it.
    pub fn set_prompt(&mut self, text: &str, selected: bool) {
        self.prompt = new_prompt();
        self.prompt.insert_str(text);
        if selected {
            self.prompt.select_all();
        }
    }

    /// The word under the cursor: (row, start column, text), in chars.
    pub fn current_word(&self) -> Option<(usize, usize, String)> {
        let cursor = self.prompt.cursor();
        let (row, col) = (cursor.0, cursor.1);
        let line: Vec<char> = self.prompt.lines().get(row)?.chars().collect();
        let col = col.min(line.len());
        let start = line[..col]
            .iter()
            .rposition(|c| c.is_whitespace())
            .map_or(0, |i| i + 1);
        Some((row, start, line[start..col].iter().collect()))
    }

    /// What the word under the cursor asks to complete: a `$skill` anywhere, a `/command` as
    /// the prompt's first word.
    pub fn completing(&self) -> Completing {
        let Some((row, start, word)) = self.current_word() else {
            return Completing::Nothing;
        };
        let kind = if let Some(q) = word.strip_prefix('$') {
            Completing::Skill(q.to_string())
        } else if let Some(q) = word.strip_prefix('/').filter(|_| (row, start) == (0, 0)) {
            Completing::Command(q.to_string())
        } else {
            return Completing::Nothing;
        };
        match self.dismissed == Some((row, start)) {
            true => Completing::Closed,
            false => kind,
        }
    }

    /// The user closed the popup of the word under the cursor: it stays closed for that word.
    pub fn dismiss_word(&mut self) {
        self.dismissed = self.current_word().map(|(row, start, _)| (row, start));
    }

    /// No word to complete any more: a popup closed by the user may open again.
    pub fn forget_dismissal(&mut self) {
        self.dismissed = None;
    }

    /// Replaces the word under the cursor with `text`.
    pub fn replace_word(&mut self, text: &str) {
        if let Some((_, start, _)) = self.current_word() {
            let col = self.prompt.cursor().1;
            for _ in start..col {
                self.prompt.delete_char();
            }
        }
        self.prompt.insert_str(text);
    }

    /// Text typed while a turn runs goes into it: to the agent, which reads it before its
    /// next step, or into a direct turn on the app-server (`turn/steer`); a direct turn on
    /// another backend cannot take it, so it waits for the turn to end.
    pub fn can_steer(&self) -> bool {
        self.steers_agent() || (self.is_running() && self.info.backend == "app-server")
    }

    /// A turn runs and it is the agent's (whatever mode was picked since).
    pub fn steers_agent(&self) -> bool {
        self.turn.running().is_some_and(|t| t.via_agent)
    }

    /// A prompt: a new turn, or into the running one where the backend can take it, else
    /// kept for after it.
    pub fn send(&mut self, text: String, now: Instant) {
        if !self.is_running() {
            return self.start_turn(text, now);
        }
        if self.can_steer() {
            self.say(Who::User, &text);
            self.note(if self.steers_agent() {
                "sent to the agent: it reads it before its next step"
            } else {
                "sent into the running turn"
            });
            self.effect(Effect::Steer(text));
        } else {
            self.queue(text);
        }
    }

    /// The queue key: the prompt waits for the running turn; false when nothing runs or the
    /// prompt is empty.
    pub fn queue_prompt(&mut self) -> bool {
        if !self.is_running() || self.prompt.is_empty() {
            return false;
        }
        if let Some(text) = self.take_prompt() {
            self.queue(text);
        }
        true
    }

    fn queue(&mut self, text: String) {
        self.turn.queue(text);
        self.note("prompt queued: it is sent when this turn ends");
    }

    /// Attaches `path` (relative to where codexmcp was started) if it is an image that can go.
    pub fn attach(&mut self, path: &str) {
        let here = std::env::current_dir().unwrap_or_default();
        match images::check(Path::new(path.trim()), &here) {
            Ok(abs) => {
                let name = chip(&abs);
                self.attachments.push(abs);
                let n = self.attachments.len();
                self.say(
                    Who::Notice,
                    &format!(
                        "image {name} attached to the next prompt ({n} in all; Backspace in an \
                         empty prompt takes the last off)"
                    ),
                );
            }
            Err(e) => self.fail(&e),
        }
    }

    /// Backspace in an empty prompt: the last image comes off; true when there was one.
    fn remove_last_image(&mut self) -> bool {
        match self.attachments.pop() {
            Some(p) => {
                self.note(&format!("image {} removed", chip(&p)));
                true
            }
            None => false,
        }
    }
}

/// What the prompt box's title shows for an image: its file name, shortened.
pub fn chip(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("[img {}]", crate::text::one_line(&name, 24))
}

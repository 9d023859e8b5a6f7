//! The chat pane's state: the transcript (user prompts, Codex's and the agent's answers,
//! notices, errors), how far it is scrolled, and which answer is still streaming in.
//!
//! Text is sanitised on the way in, so rendering never sees raw model output. Memory is
//! bounded: the last [`MAX_CHAT`] entries are kept (the session log keeps everything).

use std::collections::VecDeque;

use super::render::markdown::Rendered;
use super::render::theme;
use crate::text::sanitize;

/// Chat lines kept in memory.
pub const MAX_CHAT: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    User,
    Codex,
    Agent,
    Notice,
    Error,
}

#[derive(Debug, Clone)]
pub struct ChatLine {
    pub who: Who,
    /// Sanitized.
    pub text: String,
    /// Codex's and the agent's words as Markdown, kept up to date with `text` (none for the
    /// rest, shown as typed).
    rendered: Option<Rendered>,
}

impl ChatLine {
    fn new(who: Who, text: String) -> Self {
        let mut line = Self {
            who,
            text,
            rendered: None,
        };
        line.render();
        line
    }

    /// The Markdown rendering, for Codex's and the agent's entries.
    pub fn rendered(&self) -> Option<&Rendered> {
        self.rendered.as_ref()
    }

    /// Brings the rendering up to `text`: only the block still growing is parsed again.
    fn render(&mut self) {
        if matches!(self.who, Who::Codex | Who::Agent) {
            self.rendered
                .get_or_insert_with(Rendered::default)
                .update(&self.text, theme::current());
        }
    }
}

/// What is streaming into the last entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stream {
    /// A Codex message (app-server deltas), by item id.
    Codex(String),
    /// The agent's reply.
    Agent,
}

#[derive(Debug, Default)]
pub struct Chat {
    lines: VecDeque<ChatLine>,
    /// Lines scrolled up from the bottom (0 = follow).
    scroll: usize,
    streaming: Option<Stream>,
}

impl Chat {
    pub fn say(&mut self, who: Who, text: &str) {
        self.streaming = None;
        if self.lines.len() == MAX_CHAT {
            self.lines.pop_front();
        }
        self.lines
            .push_back(ChatLine::new(who, sanitize(text.trim_end())));
        self.scroll = 0;
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &ChatLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// The first prompt still in the transcript (a tab's name).
    pub fn first_prompt(&self) -> Option<String> {
        self.lines
            .iter()
            .find(|l| l.who == Who::User)
            .map(|l| l.text.clone())
    }

    pub fn back(&self) -> Option<&ChatLine> {
        self.lines.back()
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.streaming = None;
        self.scroll = 0;
    }

    pub fn scroll(&self) -> usize {
        self.scroll
    }

    /// Scrolls by `delta` lines (negative = up, into the past).
    pub fn scroll_by(&mut self, delta: i64) {
        self.scroll = (self.scroll as i64 - delta).clamp(0, (usize::MAX / 4) as i64) as usize;
    }

    /// Appends streamed text to the entry `stream` owns, starting one when needed.
    fn stream_into(&mut self, stream: Stream, who: Who, delta: &str) {
        let clean = sanitize(delta);
        match self.lines.back_mut() {
            Some(last) if self.streaming.as_ref() == Some(&stream) && last.who == who => {
                last.text.push_str(&clean);
                last.render();
            }
            _ => {
                self.say(who, "");
                if let Some(last) = self.lines.back_mut() {
                    last.text = clean;
                    last.render();
                }
                self.streaming = Some(stream);
            }
        }
        self.scroll = 0;
    }

    /// A piece of a Codex message that is still being written.
    pub fn codex_delta(&mut self, item_id: &str, delta: &str) {
        self.stream_into(Stream::Codex(item_id.to_string()), Who::Codex, delta);
    }

    /// A finished Codex message: replaces its streamed version, or is added.
    pub fn codex_message(&mut self, item_id: &str, text: &str) {
        let streamed = self.streaming == Some(Stream::Codex(item_id.to_string()));
        match self.lines.back_mut() {
            Some(last) if streamed && last.who == Who::Codex => {
                let whole = sanitize(text.trim_end());
                // Usually what streamed, already rendered; anything else is rendered afresh.
                if whole != last.text.trim_end() {
                    last.rendered = None;
                }
                last.text = whole;
                last.render();
                self.streaming = None;
            }
            _ => self.say(Who::Codex, text),
        }
    }

    /// A piece of the agent's reply.
    pub fn agent_delta(&mut self, delta: &str) {
        self.stream_into(Stream::Agent, Who::Agent, delta);
    }

    /// The agent's whole reply: shown unless it already streamed in.
    pub fn agent_message(&mut self, text: &str) {
        if self.streaming != Some(Stream::Agent) {
            self.say(Who::Agent, text);
        }
        self.streaming = None;
    }
}

//! Command output with its colours kept as styles, never as bytes.
//!
//! Tools colour their output with SGR sequences (`ESC [ 31 m`). A complete SGR becomes a
//! ratatui style on the text after it; the sequence itself never reaches a cell, so nothing a
//! command prints can drive the terminal. Everything else goes through
//! [`crate::text::sanitize`] as before: other sequences dropped or shown as visible
//! placeholders, control characters shown. The text of the lines is exactly what `sanitize`
//! makes of the same output (`sanitize` decides where each sequence ends). Output arrives in
//! pieces; an escape sequence cut between two pieces is held back until it is whole. Memory is bounded: the last [`MAX_LINES`] lines of at most
//! [`MAX_WIDTH`] characters.

use std::collections::VecDeque;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

pub use crate::present::MAX_LINES;
/// Characters kept of one line.
pub const MAX_WIDTH: usize = 1_000;
/// Longest unfinished escape sequence held back for the next piece.
const MAX_HELD: usize = 256;

/// Output seen so far, as styled lines.
#[derive(Debug, Clone)]
pub struct Output {
    lines: VecDeque<Line<'static>>,
    /// Characters in the last line.
    width: usize,
    style: Style,
    /// The start of an escape sequence cut off at the end of the last piece.
    pending: String,
    colour: bool,
}

impl Default for Output {
    fn default() -> Self {
        Self::new(true)
    }
}

impl Output {
    /// `colour: false` (NO_COLOR) keeps bold, italic and the rest, and drops colours.
    pub fn new(colour: bool) -> Self {
        Self {
            lines: VecDeque::from([Line::default()]),
            width: 0,
            style: Style::new(),
            pending: String::new(),
            colour,
        }
    }

    pub fn of(raw: &str, colour: bool) -> Self {
        let mut out = Self::new(colour);
        out.push(raw);
        out
    }

    /// The lines, the last one perhaps still growing (a trailing newline leaves it empty).
    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &Line<'static>> + ExactSizeIterator {
        let n = self.lines.len();
        let last_empty = self.lines.back().is_some_and(|l| l.spans.is_empty());
        self.lines.iter().take(if last_empty { n - 1 } else { n })
    }

    /// Appends a piece of output.
    pub fn push(&mut self, raw: &str) {
        let mut text = std::mem::take(&mut self.pending);
        text.push_str(raw);
        let keep = incomplete_tail(&text);
        self.pending = text.split_off(text.len() - keep);
        // `sanitize` decides where every sequence ends, as a terminal would; of those it drops,
        // the colour codes become styles.
        let mut pieces: Vec<(String, Option<String>)> = Vec::new();
        let rest = crate::text::sanitize_with(&text, &mut |so_far, seq| {
            pieces.push((std::mem::take(so_far), Some(seq.to_string())));
        });
        for (clean, seq) in pieces {
            self.text(&clean);
            if let Some(params) = seq.as_deref().and_then(sgr_params) {
                self.apply(params);
            }
        }
        self.text(&rest);
    }

    /// Sanitised text in the current style, split into lines.
    fn text(&mut self, clean: &str) {
        if clean.is_empty() {
            return;
        }
        let mut parts = clean.split('\n');
        if let Some(first) = parts.next() {
            self.extend(first);
        }
        for part in parts {
            self.lines.push_back(Line::default());
            self.width = 0;
            if self.lines.len() > MAX_LINES + 1 {
                self.lines.pop_front();
            }
            self.extend(part);
        }
    }

    fn extend(&mut self, piece: &str) {
        let room = MAX_WIDTH.saturating_sub(self.width);
        let piece: String = piece.chars().take(room).collect();
        if piece.is_empty() {
            return;
        }
        self.width += piece.chars().count();
        let style = self.style;
        let Some(line) = self.lines.back_mut() else {
            return;
        };
        match line.spans.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push_str(&piece),
            _ => line.spans.push(Span::styled(piece, style)),
        }
    }

    /// One SGR's parameters (`1;31`, `38;5;208`, `38:2::10:20:30`, empty = reset).
    fn apply(&mut self, params: &str) {
        let nums: Vec<u16> = params
            .split([';', ':'])
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        let mut k = 0;
        while k < nums.len() {
            let n = nums[k];
            let s = self.style;
            self.style = match n {
                0 => Style::new(),
                1 => s.add_modifier(Modifier::BOLD),
                2 => s.add_modifier(Modifier::DIM),
                3 => s.add_modifier(Modifier::ITALIC),
                4 => s.add_modifier(Modifier::UNDERLINED),
                7 => s.add_modifier(Modifier::REVERSED),
                9 => s.add_modifier(Modifier::CROSSED_OUT),
                22 => s.remove_modifier(Modifier::BOLD | Modifier::DIM),
                23 => s.remove_modifier(Modifier::ITALIC),
                24 => s.remove_modifier(Modifier::UNDERLINED),
                27 => s.remove_modifier(Modifier::REVERSED),
                29 => s.remove_modifier(Modifier::CROSSED_OUT),
                30..=37 | 90..=97 => self.fg(s, Some(base(n % 10, n >= 90))),
                39 => self.fg(s, None),
                40..=47 | 100..=107 => self.bg(s, Some(base(n % 10, n >= 100))),
                49 => self.bg(s, None),
                38 | 48 => {
                    let (colour, used) = extended(&nums[k + 1..]);
                    k += used;
                    if n == 38 {
                        self.fg(s, colour)
                    } else {
                        self.bg(s, colour)
                    }
                }
                _ => s,
            };
            k += 1;
        }
    }

    fn fg(&self, s: Style, c: Option<Color>) -> Style {
        match c.filter(|_| self.colour) {
            Some(c) => s.fg(c),
            None => Style { fg: None, ..s },
        }
    }

    fn bg(&self, s: Style, c: Option<Color>) -> Style {
        match c.filter(|_| self.colour) {
            Some(c) => s.bg(c),
            None => Style { bg: None, ..s },
        }
    }
}

fn base(n: u16, bright: bool) -> Color {
    let normal = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
    ];
    let light = [
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    let i = usize::from(n.min(7));
    if bright { light[i] } else { normal[i] }
}

/// `5;N` or `2;R;G;B` (a colour-space id may sit before R after `:`); the colour and how many
/// numbers it took.
fn extended(rest: &[u16]) -> (Option<Color>, usize) {
    match rest {
        [5, n, ..] => (Some(Color::Indexed((*n).min(255) as u8)), 2),
        [2, r, g, b, ..] => {
            let c = |v: u16| v.min(255) as u8;
            (Some(Color::Rgb(c(*r), c(*g), c(*b))), 4)
        }
        _ => (None, rest.len()),
    }
}

/// The parameters of an SGR (`ESC [` digits `;` `:` … `m`); `None` for any other sequence.
fn sgr_params(seq: &str) -> Option<&str> {
    let params = seq.strip_prefix("\x1b[")?.strip_suffix('m')?;
    params
        .bytes()
        .all(|c| c.is_ascii_digit() || c == b';' || c == b':')
        .then_some(params)
}

/// How many bytes at the end of `text` are an escape sequence not finished yet: held back
/// for the next piece, up to [`MAX_HELD`] (a longer one is shown as it stands).
fn incomplete_tail(text: &str) -> usize {
    crate::text::open_sequence(text)
        .map(|at| text.len() - at)
        .filter(|n| *n <= MAX_HELD)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;

//! How one event row is drawn: its icon, title line and folded body, fitted to a width. The
//! events pane draws with it, and a click is mapped back to a row with the same line counts,
//! so what is clicked is what was drawn there.

use std::time::Instant;

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};

use super::super::render::wrap as wrap_styled;
use super::super::render::{SPINNER, secs, wrap::plain as wrap};
use super::super::rows::{Row, RowKind, RowState};
use super::EventPane;

/// What a row's look depends on besides the row: the time (a running row's elapsed time) and
/// the spinner's frame.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now: Instant,
    pub spinner: usize,
}

fn row_icon(r: &Row, clock: Clock) -> Span<'static> {
    match (r.kind, r.state) {
        (_, RowState::Running) => Span::raw(SPINNER[clock.spinner % SPINNER.len()]).yellow(),
        (RowKind::Reasoning, _) => Span::raw("✻").dark_gray(),
        (RowKind::Command, RowState::Ok) => Span::raw("✓").green(),
        (RowKind::Command, _) | (RowKind::Error, _) => Span::raw("✗").red(),
        (RowKind::FileChange, RowState::Failed) => Span::raw("✎").red(),
        (RowKind::FileChange, _) => Span::raw("✎").green(),
        (RowKind::Message, _) => Span::raw("›").green(),
        (RowKind::Tool, RowState::Failed) => Span::raw("⚙").red(),
        (RowKind::Tool, _) => Span::raw("⚙").cyan(),
        (RowKind::Search, _) => Span::raw("⌕").cyan(),
        (RowKind::Todo, _) => Span::raw("☐").cyan(),
        (RowKind::Warning, _) => Span::raw("⚠").yellow(),
        (RowKind::Info, _) => Span::raw("·").dark_gray(),
    }
}

pub fn row_lines(r: &Row, width: usize, selected: bool, clock: Clock) -> Vec<Line<'static>> {
    let title_style = match (r.kind, r.state) {
        (RowKind::Reasoning, _) => Style::new()
            .fg(Color::DarkGray)
            .add_modifier(Modifier::ITALIC),
        (RowKind::Error, _) => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        (RowKind::Warning, _) => Style::new().fg(Color::Yellow),
        (RowKind::Info, _) => Style::new().fg(Color::DarkGray),
        (_, RowState::Failed) => Style::new().fg(Color::Red),
        (RowKind::Command, _) => Style::new().fg(Color::Cyan),
        _ => Style::new(),
    };
    let mut info = Vec::new();
    if let Some(code) = r.exit_code {
        info.push(format!("exit {code}"));
    }
    match (r.state, r.started, r.duration) {
        (RowState::Running, Some(s), _) => info.push(secs(clock.now.saturating_duration_since(s))),
        (_, _, Some(d)) if r.kind == RowKind::Command => info.push(secs(d)),
        _ => {}
    }
    let info = if info.is_empty() {
        String::new()
    } else {
        format!(" ({})", info.join(", "))
    };
    let room = width.saturating_sub(3 + info.chars().count());
    let mut spans = vec![row_icon(r, clock), Span::raw(" ")];
    match &r.markdown {
        Some((title, _)) => spans.extend(cut(&title.spans, room, title_style)),
        None => spans.push(Span::styled(
            r.title.chars().take(room).collect::<String>(),
            title_style,
        )),
    }
    spans.push(Span::raw(info).dark_gray());
    let mut first = Line::from(spans);
    if selected {
        first = first.patch_style(Style::new().add_modifier(Modifier::REVERSED));
    }
    let mut out = vec![first];
    let (fold, hint) = match r.kind {
        RowKind::Command => (if r.expanded { usize::MAX } else { 3 }, true),
        RowKind::FileChange | RowKind::Todo if r.body.len() > 1 || !r.diff.is_empty() => {
            (if r.expanded { usize::MAX } else { 4 }, true)
        }
        RowKind::FileChange | RowKind::Todo => (0, false),
        _ if r.expanded => (usize::MAX, false),
        _ => (0, r.body.len() > 1),
    };
    let body = &r.body[r.body.len().saturating_sub(fold)..];
    let diff: &[String] = if r.expanded { &r.diff } else { &[] };
    let hidden = r.body.len() - body.len() + r.diff.len() - diff.len();
    if hint && hidden > 0 {
        out.push(Line::from(
            format!("  ┆ … {hidden} more lines (Enter expands)").dark_gray(),
        ));
    }
    match (&r.markdown, body.is_empty()) {
        (Some((_, text)), false) if !text.is_empty() => {
            for piece in super::super::render::fit(text, width.saturating_sub(4)) {
                let mut spans = vec![Span::raw("  │ ").dark_gray()];
                spans.extend(piece.spans);
                out.push(Line::from(spans));
            }
        }
        _ => match &r.output {
            // Command output in its own colours; what it leaves uncoloured stays dim.
            Some(output) => {
                let shown = output.lines().len().min(body.len());
                for l in output.lines().skip(output.lines().len() - shown) {
                    // Wrapped at spaces, like the plain output was: narrow panes stay readable.
                    let para = super::super::render::Para::new(l.clone());
                    for piece in wrap_styled(&para, width.saturating_sub(4)) {
                        let mut spans = vec![Span::raw("  │ ").dark_gray()];
                        spans.extend(piece.spans.into_iter().map(|s| {
                            let base = Style::new().fg(Color::DarkGray);
                            Span::styled(s.content, base.patch(s.style))
                        }));
                        out.push(Line::from(spans));
                    }
                }
            }
            None => {
                for l in body {
                    for piece in wrap(l, width.saturating_sub(4)) {
                        out.push(Line::from(Span::raw(format!("  │ {piece}")).dark_gray()));
                    }
                }
            }
        },
    }
    let styled: &[super::super::render::Para] = if diff.is_empty() { &[] } else { &r.styled_diff };
    for p in styled {
        for piece in wrap_styled(p, width.saturating_sub(4)) {
            let mut spans = vec![Span::raw("  │ ").dark_gray()];
            spans.extend(piece.spans);
            out.push(Line::from(spans));
        }
    }
    out
}

/// `spans` cut to `room` columns, each laid over `base`.
fn cut(spans: &[Span<'static>], room: usize, base: Style) -> Vec<Span<'static>> {
    use unicode_width::UnicodeWidthChar;
    let mut left = room;
    let mut out = Vec::new();
    for s in spans {
        let mut text = String::new();
        for c in s.content.chars() {
            let w = c.width().unwrap_or(0);
            if w > left {
                break;
            }
            left -= w;
            text.push(c);
        }
        let done = text.len() < s.content.len();
        out.push(Span::styled(text, base.patch(s.style)));
        if done {
            break;
        }
    }
    out
}

impl EventPane {
    /// Which row is drawn on line `y` of a pane inside `inner` (the pane is laid out bottom-up
    /// from the selected row, or the last one, exactly as it is drawn).
    pub fn row_at(&self, inner: Rect, y: u16, clock: Clock) -> Option<usize> {
        let rows = self.rows();
        let last = rows.len().checked_sub(1)?;
        let anchor = self.selected().unwrap_or(last).min(last);
        let height = inner.height as usize;
        let mut spans = Vec::new(); // (row, its line count), bottom-up
        let mut total = 0;
        for i in (0..=anchor).rev() {
            let h = row_lines(rows.get(i)?, inner.width as usize, false, clock).len();
            spans.push((i, h));
            total += h;
            if total >= height {
                break;
            }
        }
        let shown = total.min(height);
        let from_bottom = shown.checked_sub(1 + y as usize)?;
        let mut seen = 0;
        spans
            .into_iter()
            .find(|&(_, h)| {
                seen += h;
                from_bottom < seen
            })
            .map(|(i, _)| i)
    }
}

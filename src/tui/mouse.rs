//! The mouse: a click focuses the pane under it and picks the row or file it lands on (a
//! second click on the picked one opens it, like Enter); the wheel scrolls the pane under the
//! pointer. Alt+M (`mouse`) hands the mouse back to the terminal, so its own text selection
//! works for copying output, and takes it again.

use ratatui::crossterm::event::{MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::app::{App, Effect, Focus};
use super::input::{activate, scroll};
use super::ui;

pub fn on_mouse(app: &mut App, m: MouseEvent, fx: &mut Vec<Effect>) {
    let areas = ui::layout(Rect::new(0, 0, app.size.0, app.size.1), app.tabs.len());
    let at = Position::new(m.column, m.row);
    let pane = [
        (areas.chat, Focus::Chat),
        (areas.input, Focus::Input),
        (areas.events, Focus::Events),
    ]
    .into_iter()
    .chain(areas.files.map(|f| (f, Focus::Files)))
    .find(|(r, _)| r.contains(at));
    match (m.kind, pane) {
        (MouseEventKind::ScrollUp, Some((_, p))) => scroll(app, p, -3),
        (MouseEventKind::ScrollDown, Some((_, p))) => scroll(app, p, 3),
        (MouseEventKind::Down(_), Some((area, p))) => {
            app.focus = p;
            let inner = Rect::new(
                area.x + 1,
                area.y + 1,
                area.width.saturating_sub(2),
                area.height.saturating_sub(2),
            );
            if inner.contains(at) {
                click(app, p, inner, at.y - inner.y, fx);
            }
        }
        _ => app.dirty = false,
    }
}

/// A click on line `y` of pane `p`'s inside.
fn click(app: &mut App, p: Focus, inner: Rect, y: u16, fx: &mut Vec<Effect>) {
    let picked = match p {
        Focus::Files => {
            let height = inner.height as usize;
            let top = app
                .files
                .selected()
                .saturating_sub(height.saturating_sub(1));
            Some(top + y as usize).filter(|&i| i < app.files.entries().len())
        }
        Focus::Events => event_row(app, inner, y),
        _ => None,
    };
    let Some(i) = picked else { return };
    let again = match p {
        Focus::Files => app.files.selected() == i,
        _ => app.events.selected() == Some(i),
    };
    match p {
        Focus::Files => app.files.select(i),
        _ => app.events.select(i),
    }
    if again {
        activate(app, p, fx);
    }
}

/// Which event row is drawn on line `y` (the pane is laid out bottom-up from the selected
/// row, or the last one, exactly as [`ui`] draws it).
fn event_row(app: &App, inner: Rect, y: u16) -> Option<usize> {
    let rows = app.events.rows();
    let last = rows.len().checked_sub(1)?;
    let anchor = app.events.selected().unwrap_or(last).min(last);
    let height = inner.height as usize;
    let mut spans = Vec::new(); // (row, its line count), bottom-up
    let mut total = 0;
    for i in (0..=anchor).rev() {
        let h = ui::row_height(app, rows.get(i)?, inner.width as usize);
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

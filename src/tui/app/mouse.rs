//! The mouse: a click focuses the pane under it and picks the row or file it lands on (a
//! second click on the picked one opens it, like Enter); the wheel scrolls the pane under the
//! pointer. Alt+M (`mouse`) hands the mouse back to the terminal, so its own text selection
//! works for copying output, and takes it again.

use ratatui::crossterm::event::{MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::super::event_pane::Clock;
use super::super::layout::layout;
use super::{App, Effect, Focus};

impl App {
    pub(super) fn on_mouse(&mut self, m: MouseEvent, fx: &mut Vec<Effect>) {
        let areas = layout(
            Rect::new(0, 0, self.size.0, self.size.1),
            self.sessions().len(),
        );
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
            (MouseEventKind::ScrollUp, Some((_, p))) => self.scroll(p, -3),
            (MouseEventKind::ScrollDown, Some((_, p))) => self.scroll(p, 3),
            (MouseEventKind::Down(_), Some((area, p))) => {
                self.focus = p;
                let inner = Rect::new(
                    area.x + 1,
                    area.y + 1,
                    area.width.saturating_sub(2),
                    area.height.saturating_sub(2),
                );
                if inner.contains(at) {
                    self.click(p, inner, at.y - inner.y, fx);
                }
            }
            _ => self.dirty = false,
        }
    }

    /// A click on line `y` of pane `p`'s inside.
    fn click(&mut self, p: Focus, inner: Rect, y: u16, fx: &mut Vec<Effect>) {
        let s = self.session();
        let clock = Clock {
            now: self.now,
            spinner: self.spinner,
        };
        let picked = match p {
            Focus::Files => {
                let height = inner.height as usize;
                let top = s
                    .files()
                    .selected()
                    .saturating_sub(height.saturating_sub(1));
                Some(top + y as usize).filter(|&i| i < s.files().entries().len())
            }
            Focus::Events => s.events().row_at(inner, y, clock),
            _ => None,
        };
        let Some(i) = picked else { return };
        let again = match p {
            Focus::Files => s.files().selected() == i,
            _ => s.events().selected() == Some(i),
        };
        match p {
            Focus::Files => self.here(fx, |s| s.select_file(i)),
            _ => self.here(fx, |s| s.select_event(i)),
        }
        if again {
            self.activate(p, fx);
        }
    }

    /// Enter on a pane: expands or folds an event row, opens a folder or previews a file.
    pub(super) fn activate(&mut self, pane: Focus, fx: &mut Vec<Effect>) {
        match pane {
            Focus::Events => self.here(fx, |s| s.toggle_event()),
            Focus::Files => self.here(fx, |s| s.open_file()),
            Focus::Chat | Focus::Input => {}
        }
    }

    /// Moves a pane's view or selection by `delta` lines/rows (negative = up / older).
    pub(super) fn scroll(&mut self, pane: Focus, delta: i64) {
        let mut fx = Vec::new();
        match pane {
            Focus::Chat | Focus::Input => self.here(&mut fx, |s| s.scroll_chat(delta)),
            Focus::Events => self.here(&mut fx, |s| s.scroll_events(delta)),
            Focus::Files => self.here(&mut fx, |s| s.select_file_by(delta)),
        }
    }
}

//! The session bar: one entry per session, its number (Alt+N), name and state — idle,
//! running with its elapsed time, waiting for an approval, done or failed since you last
//! looked. The visible session is highlighted; the bar is there only with two or more.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{SPINNER, secs};
use crate::tui::app::{App, TabState};

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let mut spans = Vec::new();
    for (i, tab) in app.sessions().iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" │ ").dark_gray());
        }
        let (mark, state) = match tab.state(app.now) {
            TabState::Idle => (Span::raw("·").dark_gray(), "idle".to_string()),
            TabState::Running(d) => (
                Span::raw(SPINNER[app.spinner % SPINNER.len()]).yellow(),
                secs(d),
            ),
            TabState::Approval => (Span::raw("⚠").yellow().bold(), "approval".to_string()),
            TabState::Done => (Span::raw("✓").green().bold(), "done".to_string()),
            TabState::Failed => (Span::raw("✗").red().bold(), "failed".to_string()),
        };
        let label = format!(" {} {} ", i + 1, tab.title());
        let style = if i == app.visible() {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        spans.push(Span::styled(label, style));
        spans.push(mark);
        spans.push(Span::raw(format!(" {state}")).dark_gray());
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

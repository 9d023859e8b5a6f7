//! Rendering: a pure function of the App.
//!
//! `render(frame, &app)` reads state and draws; it never mutates, awaits or touches the disk,
//! so the same state always gives the same screen (which is what the snapshot tests rely on).
//! [`layout`] is shared with mouse handling so clicks land on the pane that was drawn there.

mod bar;
mod panes;
mod popups;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Focus};
use super::keymap::Action;

pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Where each pane goes for a given terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub chat: Rect,
    pub input: Rect,
    pub events: Rect,
    /// `None` on narrow terminals: the tree collapses first.
    pub files: Option<Rect>,
    pub status: Rect,
    pub footer: Rect,
    /// The session bar, when there is more than one session.
    pub bar: Option<Rect>,
}

/// The areas for a screen of `area`, with the session bar on top when `sessions` > 1.
pub fn layout(area: Rect, sessions: usize) -> Areas {
    let bar_h = u16::from(sessions > 1);
    let [bar, main, status, footer] = Layout::vertical([
        Constraint::Length(bar_h),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let (left, events, files) = if area.width >= 110 {
        let [l, e, f] = Layout::horizontal([
            Constraint::Percentage(40),
            Constraint::Percentage(40),
            Constraint::Min(24),
        ])
        .areas(main);
        (l, e, Some(f))
    } else if area.width >= 70 {
        let [l, e] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(main);
        (l, e, None)
    } else {
        let [l, e] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(main);
        (l, e, None)
    };
    let input_h = 5.min(left.height.saturating_sub(3)).max(3);
    let [chat, input] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(input_h)]).areas(left);
    Areas {
        chat,
        input,
        events,
        files,
        status,
        footer,
        bar: (bar_h > 0).then_some(bar),
    }
}

pub fn render(frame: &mut Frame, app: &App) {
    let areas = layout(frame.area(), app.tabs.len());
    if let Some(b) = areas.bar {
        bar::render(frame, app, b);
    }
    panes::chat(frame, app, areas.chat);
    panes::input(frame, app, areas.input);
    panes::events(frame, app, areas.events);
    if let Some(f) = areas.files {
        panes::files(frame, app, f);
    }
    status(frame, app, areas.status);
    footer(frame, app, areas.footer);
    popups::render(frame, app, frame.area());
}

/// How many lines event row `r` takes at `width` (what a click maps back to).
pub fn row_height(app: &App, r: &crate::tui::rows::Row, width: usize) -> usize {
    panes::row_lines(app, r, width, false).len()
}

pub(crate) fn border_style(app: &App, pane: Focus) -> Style {
    if app.focus == pane && app.popup().is_none() {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

pub use crate::present::meters::tokens;

pub fn secs(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

fn status(frame: &mut Frame, app: &App, area: Rect) {
    let sep = || Span::raw(" │ ").dark_gray();
    let mut spans = Vec::new();
    match app.turn.running() {
        Some(t) => {
            let word = if t.interrupting {
                "interrupting"
            } else {
                "working"
            };
            spans.push(
                Span::raw(format!(
                    "{} {word} {}",
                    SPINNER[app.spinner % SPINNER.len()],
                    secs(app.now.saturating_duration_since(t.started))
                ))
                .yellow(),
            );
            let idle = app.now.saturating_duration_since(t.last_event);
            if idle.as_secs() >= 2 {
                spans.push(Span::raw(format!(" · idle {}", secs(idle))).dark_gray());
            }
        }
        None if app.read_only => spans.push(Span::raw("▶ replay").magenta()),
        None => spans.push(Span::raw("● ready").green()),
    }
    if app.turn.queued() > 0 {
        spans.push(Span::raw(format!(" · {} queued", app.turn.queued())).dark_gray());
    }
    spans.push(sep());
    spans.push(match app.thread_id() {
        Some(id) => Span::raw(format!("thread {}", crate::text::one_line(id, 60))),
        None => Span::raw("new thread").dark_gray(),
    });
    if app.agent_mode {
        let a = &app.agent;
        spans.push(sep());
        spans.push(
            Span::raw(format!(
                "agent {} {} {}",
                a.model,
                tokens(a.input_tokens.saturating_add(a.output_tokens)),
                crate::agent::cost::dollars(a.cost())
            ))
            .magenta(),
        );
    }
    let codex_model = match &app.info.effort {
        Some(e) => format!("codex {} ({e})", app.info.model),
        None => format!("codex {}", app.info.model),
    };
    for part in [&app.info.backend, &codex_model, &app.info.sandbox] {
        if !part.is_empty() {
            spans.push(sep());
            spans.push(Span::raw(part.clone()));
        }
    }
    spans.push(sep());
    spans.push(Span::raw(format!(
        "codex tok {} turn / {} thread",
        tokens(app.turn.turn_usage().total_tokens()),
        tokens(app.turn.total().total_tokens())
    )));
    spans.extend(meters(app).into_iter().flat_map(|m| [sep(), m]));
    if !app.mouse_captured {
        spans.push(sep());
        spans.push(
            Span::raw(format!(
                "mouse off: select text freely ({} gives it back)",
                app.keymap.first(Action::Mouse)
            ))
            .yellow(),
        );
    }
    let mut line = Line::from(spans);
    if app.quit_armed {
        line = Line::from(Span::raw("press Ctrl+C again to quit").yellow().bold());
    } else if let Some(e) = &app.error {
        let room = (area.width as usize).saturating_sub(line.width() + 3);
        if room > 10 {
            let text: String = e.chars().take(room.saturating_sub(14)).collect();
            line.spans
                .push(Span::raw(format!("  ✗ {text} (Esc)")).red().bold());
        } else {
            line = Line::from(Span::raw(format!("✗ {e}")).red().bold());
        }
    }
    frame.render_widget(Paragraph::new(line), area);
}

/// How full the context window is and the account's rate-limit windows (wording and levels
/// from `present::meters`), yellow from 75 %, red from 90 %.
fn meters(app: &App) -> Vec<Span<'static>> {
    use crate::present::meters::{self, Level};
    let style = |level: Level| match level {
        Level::Over => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Level::Near => Style::new().fg(Color::Yellow),
        Level::Calm => Style::new().fg(Color::DarkGray),
    };
    let context = app
        .context
        .map(|(used, window)| meters::context(used, window));
    context
        .into_iter()
        .chain(meters::limits(&app.rate_limits))
        .map(|(text, level)| Span::styled(text, style(level)))
        .collect()
}

fn footer(frame: &mut Frame, app: &App, area: Rect) {
    let wanted: Vec<(Action, &'static str)> = match app.popup() {
        // A popup on top takes the keys: only its own are offered (the skill picker is part
        // of typing, so the prompt's keys stay).
        Some(p) if !matches!(p, crate::tui::app::Popup::Skills(_)) => p.hints(),
        _ => {
            let mut wanted = match app.focus {
                Focus::Input => vec![(Action::Send, "send"), (Action::Newline, "newline")],
                Focus::Events => vec![(Action::Activate, "expand"), (Action::Up, "move")],
                Focus::Files => vec![(Action::Activate, "open"), (Action::Up, "move")],
                Focus::Chat => vec![(Action::Up, "scroll"), (Action::PageUp, "page")],
            };
            if app.is_running() {
                wanted.push((Action::Interrupt, "interrupt"));
            }
            wanted.extend([
                (Action::FocusNext, "focus"),
                (Action::Help, "help"),
                (Action::Quit, "quit"),
            ]);
            wanted
        }
    };
    let mut spans = Vec::new();
    for (key, what) in app.keymap.hints(&wanted) {
        spans.push(Span::styled(
            format!(" {key} "),
            Style::new().add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::raw(format!(" {what}  ")).dark_gray());
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Splits `text` into lines of at most `width` columns (by display width, wide chars kept whole).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let width = width.max(1);
    let mut out = Vec::new();
    for raw in text.split('\n') {
        let mut line = String::new();
        let mut w = 0;
        for word in raw.split_inclusive(' ') {
            let ww: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
            if w + ww > width && w > 0 {
                out.push(std::mem::take(&mut line).trim_end().to_string());
                w = 0;
            }
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if w + cw > width {
                    out.push(std::mem::take(&mut line));
                    w = 0;
                }
                line.push(c);
                w += cw;
            }
        }
        out.push(line.trim_end().to_string());
    }
    out
}

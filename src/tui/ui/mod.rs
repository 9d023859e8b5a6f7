//! Rendering: a pure function of the App.
//!
//! `render(frame, &app)` reads state and draws; it never mutates, awaits or touches the disk,
//! so the same state always gives the same screen (which is what the snapshot tests rely on).
//! [`layout`] is shared with mouse handling so clicks land on the pane that was drawn there.

mod bar;
mod panes;
mod popups;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Popup};
use super::keymap::Action;
use super::layout::Focus;
pub use super::layout::{Areas, layout};

pub use super::render::{SPINNER, secs, wrap::plain as wrap};

pub fn render(frame: &mut Frame, app: &App) {
    let areas = layout(frame.area(), app.sessions().len());
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

pub(crate) fn border_style(app: &App, pane: Focus) -> Style {
    if app.focus == pane && app.popup().is_none() {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

pub use crate::present::meters::tokens;

fn status(frame: &mut Frame, app: &App, area: Rect) {
    let s = app.session();
    let sep = || Span::raw(" │ ").dark_gray();
    let mut spans = Vec::new();
    match s.turn().running() {
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
    if s.turn().queued() > 0 {
        spans.push(Span::raw(format!(" · {} queued", s.turn().queued())).dark_gray());
    }
    spans.push(sep());
    if s.plan_mode() {
        spans.push(Span::raw("plan").cyan().bold());
        spans.push(sep());
    }
    spans.push(match s.thread_id() {
        Some(id) => Span::raw(format!("thread {}", crate::text::one_line(id, 60))),
        None => Span::raw("new thread").dark_gray(),
    });
    if s.agent_mode() {
        let a = s.agent_usage();
        spans.push(sep());
        spans.push(
            Span::raw(format!(
                "agent {} {} {}",
                app.agent.model,
                tokens(a.input_tokens.saturating_add(a.output_tokens)),
                crate::agent::cost::dollars(app.agent.cost(a))
            ))
            .magenta(),
        );
    }
    let codex_model = match &s.info().effort {
        Some(e) => format!("codex {} ({e})", s.info().model),
        None => format!("codex {}", s.info().model),
    };
    for part in [&s.info().backend, &codex_model, &s.info().sandbox] {
        if !part.is_empty() {
            spans.push(sep());
            spans.push(Span::raw(part.clone()));
        }
    }
    spans.push(sep());
    spans.push(Span::raw(format!(
        "codex tok {} turn / {} thread",
        tokens(s.turn().turn_usage().total_tokens()),
        tokens(s.turn().total().total_tokens())
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
    let s = app.session();
    let context = s
        .context()
        .map(|(used, window)| meters::context(used, window));
    // Past 85 % of the window, say how to free it.
    let full = s
        .context()
        .and_then(|(used, window)| Some(used as f64 / window.filter(|w| *w > 0)? as f64))
        .is_some_and(|f| f >= 0.85);
    let hint = full.then(|| ("/compact frees it".to_string(), Level::Near));
    context
        .into_iter()
        .chain(hint)
        .chain(meters::limits(&app.rate_limits))
        .map(|(text, level)| Span::styled(text, style(level)))
        .collect()
}

fn footer(frame: &mut Frame, app: &App, area: Rect) {
    let wanted: Vec<(Action, &'static str)> = match app.popup() {
        // A popup on top takes the keys: only its own are offered (the skill picker is part
        // of typing, so the prompt's keys stay).
        Some(p) if !matches!(p, Popup::Skills(_) | Popup::Commands(_)) => p.hints(),
        _ => {
            let mut wanted = match app.focus {
                Focus::Input => vec![(Action::Send, "send"), (Action::Newline, "newline")],
                Focus::Events => vec![(Action::Activate, "expand"), (Action::Up, "move")],
                Focus::Files => vec![(Action::Activate, "open"), (Action::Up, "move")],
                Focus::Chat => vec![(Action::Up, "scroll"), (Action::PageUp, "page")],
            };
            if app.session().is_running() {
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

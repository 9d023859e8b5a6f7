//! The four panes: chat transcript, prompt input, Codex events, file tree. Each draws only
//! what fits, working back from the bottom, so a long session costs the same per frame as a
//! short one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{border_style, wrap};
use crate::tui::app::{App, Focus, Popup, Who};
use crate::tui::event_pane::{Clock, row_lines};
use crate::tui::files::EntryKind;
use crate::tui::render::wrap as wrap_styled;
use crate::tui::session_view::chip;

pub fn chat(frame: &mut Frame, app: &App, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Chat ")
        .border_style(border_style(app, Focus::Chat));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width.saturating_sub(2) as usize;
    let need = inner.height as usize + app.session().chat().scroll();
    let mut lines: Vec<Line> = Vec::new();
    for entry in app.session().chat().iter().rev() {
        let (label, style) = match entry.who {
            Who::User => (
                "you",
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            Who::Codex => (
                "codex",
                Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            ),
            Who::Agent => (
                "agent",
                Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            ),
            Who::Notice => ("·", Style::new().fg(Color::DarkGray)),
            Who::Error => (
                "error",
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
        };
        let body_style = match entry.who {
            Who::Notice => Style::new().fg(Color::DarkGray),
            Who::Error => Style::new().fg(Color::Red),
            _ => Style::new(),
        };
        let block_lines: Vec<Line> = if entry.who == Who::Notice {
            // Notices are one compact line: no label, no gap.
            wrap(&entry.text, width)
                .into_iter()
                .enumerate()
                .map(|(i, l)| {
                    Line::from(Span::styled(
                        format!("{}{l}", if i == 0 { "· " } else { "  " }),
                        body_style,
                    ))
                })
                .collect()
        } else {
            let mut v = vec![Line::from(Span::styled(label, style))];
            match entry.rendered() {
                Some(md) => v.extend(md.paras().flat_map(|p| wrap_styled(p, width)).map(|l| {
                    let mut spans = vec![Span::raw("  ")];
                    spans.extend(l.spans);
                    Line::from(spans)
                })),
                None => v.extend(
                    wrap(&entry.text, width)
                        .into_iter()
                        .map(|l| Line::from(Span::styled(format!("  {l}"), body_style))),
                ),
            }
            v.push(Line::raw(""));
            v
        };
        for l in block_lines.into_iter().rev() {
            lines.push(l);
        }
        if lines.len() >= need {
            break;
        }
    }
    if app.session().chat().is_empty() {
        let hint = "Type a request below. Codex works in the folder shown on the right; its events appear in the middle.";
        let lines: Vec<Line> = wrap(hint, width)
            .into_iter()
            .map(|l| Line::from(l.dark_gray()))
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    lines.reverse();
    let skip = lines.len().saturating_sub(need);
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(skip)
        .take(inner.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

pub fn input(frame: &mut Frame, app: &App, area: Rect) {
    let s = app.session();
    let chips: String = s
        .attachments()
        .iter()
        .map(|p| format!("{} ", chip(p)))
        .collect();
    let title = if app.read_only {
        " Replay (read-only) "
    } else if s.steers_agent() {
        " Prompt — Enter tells the agent, Tab queues "
    } else if s.can_steer() {
        " Prompt — Enter steers the turn, Tab queues "
    } else if s.is_running() {
        " Prompt — Enter queues "
    } else {
        " Prompt "
    };
    let mut ta = s.prompt().clone();
    ta.set_block(
        Block::default()
            .borders(Borders::ALL)
            .title(title)
            .title(Line::from(chips).right_aligned().magenta())
            .border_style(border_style(app, Focus::Input)),
    );
    ta.set_cursor_line_style(Style::new());
    if app.focus != Focus::Input
        || app
            .popup()
            .is_some_and(|p| !matches!(p, Popup::Skills(_) | Popup::Commands(_)))
    {
        ta.set_cursor_style(Style::new());
    }
    frame.render_widget(&ta, area);
}

pub fn events(frame: &mut Frame, app: &App, area: Rect) {
    let rows = app.session().events().rows();
    let title = match rows.dropped {
        0 => " Codex events ".to_string(),
        n => format!(" Codex events ({n} older in the session log) "),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(border_style(app, Focus::Events));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let height = inner.height as usize;
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(
                "Reasoning, commands, file changes and messages appear here live.".dark_gray(),
            ),
            inner,
        );
        return;
    }
    let anchor = app.session().events().selected().unwrap_or(rows.len() - 1);
    let clock = Clock {
        now: app.now,
        spinner: app.spinner,
    };
    let mut lines: Vec<Line> = Vec::new();
    for i in (0..=anchor.min(rows.len() - 1)).rev() {
        let Some(r) = rows.get(i) else { break };
        let selected = app.focus == Focus::Events && app.session().events().selected() == Some(i);
        for l in row_lines(r, width, selected, clock).into_iter().rev() {
            lines.push(l);
        }
        if lines.len() >= height {
            break;
        }
    }
    lines.truncate(height);
    lines.reverse();
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn files(frame: &mut Frame, app: &App, area: Rect) {
    let name = app
        .session()
        .info()
        .cwd
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".".into());
    let title = if app.session().files().is_truncated() {
        // The walk stopped at its cap: say so rather than show a silently partial tree.
        format!(
            " {}/ (first {}) ",
            crate::text::one_line(&name, 30),
            crate::tui::files::MAX_ENTRIES
        )
    } else {
        format!(" {}/ ", crate::text::one_line(&name, 30))
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(border_style(app, Focus::Files));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let t = app.session().files();
    if t.entries().is_empty() {
        frame.render_widget(Paragraph::new("(empty)".dark_gray()), inner);
        return;
    }
    let height = inner.height as usize;
    let top = t.selected().saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = t
        .entries()
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, e)| {
            let indent = "  ".repeat(e.depth);
            let name = crate::text::one_line(&e.name, 60);
            let mut spans = vec![Span::raw(indent)];
            match &e.kind {
                EntryKind::Dir => {
                    let open = t.is_expanded(&e.path);
                    spans.push(Span::raw(if open { "▾ " } else { "▸ " }).dark_gray());
                    spans.push(Span::raw(format!("{name}/")).blue().bold());
                }
                EntryKind::File { .. } => {
                    let changed = t.is_changed(&e.path);
                    spans.push(Span::raw(if changed { "● " } else { "  " }).yellow());
                    spans.push(if changed {
                        Span::raw(name).yellow()
                    } else {
                        Span::raw(name)
                    });
                }
                EntryKind::Link { target, outside } => {
                    spans.push(Span::raw("  "));
                    spans.push(Span::raw(name).magenta());
                    let target = crate::text::one_line(target, 40);
                    spans.push(if *outside {
                        Span::raw(format!(" → {target} (outside)")).red()
                    } else {
                        Span::raw(format!(" → {target}")).dark_gray()
                    });
                }
            }
            let mut line = Line::from(spans);
            if i == t.selected() && app.focus == Focus::Files {
                line = line.patch_style(Style::new().add_modifier(Modifier::REVERSED));
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

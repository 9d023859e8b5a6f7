//! The four panes: chat transcript, prompt input, Codex events, file tree. Each draws only
//! what fits, working back from the bottom, so a long session costs the same per frame as a
//! short one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{SPINNER, border_style, secs, wrap};
use crate::tui::app::{App, Focus, Who};
use crate::tui::files::EntryKind;
use crate::tui::render::wrap as wrap_styled;
use crate::tui::rows::{Row, RowKind, RowState};

pub fn chat(frame: &mut Frame, app: &App, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Chat ")
        .border_style(border_style(app, Focus::Chat));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width.saturating_sub(2) as usize;
    let need = inner.height as usize + app.chat.scroll();
    let mut lines: Vec<Line> = Vec::new();
    for entry in app.chat.iter().rev() {
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
    if app.chat.is_empty() {
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
    let chips: String = app
        .attachments
        .iter()
        .map(|p| format!("{} ", crate::tui::attachments::chip(p)))
        .collect();
    let title = if app.read_only {
        " Replay (read-only) "
    } else if app.steers_agent() {
        " Prompt — Enter tells the agent, Tab queues "
    } else if app.can_steer() {
        " Prompt — Enter steers the turn, Tab queues "
    } else if app.is_running() {
        " Prompt — Enter queues "
    } else {
        " Prompt "
    };
    let mut ta = app.input.clone();
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
            .is_some_and(|p| !matches!(p, crate::tui::app::Popup::Skills(_)))
    {
        ta.set_cursor_style(Style::new());
    }
    frame.render_widget(&ta, area);
}

fn row_icon(app: &App, r: &Row) -> Span<'static> {
    match (r.kind, r.state) {
        (_, RowState::Running) => Span::raw(SPINNER[app.spinner % SPINNER.len()]).yellow(),
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

pub(super) fn row_lines(app: &App, r: &Row, width: usize, selected: bool) -> Vec<Line<'static>> {
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
        (RowState::Running, Some(s), _) => info.push(secs(app.now.saturating_duration_since(s))),
        (_, _, Some(d)) if r.kind == RowKind::Command => info.push(secs(d)),
        _ => {}
    }
    let info = if info.is_empty() {
        String::new()
    } else {
        format!(" ({})", info.join(", "))
    };
    let room = width.saturating_sub(3 + info.chars().count());
    let mut spans = vec![row_icon(app, r), Span::raw(" ")];
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
            for piece in crate::tui::render::fit(text, width.saturating_sub(4)) {
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
                    let para = crate::tui::render::Para::new(l.clone());
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
    let styled: &[crate::tui::render::Para] = if diff.is_empty() { &[] } else { &r.styled_diff };
    for p in styled {
        for piece in wrap_styled(p, width.saturating_sub(4)) {
            let mut spans = vec![Span::raw("  │ ").dark_gray()];
            spans.extend(piece.spans);
            out.push(Line::from(spans));
        }
    }
    out
}

pub fn events(frame: &mut Frame, app: &App, area: Rect) {
    let rows = app.events.rows();
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
    let anchor = app.events.selected().unwrap_or(rows.len() - 1);
    let mut lines: Vec<Line> = Vec::new();
    for i in (0..=anchor.min(rows.len() - 1)).rev() {
        let Some(r) = rows.get(i) else { break };
        let selected = app.focus == Focus::Events && app.events.selected() == Some(i);
        for l in row_lines(app, r, width, selected).into_iter().rev() {
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
        .info
        .cwd
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".".into());
    let title = if app.files.is_truncated() {
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
    let t = &app.files;
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

//! Popups drawn over the panes: the `$` skill picker (anchored above the prompt), the resume
//! picker, help (generated from the keymap), and the read-only file preview.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::layout;
use crate::text::one_line;
use crate::tui::app::{App, Popup};
use crate::tui::files::PreviewBody;
use crate::tui::keymap::Action;
use crate::tui::views::{ApprovalView, DiffView};

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(10.min(area.width));
    let h = h.min(area.height.saturating_sub(2)).max(3.min(area.height));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn frame_block(title: String) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(Style::new().fg(Color::Cyan))
}

fn selectable(selected: bool, spans: Vec<Span<'static>>) -> Line<'static> {
    let line = Line::from(spans);
    if selected {
        line.patch_style(Style::new().add_modifier(Modifier::REVERSED))
    } else {
        line
    }
}

/// Draws the popup stack, bottom to top.
pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    for popup in app.popups.iter() {
        draw(frame, app, popup, area);
    }
}

/// ` a/y ` reversed (every key bound to `action`), then what it does.
fn hint(app: &App, action: Action, what: &str) -> [Span<'static>; 2] {
    let keys: Vec<String> = app
        .keymap
        .keys(action)
        .iter()
        .map(ToString::to_string)
        .collect();
    [
        Span::raw(format!(" {} ", keys.join("/"))).reversed(),
        Span::raw(format!(" {what}   ")),
    ]
}

fn draw(frame: &mut Frame, app: &App, popup: &Popup, area: Rect) {
    match popup {
        Popup::Approval(a) => draw_approval(frame, app, a, area),
        Popup::Skills(p) => {
            let input = layout(area, app.sessions().len()).input;
            let h = (p.filtered.len().clamp(1, 8) + 2 + usize::from(!app.skill_errors.is_empty()))
                as u16;
            let w = input.width.max(40).min(area.width);
            let rect = Rect::new(input.x, input.y.saturating_sub(h), w, h.min(input.y));
            let mut lines: Vec<Line> = p
                .visible()
                .take(8)
                .map(|(sel, s)| {
                    let room = (w as usize).saturating_sub(s.name.chars().count() + 6);
                    selectable(
                        sel,
                        vec![
                            Span::raw(format!("${}", s.name)).cyan().bold(),
                            Span::raw(format!("  {}", crate::text::one_line(&s.description, room)))
                                .dark_gray(),
                        ],
                    )
                })
                .collect();
            if lines.is_empty() {
                lines.push(Line::from(
                    if app.skills.is_empty() {
                        "no skills found (see `codexmcp skills`)"
                    } else {
                        "no matching skill"
                    }
                    .dark_gray(),
                ));
            }
            if !app.skill_errors.is_empty() {
                lines.push(Line::from(
                    format!(
                        "⚠ {} SKILL.md could not be read (`codexmcp skills`)",
                        app.skill_errors.len()
                    )
                    .yellow(),
                ));
            }
            frame.render_widget(Clear, rect);
            frame.render_widget(
                Paragraph::new(lines).block(frame_block(format!(" skills: ${} ", p.query))),
                rect,
            );
        }
        Popup::Commands(p) => {
            let input = layout(area, app.sessions().len()).input;
            let h = (p.filtered.len().clamp(1, 8) + 2) as u16;
            let w = input.width.max(40).min(area.width);
            let rect = Rect::new(input.x, input.y.saturating_sub(h), w, h.min(input.y));
            let mut lines: Vec<Line> = p
                .visible()
                .take(8)
                .map(|(sel, c)| {
                    let usage = c.usage();
                    let room = (w as usize).saturating_sub(usage.chars().count() + 6);
                    selectable(
                        sel,
                        vec![
                            Span::raw(usage).cyan().bold(),
                            Span::raw(format!("  {}", one_line(c.about, room))).dark_gray(),
                        ],
                    )
                })
                .collect();
            if lines.is_empty() {
                lines.push(Line::from("no such command (/help lists them)".dark_gray()));
            }
            frame.render_widget(Clear, rect);
            frame.render_widget(
                Paragraph::new(lines).block(frame_block(format!(" commands: /{} ", p.query))),
                rect,
            );
        }
        Popup::Resume(p) => {
            let rect = centered(area, 100, 16);
            let now = crate::session::now_ms();
            let rows = p.visible().map(|(sel, r)| {
                selectable(
                    sel,
                    vec![
                        Span::raw(format!("{:<40} ", one_line(&r.title, 40))),
                        Span::raw(format!(
                            "{:>8}  ",
                            crate::session::age(now.saturating_sub(r.updated_ms))
                        ))
                        .dark_gray(),
                        Span::raw(format!("{}  ", r.id)),
                        Span::raw(format!("{} tok", super::tokens(r.usage.total_tokens())))
                            .dark_gray(),
                    ],
                )
            });
            let title = format!(
                " resume a thread — type to filter, {} resumes, {} closes ",
                app.keymap.first(Action::Select),
                app.keymap.first(Action::Close)
            );
            draw_picker(frame, rect, &p.query, rows, title);
        }
        Popup::Models(p) => {
            let rect = centered(area, 90, 14);
            let rows = p.visible().map(|(sel, m)| {
                let efforts = if m.efforts.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", m.efforts.join(" "))
                };
                selectable(
                    sel,
                    vec![
                        Span::raw(format!("{:<28} ", one_line(&m.id, 28))),
                        Span::raw(one_line(&m.description, 50)).dark_gray(),
                        Span::raw(efforts).dark_gray(),
                    ],
                )
            });
            let title = format!(
                " model for the next turns — type to filter, {} picks, {} closes ",
                app.keymap.first(Action::Select),
                app.keymap.first(Action::Close)
            );
            draw_picker(frame, rect, &p.query, rows, title);
        }
        Popup::Diff(view) => draw_diff(frame, view, area),
        Popup::Findings(p) => {
            let rect = centered(area, 110, 16);
            let rows = p.visible().map(|(sel, f)| {
                let priority = f.priority.map(|n| format!("P{n} ")).unwrap_or_default();
                selectable(
                    sel,
                    vec![
                        Span::raw(priority).red().bold(),
                        Span::raw(format!("{:<50}", one_line(&f.title, 50))),
                        Span::raw(one_line(&f.place(), 50)).cyan(),
                        Span::raw(format!("  {}", one_line(&f.body, 80))).dark_gray(),
                    ],
                )
            });
            let title = format!(
                " review findings — type to filter, {} shows where, {} closes ",
                app.keymap.first(Action::Select),
                app.keymap.first(Action::Close)
            );
            draw_picker(frame, rect, &p.query, rows, title);
        }
        Popup::Help { scroll } => {
            let mut lines: Vec<Line> = Vec::new();
            for (title, keys, what) in app.keymap.help_rows() {
                match title {
                    Some(t) if lines.is_empty() => lines.push(Line::from(t.bold())),
                    Some(t) => {
                        lines.push(Line::raw(""));
                        lines.push(Line::from(t.bold()));
                    }
                    None => lines.push(Line::from(vec![
                        Span::raw(format!("  {keys:<30}  ")).cyan(),
                        Span::raw(what),
                    ])),
                }
            }
            lines.push(Line::raw(""));
            lines.push(Line::from("commands".bold()));
            let backend = &app.session().info().backend;
            for spec in crate::tui::commands::TABLE {
                let here = match spec.backends.allows(backend) {
                    true => "",
                    false => " (app-server backend)",
                };
                lines.push(Line::from(vec![
                    Span::raw(format!("  {:<30}  ", spec.usage())).cyan(),
                    Span::raw(format!("{}{here}", spec.about)),
                ]));
            }
            lines.push(Line::from(vec![
                Span::raw(format!("  {:<30}  ", "$name")).cyan(),
                Span::raw("mention a skill ($ opens the picker)"),
            ]));
            lines.push(Line::raw(""));
            lines.push(Line::from(
                "keys can be changed in config.toml under [keys]".dark_gray(),
            ));
            let rect = centered(area, 84, lines.len() as u16 + 2);
            let room = rect.height.saturating_sub(2);
            let max = (lines.len() as u16).saturating_sub(room);
            let title = if max > 0 {
                format!(
                    " help — {}/{} scroll, {} closes ",
                    app.keymap.first(Action::Up),
                    app.keymap.first(Action::Down),
                    app.keymap.first(Action::Close)
                )
            } else {
                format!(" help — {} closes ", app.keymap.first(Action::Close))
            };
            frame.render_widget(Clear, rect);
            frame.render_widget(
                Paragraph::new(lines)
                    .scroll(((*scroll).min(max), 0))
                    .block(frame_block(title)),
                rect,
            );
        }
        Popup::Preview(p) => {
            let rect = centered(
                area,
                area.width.saturating_sub(8),
                area.height.saturating_sub(4),
            );
            let name = p
                .path
                .strip_prefix(&app.session().info().cwd)
                .unwrap_or(&p.path)
                .display()
                .to_string();
            let body: Vec<Line> = match &p.body {
                PreviewBody::Text { text, truncated } => {
                    let mut v: Vec<Line> = text.lines().map(|l| Line::raw(l.to_string())).collect();
                    if *truncated {
                        v.push(Line::from("… (preview truncated at 64 KiB)".dark_gray()));
                    }
                    v
                }
                PreviewBody::Binary { size } => vec![Line::from(
                    format!("binary file, {size} bytes — not shown").dark_gray(),
                )],
                PreviewBody::Refused(why) => vec![Line::from(format!("not shown: {why}").yellow())],
            };
            let [inner] = Layout::vertical([Constraint::Min(1)]).areas(rect);
            frame.render_widget(Clear, inner);
            frame.render_widget(
                Paragraph::new(body)
                    .scroll((p.scroll, 0))
                    .block(frame_block(format!(
                        " {} (read-only, {} closes) ",
                        crate::text::one_line(&name, 60),
                        app.keymap.first(Action::Close)
                    ))),
                inner,
            );
        }
    }
}

/// Lines of a command or diff shown in the modal at most; more is said, not drawn.
const MAX_APPROVAL_LINES: usize = 2000;

/// The approval modal: the whole command (every line, wrapped, never cut at the edge), where it
/// runs, why, the diff; the keys stay on the last line however far the body scrolls.
fn draw_approval(frame: &mut Frame, app: &App, a: &ApprovalView, area: Rect) {
    let mut body: Vec<Line> = Vec::new();
    let what = if a.kind == crate::engine::ApprovalKind::Command {
        "Codex wants to run a command"
    } else {
        "Codex wants to change files"
    };
    body.push(Line::from(what.yellow().bold()));
    let capped = |text: &str| -> Vec<String> {
        let clean = crate::text::sanitize(text);
        let total = clean.lines().count();
        let mut lines: Vec<String> = clean
            .lines()
            .take(MAX_APPROVAL_LINES)
            .map(str::to_string)
            .collect();
        if total > MAX_APPROVAL_LINES {
            lines.push(format!("… {} more lines", total - MAX_APPROVAL_LINES));
        }
        lines
    };
    if let Some(c) = &a.command {
        for (i, l) in capped(c).into_iter().enumerate() {
            let lead = if i == 0 { "$ " } else { "  " };
            body.push(Line::from(vec![lead.dark_gray(), Span::raw(l).cyan()]));
        }
    }
    if let Some(cwd) = &a.cwd {
        body.push(Line::from(
            format!("in {}", crate::text::sanitize(cwd)).dark_gray(),
        ));
    }
    if let Some(r) = &a.reason {
        body.push(Line::from(format!("reason: {}", crate::text::sanitize(r))));
    }
    for l in a.diff.as_deref().map(capped).unwrap_or_default() {
        let style = if l.starts_with('+') {
            Style::new().fg(Color::Green)
        } else if l.starts_with('-') {
            Style::new().fg(Color::Red)
        } else {
            Style::new()
        };
        body.push(Line::from(Span::styled(l, style)));
    }
    let keys = Line::from(
        [
            (Action::Accept, "accept"),
            (Action::AcceptForSession, "accept for this session"),
            (Action::Decline, "decline"),
            (Action::Cancel, "cancel the turn"),
        ]
        .into_iter()
        .flat_map(|(act, what)| hint(app, act, what))
        .collect::<Vec<_>>(),
    );
    let width = area.width.saturating_sub(2).min(100);
    let inner_width = width.saturating_sub(2);
    let body = Paragraph::new(body).wrap(Wrap { trim: false });
    let keys = Paragraph::new(keys).wrap(Wrap { trim: true });
    let needed = body.line_count(inner_width) as u16;
    let keys_height = keys.line_count(inner_width) as u16;
    let rect = centered(area, width, needed.saturating_add(keys_height + 3));
    let room = rect.height.saturating_sub(keys_height + 3);
    let last = needed.saturating_sub(room);
    let scroll = a.scroll.min(last);
    let mut title = String::from(" approval ");
    let more = app.session().approvals().len().saturating_sub(1);
    if more > 0 {
        title = format!(" approval ({more} more waiting) ");
    }
    if last > 0 {
        title.push_str(&format!(
            "— lines {}–{} of {needed}, ↑↓ scroll ",
            scroll + 1,
            (scroll + room).min(needed)
        ));
    }
    frame.render_widget(Clear, rect);
    let block = frame_block(title);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text, _, keys_row] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(keys_height),
    ])
    .areas(inner);
    frame.render_widget(body.scroll((scroll, 0)), text);
    frame.render_widget(keys, keys_row);
}

/// `/diff`: a turn's diffstat, then its patch, coloured; full screen, scrollable by line and
/// by file.
/// A picker in `rect`: the filter line, then as many rows as fit.
fn draw_picker<'a>(
    frame: &mut Frame,
    rect: Rect,
    query: &str,
    rows: impl Iterator<Item = Line<'a>>,
    title: String,
) {
    let lines: Vec<Line> = std::iter::once(Line::from(format!("filter: {query}▏").cyan()))
        .chain(rows.take(rect.height.saturating_sub(3) as usize))
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(frame_block(title)), rect);
}

fn draw_diff(frame: &mut Frame, view: &DiffView, area: Rect) {
    let rect = centered(area, area.width, area.height);
    let rows = rect.height.saturating_sub(2);
    let last = (view.styled.len() as u16).saturating_sub(rows);
    // Only what shows is copied into the frame.
    let lines: Vec<Line> = view.styled[usize::from(view.scroll.min(last))..]
        .iter()
        .take(usize::from(rows))
        .cloned()
        .collect();
    let n = view.files;
    let title = format!(
        " diff of {} — {n} file{} — ↑↓ scroll, ] [ files ",
        view.label,
        if n == 1 { "" } else { "s" }
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(frame_block(title)), rect);
}

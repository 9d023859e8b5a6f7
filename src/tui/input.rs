//! Turning terminal input into state changes: keys through the keymap, mouse wheel and
//! clicks by pane, bracketed paste, slash commands, and the `$` skill popup that follows the
//! word under the cursor. Part of `App::update`; no I/O here either.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::app::{App, Effect, Focus, Popup, Who};
use super::keymap::Action;
use super::pickers::Picker;
use super::ui;

pub fn handle_terminal(app: &mut App, ev: Event, fx: &mut Vec<Effect>) {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => on_key(app, k, fx),
        Event::Paste(text) if !app.read_only => {
            app.focus = Focus::Input;
            app.input
                .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
        }
        Event::Resize(w, h) => app.size = (w, h),
        Event::Mouse(m) => {
            let areas = ui::layout(Rect::new(0, 0, app.size.0, app.size.1));
            let at = Position::new(m.column, m.row);
            let pane = [
                (areas.chat, Focus::Chat),
                (areas.input, Focus::Input),
                (areas.events, Focus::Events),
            ]
            .into_iter()
            .chain(areas.files.map(|f| (f, Focus::Files)))
            .find(|(r, _)| r.contains(at))
            .map(|(_, f)| f);
            match (m.kind, pane) {
                (MouseEventKind::ScrollUp, Some(p)) => scroll(app, p, -3),
                (MouseEventKind::ScrollDown, Some(p)) => scroll(app, p, 3),
                (MouseEventKind::Down(_), Some(p)) => app.focus = p,
                _ => app.dirty = false,
            }
        }
        _ => app.dirty = false,
    }
}

fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let km = app.keymap.clone();
    let was_armed = std::mem::take(&mut app.quit_armed);
    if app.popup.is_some() && on_popup_key(app, key, fx) {
        return;
    }
    // Global keys first: interrupt, quit, help, focus.
    if km.is(Action::Interrupt, &key)
        && app.is_running()
        && let Some(t) = &mut app.turn
        && !t.interrupting
    {
        t.interrupting = true;
        fx.push(Effect::Interrupt);
        app.note("interrupt requested");
        app.quit_armed = km.is(Action::Quit, &key);
        return;
    }
    if km.is(Action::Quit, &key) {
        if was_armed || key.code != KeyCode::Char('c') {
            app.quit = true;
            fx.push(Effect::Quit);
        } else {
            app.quit_armed = true;
        }
        return;
    }
    if km.is(Action::Dismiss, &key) && app.error.is_some() {
        app.error = None;
        return;
    }
    let typing = app.focus == Focus::Input;
    if km.is(Action::Help, &key) && (!typing || key.code != KeyCode::Char('?')) {
        app.popup = Some(Popup::Help);
        return;
    }
    let tree = ui::layout(Rect::new(0, 0, app.size.0, app.size.1))
        .files
        .is_some();
    if km.is(Action::FocusNext, &key) {
        app.focus = app.focus.next(tree);
        return;
    }
    if km.is(Action::FocusPrev, &key) {
        app.focus = app.focus.prev(tree);
        return;
    }
    match app.focus {
        Focus::Input => on_input_key(app, key, fx),
        pane => on_pane_key(app, pane, key, fx),
    }
}

fn on_input_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let km = app.keymap.clone();
    if app.read_only {
        app.note("replay is read-only");
        return;
    }
    if km.is(Action::Newline, &key) {
        app.input.insert_newline();
    } else if km.is(Action::Send, &key) {
        let text = app.input.lines().join("\n");
        if text.trim().is_empty() {
            return;
        }
        app.input = super::app::new_input();
        submit(app, text, fx);
    } else {
        app.input.input(key);
    }
    sync_skill_popup(app);
}

/// A prompt or a slash command from the input box.
pub fn submit(app: &mut App, text: String, fx: &mut Vec<Effect>) {
    let trimmed = text.trim();
    if let Some(cmd) = trimmed.strip_prefix('/') {
        let (name, arg) = cmd.split_once(char::is_whitespace).unwrap_or((cmd, ""));
        match name {
            "new" => {
                // A running turn is interrupted first (by the conversation actor).
                app.supersede_turn();
                fx.push(Effect::NewThread);
                app.thread_id = None;
                app.total = Default::default();
                app.turn_usage = Default::default();
                app.say(Who::Notice, "new thread: the next prompt starts it");
            }
            "resume" if arg.trim().is_empty() => fx.push(Effect::ListSessions),
            "resume" => {
                let id = arg.trim().to_string();
                if crate::engine::looks_like_thread_id(&id) {
                    app.supersede_turn();
                    fx.push(Effect::LoadTranscript(id));
                } else {
                    app.fail(&format!("unknown thread id {id}: a thread id looks like 01a2112e-cb31-7fd3-b664-466522ce36c8"));
                }
            }
            "quit" | "exit" => {
                app.quit = true;
                fx.push(Effect::Quit);
            }
            "help" => app.popup = Some(Popup::Help),
            "agent" if !app.agent.available => {
                app.fail("the agent needs OPENAI_API_KEY (in the environment or .env)")
            }
            "agent" => {
                app.agent_mode = true;
                app.say(
                    Who::Notice,
                    &format!(
                        "agent mode: prompts go to {}, which drives Codex",
                        app.agent.model
                    ),
                );
            }
            "direct" => {
                app.agent_mode = false;
                app.say(Who::Notice, "direct mode: prompts go straight to Codex");
            }
            other => app.fail(&format!("unknown command /{other} (try /help)")),
        }
        return;
    }
    if app.is_running() {
        app.queued.push_back(text);
        app.note("prompt queued: it is sent when this turn ends");
    } else {
        app.start_turn(text, fx);
    }
}

fn on_pane_key(app: &mut App, pane: Focus, key: KeyEvent, fx: &mut Vec<Effect>) {
    let km = app.keymap.clone();
    let page = (app.size.1 / 2).max(1) as i64;
    let step = if km.is(Action::Up, &key) {
        -1
    } else if km.is(Action::Down, &key) {
        1
    } else if km.is(Action::PageUp, &key) {
        -page
    } else if km.is(Action::PageDown, &key) {
        page
    } else if km.is(Action::Top, &key) {
        i64::MIN / 2
    } else if km.is(Action::Bottom, &key) {
        i64::MAX / 2
    } else {
        0
    };
    if step != 0 {
        scroll(app, pane, step);
        return;
    }
    if km.is(Action::Activate, &key) {
        match pane {
            Focus::Events => {
                let i = app.row_selected.unwrap_or(app.rows.len().saturating_sub(1));
                app.rows.toggle(i);
            }
            Focus::Files => {
                if app.files.toggle_selected() {
                    fx.push(Effect::Rescan);
                } else if let Some(e) = app.files.entries.get(app.files.selected) {
                    fx.push(Effect::LoadPreview(e.path.clone()));
                }
            }
            _ => {}
        }
        return;
    }
    // Typing anywhere goes to the prompt.
    if let KeyCode::Char(_) = key.code
        && !app.read_only
    {
        app.focus = Focus::Input;
        on_input_key(app, key, fx);
    }
}

/// Moves a pane's view or selection by `delta` lines/rows (negative = up / older).
pub fn scroll(app: &mut App, pane: Focus, delta: i64) {
    let clamp = |v: i64, max: usize| v.clamp(0, max as i64) as usize;
    match pane {
        Focus::Chat | Focus::Input => {
            app.chat_scroll = clamp(app.chat_scroll as i64 - delta, usize::MAX / 4);
        }
        Focus::Events => {
            let last = app.rows.len().saturating_sub(1);
            let cur = app.row_selected.unwrap_or(last) as i64;
            let next = clamp(cur + delta, last);
            app.row_selected = if next >= last && delta > 0 {
                None
            } else {
                Some(next)
            };
        }
        Focus::Files => {
            let last = app.files.entries.len().saturating_sub(1);
            app.files.selected = clamp(app.files.selected as i64 + delta, last);
        }
    }
}

/// Popup keys; returns true when the popup consumed the key.
fn on_popup_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) -> bool {
    let km = app.keymap.clone();
    let close = km.is(Action::Dismiss, &key);
    match app.popup.as_mut() {
        Some(Popup::Approval(a)) => {
            use crate::engine::ApprovalDecision as D;
            let decision = match key.code {
                KeyCode::Char('a') | KeyCode::Char('y') => D::Accept,
                KeyCode::Char('s') => D::AcceptForSession,
                KeyCode::Char('d') | KeyCode::Char('n') => D::Decline,
                KeyCode::Char('c') => D::Cancel,
                _ if close => D::Cancel,
                _ => return true, // the modal holds the keyboard until answered
            };
            let (run, request_id) = (a.run, a.request_id.clone());
            fx.push(Effect::Approve {
                run,
                request_id: request_id.clone(),
                decision,
            });
            app.approvals.retain(|x| x.request_id != request_id);
            app.popup = None;
            app.show_next_approval();
            true
        }
        Some(Popup::Help) => {
            if close
                || km.is(Action::Help, &key)
                || key.code == KeyCode::Enter
                || key.code == KeyCode::Char('q')
            {
                app.popup = None;
            }
            true
        }
        Some(Popup::Preview(p)) => {
            match key.code {
                KeyCode::Up | KeyCode::Char('k') => p.scroll = p.scroll.saturating_sub(1),
                KeyCode::Down | KeyCode::Char('j') => p.scroll = p.scroll.saturating_add(1),
                KeyCode::PageUp => p.scroll = p.scroll.saturating_sub(20),
                KeyCode::PageDown => p.scroll = p.scroll.saturating_add(20),
                _ if close || key.code == KeyCode::Enter || key.code == KeyCode::Char('q') => {
                    app.popup = None
                }
                _ => {}
            }
            true
        }
        Some(Popup::Resume(picker)) => {
            match key.code {
                KeyCode::Up => picker.up(),
                KeyCode::Down => picker.down(),
                KeyCode::Enter => {
                    let picked = picker.current().map(|r| r.id.clone());
                    app.popup = None;
                    if let Some(id) = picked {
                        app.supersede_turn();
                        fx.push(Effect::LoadTranscript(id));
                    }
                }
                KeyCode::Backspace => {
                    let mut q = picker.query.clone();
                    q.pop();
                    picker.set_query(&q);
                }
                KeyCode::Char(c)
                    if key
                        .modifiers
                        .difference(ratatui::crossterm::event::KeyModifiers::SHIFT)
                        .is_empty() =>
                {
                    let q = format!("{}{c}", picker.query);
                    picker.set_query(&q);
                }
                _ if close => app.popup = None,
                _ => return false,
            }
            true
        }
        Some(Popup::Skills(picker)) => match key.code {
            KeyCode::Up => {
                picker.up();
                true
            }
            KeyCode::Down => {
                picker.down();
                true
            }
            KeyCode::Enter | KeyCode::Tab => {
                if let Some(skill) = picker.current().cloned() {
                    insert_skill(app, &skill.name);
                }
                app.popup = None;
                true
            }
            _ if close => {
                app.skill_dismissed = current_word(app).map(|(row, start, _)| (row, start));
                app.popup = None;
                true
            }
            _ => false, // typing goes on into the prompt and refilters
        },
        None => false,
    }
}

/// The word under the cursor: (row, start column, text), in chars.
fn current_word(app: &App) -> Option<(usize, usize, String)> {
    let cursor = app.input.cursor();
    let (row, col) = (cursor.0, cursor.1);
    let line: Vec<char> = app.input.lines().get(row)?.chars().collect();
    let col = col.min(line.len());
    let start = line[..col]
        .iter()
        .rposition(|c| c.is_whitespace())
        .map_or(0, |i| i + 1);
    Some((row, start, line[start..col].iter().collect()))
}

/// Opens, refilters or closes the skill popup after the prompt changed.
pub fn sync_skill_popup(app: &mut App) {
    let word = current_word(app).filter(|(_, _, w)| w.starts_with('$'));
    match word {
        Some((row, start, w)) if app.skill_dismissed != Some((row, start)) => {
            let query = &w[1..];
            match app.popup.as_mut() {
                Some(Popup::Skills(p)) => p.set_query(query),
                None => app.popup = Some(Popup::Skills(Picker::new(app.skills.clone(), query))),
                Some(_) => {}
            }
        }
        _ => {
            if matches!(app.popup, Some(Popup::Skills(_))) {
                app.popup = None;
            }
            if word.is_none() {
                app.skill_dismissed = None;
            }
        }
    }
}

/// Replaces the `$word` under the cursor with `$name `.
fn insert_skill(app: &mut App, name: &str) {
    if let Some((_, start, _)) = current_word(app) {
        let col = app.input.cursor().1;
        for _ in start..col {
            app.input.delete_char();
        }
    }
    app.input.insert_str(format!("${name} "));
}

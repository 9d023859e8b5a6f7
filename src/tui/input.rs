//! Turning terminal input into state changes: keys through the keymap, mouse wheel and
//! clicks by pane, bracketed paste, slash commands, and the `$` skill popup that follows the
//! word under the cursor. Part of `App::update`; no I/O here either.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind};
use ratatui::layout::Rect;

use super::app::{App, Effect, Focus, Popup, Reaction, Who};
use super::keymap::Action;
use super::pickers::Picker;
use super::ui;

pub fn handle_terminal(app: &mut App, ev: Event, fx: &mut Vec<Effect>) {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => on_key(app, k, fx),
        Event::Paste(text) if !app.read_only => {
            app.focus = Focus::Input;
            if !super::attachments::on_paste(app, &text) {
                app.input
                    .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
            }
        }
        Event::Resize(w, h) => app.size = (w, h),
        Event::FocusGained => app.term_focused = true,
        Event::FocusLost => app.term_focused = false,
        Event::Mouse(m) if app.mouse_captured => super::mouse::on_mouse(app, m, fx),
        _ => app.dirty = false,
    }
}

fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let km = app.keymap.clone();
    let was_armed = std::mem::take(&mut app.quit_armed);
    // Sessions switch whatever is on screen: a modal never holds the other sessions up.
    if super::tab_input::on_session_key(app, &key, fx) || on_popup_key(app, key, fx) {
        return;
    }
    // Global keys first: interrupt, quit, help, focus.
    if km.is(Action::Interrupt, &key)
        && let Some(t) = app.turn.running_mut()
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
        app.popups.push(Popup::Help { scroll: 0 });
        return;
    }
    if super::tab_input::on_queue_key(app, &key) {
        return;
    }
    if km.is(Action::Mouse, &key) {
        app.mouse_captured = !app.mouse_captured;
        fx.push(Effect::MouseCapture(app.mouse_captured));
        return;
    }
    if km.is(Action::ShowDiff, &key) {
        app.open_diff();
        return;
    }
    let tree = ui::layout(Rect::new(0, 0, app.size.0, app.size.1), app.tabs.len())
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
    } else if km.is(Action::Editor, &key) {
        fx.push(Effect::Editor);
    } else if km.is(Action::Send, &key) {
        let text = app.input.lines().join("\n");
        if text.trim().is_empty() {
            return;
        }
        app.input = super::app::new_input();
        submit(app, text, fx);
    } else if key.code == KeyCode::Backspace
        && app.input.is_empty()
        && super::attachments::remove_last(app)
    {
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
            "new" if arg.trim_start().starts_with("--worktree") => {
                let name = arg.trim_start().trim_start_matches("--worktree").trim();
                super::tab_input::new_in_worktree(app, name, fx);
            }
            "new" => {
                // A running turn is interrupted first (by the conversation actor).
                app.supersede_turn();
                fx.push(Effect::NewThread);
                app.turn.set_thread(None, Default::default());
                app.context = None;
                app.say(Who::Notice, "new thread: the next prompt starts it");
            }
            "resume" if arg.trim().is_empty() => fx.push(Effect::ListSessions),
            "resume" if !crate::engine::looks_like_thread_id(arg.trim()) => {
                fx.push(Effect::SearchSessions(arg.trim().to_string()))
            }
            "resume" => {
                let id = arg.trim().to_string();
                if crate::engine::looks_like_thread_id(&id) {
                    app.supersede_turn();
                    fx.push(Effect::LoadTranscript(id));
                } else {
                    app.fail(&format!("unknown thread id {id}: a thread id looks like 01a2112e-cb31-7fd3-b664-466522ce36c8"));
                }
            }
            "undo" if app.is_running() => {
                app.fail("a turn is running: interrupt it (Esc) before taking the last one back")
            }
            "undo" if app.thread_id().is_none() => app.fail("nothing to undo: no thread yet"),
            "undo" => {
                app.last_diff = None;
                app.files.clear_changed();
                fx.push(Effect::Undo {
                    force: arg.trim() == "--force",
                });
            }
            "diff" if !arg.trim().is_empty() => {
                match (arg.trim().parse::<i64>(), app.thread_id()) {
                    (Ok(n), Some(id)) if n != 0 => fx.push(Effect::LoadDiff {
                        thread: id.to_string(),
                        turn: n,
                    }),
                    (Ok(_), None) => app.fail("no thread yet: nothing has changed"),
                    _ => app.fail("/diff N: N is a turn number, 1 for the first, -1 for the last"),
                }
            }
            "diff" => app.open_diff(),
            "export" => match app.thread_id() {
                Some(id) => fx.push(Effect::Export(id.to_string())),
                None => app.fail("nothing to export yet: the thread starts with the first prompt"),
            },
            "quit" | "exit" => {
                app.quit = true;
                fx.push(Effect::Quit);
            }
            "help" => app.popups.push(Popup::Help { scroll: 0 }),
            "image" if arg.trim().is_empty() => {
                app.fail("/image PATH: a PNG, JPEG, GIF or WebP file for the next prompt")
            }
            "image" => super::attachments::attach(app, arg),
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
            other if super::tab_input::command(app, other, arg, fx) => {}
            other if super::model_choice::command(app, other, arg, fx) => {}
            other if super::session_admin::command(app, other, arg, fx) => {}
            other => app.fail(&format!("unknown command /{other} (try /help)")),
        }
        return;
    }
    if app.is_running() {
        super::tab_input::while_running(app, text, fx);
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
        activate(app, pane, fx);
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

/// Enter on a pane: expands or folds an event row, opens a folder or previews a file.
pub fn activate(app: &mut App, pane: Focus, fx: &mut Vec<Effect>) {
    match pane {
        Focus::Events => app.events.toggle_selected(),
        Focus::Files => {
            if app.files.toggle_selected() {
                fx.push(Effect::Rescan);
            } else if let Some(e) = app.files.selected_entry() {
                fx.push(Effect::LoadPreview(e.path.clone()));
            }
        }
        _ => {}
    }
}

/// Moves a pane's view or selection by `delta` lines/rows (negative = up / older).
pub fn scroll(app: &mut App, pane: Focus, delta: i64) {
    match pane {
        Focus::Chat | Focus::Input => app.chat.scroll_by(delta),
        Focus::Events => app.events.scroll_by(delta),
        Focus::Files => app.files.select_by(delta),
    }
}

/// Gives the key to the popup on top; returns true when it took it.
fn on_popup_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) -> bool {
    let km = app.keymap.clone();
    let Some(top) = app.popups.top_mut() else {
        return false;
    };
    let reaction = top.on_key(&key, &km, app.now);
    let skills = matches!(top, Popup::Skills(_));
    match reaction {
        Reaction::Consumed => true,
        Reaction::Ignored => false,
        Reaction::Close => {
            if skills {
                app.skill_dismissed = current_word(app).map(|(row, start, _)| (row, start));
            }
            app.popups.pop();
            true
        }
        Reaction::Answer(decision) => {
            app.answer_approval(decision, fx);
            true
        }
        Reaction::Resume(id) => {
            app.popups.pop();
            app.supersede_turn();
            fx.push(Effect::LoadTranscript(id));
            true
        }
        Reaction::InsertSkill(name) => {
            insert_skill(app, &name);
            app.popups.pop();
            true
        }
        Reaction::DeleteSession(id) => {
            super::session_admin::delete(app, &id, fx);
            true
        }
        Reaction::CopyId(id) => {
            fx.push(Effect::Copy(id.clone()));
            app.note(&format!("copied {id}"));
            true
        }
        Reaction::PickModel(model) => {
            app.popups.pop();
            super::model_choice::choose(app, &model, fx);
            true
        }
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
            match app.popups.top_mut() {
                Some(Popup::Skills(p)) => p.set_query(query),
                None => app
                    .popups
                    .push(Popup::Skills(Picker::new(app.skills.clone(), query))),
                Some(_) => {}
            }
        }
        _ => {
            app.popups.close(|p| matches!(p, Popup::Skills(_)));
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

//! Terminal input, resolved as data: a key walks the layer stack top-down — sessions (switching
//! never waits for a modal), the popup on top, the focused pane or the prompt, then the global
//! keys, and last plain typing — and each layer looks the key up in its own keymap context
//! (`Keymap::actions`). The first layer whose action applies takes the key. The footer and the
//! help read the same contexts, so what they offer is what the keys do.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;

use super::super::keymap::{Action, Context, Keymap};
use super::super::layout::layout;
use super::super::pickers::Picker;
use super::super::session_view::Completing;
use super::{App, Effect, Focus, Popup};

/// A layer: takes the key (true) or lets it go on down.
type Layer = fn(&mut App, &KeyEvent, &Keymap, &mut Vec<Effect>) -> bool;

/// Top to bottom.
const LAYERS: [Layer; 5] = [sessions, popup, focused, global, typing];

impl App {
    pub(super) fn on_terminal(&mut self, ev: Event, fx: &mut Vec<Effect>) {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.on_key(k, fx),
            Event::Paste(text) if !self.read_only => {
                self.focus = Focus::Input;
                self.here(fx, |s| s.paste(&text));
                self.sync_completion();
            }
            Event::Resize(w, h) => self.size = (w, h),
            Event::FocusGained => self.term_focused = true,
            Event::FocusLost => self.term_focused = false,
            Event::Mouse(m) if self.mouse_captured => self.on_mouse(m, fx),
            _ => self.dirty = false,
        }
    }

    fn on_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        let km = self.keymap.clone();
        // Ctrl+C twice quits: a key arms it, and any next key disarms it unless it re-arms.
        self.armed_by_last_key = std::mem::take(&mut self.quit_armed);
        for layer in LAYERS {
            if layer(self, &key, &km, fx) {
                break;
            }
        }
    }

    /// Is the tree pane on screen (focus moves through it only then)?
    fn tree_shown(&self) -> bool {
        let area = Rect::new(0, 0, self.size.0, self.size.1);
        layout(area, self.sessions().len()).files.is_some()
    }

    /// Opens, refilters or closes the completion popups after the prompt changed.
    pub(super) fn sync_completion(&mut self) {
        let completing = self.session().completing();
        match completing {
            Completing::Skill(q) => match self.popups.top_mut() {
                Some(Popup::Skills(p)) => p.set_query(&q),
                Some(Popup::Commands(_)) | None => {
                    self.popups.close(|p| matches!(p, Popup::Commands(_)));
                    let skills = self.skills.clone();
                    self.popups.push(Popup::Skills(Picker::new(skills, &q)));
                }
                Some(_) => {}
            },
            // Commands complete by prefix: `/re` is resume and rename, not direct.
            Completing::Command(q) => {
                let list = Picker::new(super::super::commands::complete(&q), &q);
                match self.popups.top_mut() {
                    Some(Popup::Commands(p)) => *p = list,
                    Some(Popup::Skills(_)) | None => {
                        self.popups.close(|p| matches!(p, Popup::Skills(_)));
                        self.popups.push(Popup::Commands(list));
                    }
                    Some(_) => {}
                }
            }
            Completing::Closed | Completing::Nothing => {
                self.popups
                    .close(|p| matches!(p, Popup::Skills(_) | Popup::Commands(_)));
                if completing == Completing::Nothing {
                    self.here(&mut Vec::new(), |s| s.forget_dismissal());
                }
            }
        }
    }
}

/// Session keys: open, next, previous, go to N.
fn sessions(app: &mut App, key: &KeyEvent, km: &Keymap, fx: &mut Vec<Effect>) -> bool {
    let n = app.sessions().len();
    km.actions(Context::Sessions, key)
        .any(|action| match action {
            Action::NewTab => {
                fx.push(Effect::OpenTab(Default::default()));
                true
            }
            Action::NextTab => {
                app.show((app.visible() + 1) % n);
                true
            }
            Action::PrevTab => {
                app.show((app.visible() + n - 1) % n);
                true
            }
            // The digit of the key says which: Alt+3 (or whatever it is bound to) is the third.
            Action::GoToTab => match key.code {
                KeyCode::Char(c @ '1'..='9') => {
                    app.show(c as usize - '1' as usize);
                    true
                }
                _ => false,
            },
            _ => false,
        })
}

/// The popup on top gets the key first; its reaction is carried out in [`super::popups`].
fn popup(app: &mut App, key: &KeyEvent, km: &Keymap, fx: &mut Vec<Effect>) -> bool {
    let now = app.now;
    let Some(top) = app.popups.top_mut() else {
        return false;
    };
    let reaction = top.on_key(key, km, now);
    app.react(reaction, fx)
}

/// The focused pane's keys, or the prompt's.
fn focused(app: &mut App, key: &KeyEvent, km: &Keymap, fx: &mut Vec<Effect>) -> bool {
    match app.focus {
        Focus::Input => km.actions(Context::Prompt, key).any(|action| {
            if app.read_only {
                app.here(fx, |s| s.note("replay is read-only"));
                return true;
            }
            match action {
                Action::Newline => app.here(fx, |s| s.newline()),
                Action::Editor => fx.push(Effect::Editor),
                Action::Send => {
                    if let Some(text) = app.here(fx, |s| s.take_prompt()) {
                        app.popups
                            .close(|p| matches!(p, Popup::Skills(_) | Popup::Commands(_)));
                        app.submit_into(text, fx);
                    }
                }
                Action::Queue => return app.here(fx, |s| s.queue_prompt()),
                _ => return false,
            }
            app.sync_completion();
            true
        }),
        pane => {
            let page = (app.size.1 / 2).max(1) as i64;
            km.actions(Context::Pane, key).any(|action| {
                let step = match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -page,
                    Action::PageDown => page,
                    Action::Top => i64::MIN / 2,
                    Action::Bottom => i64::MAX / 2,
                    Action::Activate => {
                        app.activate(pane, fx);
                        return true;
                    }
                    _ => return false,
                };
                app.scroll(pane, step);
                true
            })
        }
    }
}

/// Keys that work wherever the focus is.
fn global(app: &mut App, key: &KeyEvent, km: &Keymap, fx: &mut Vec<Effect>) -> bool {
    let typing = app.focus == Focus::Input;
    km.actions(Context::Global, key).any(|action| match action {
        Action::Interrupt => {
            let done = app.here(fx, |s| s.interrupt());
            // Ctrl+C interrupts, and a second one quits.
            app.quit_armed = done && km.is(Action::Quit, key);
            done
        }
        Action::Quit => {
            if app.armed_by_last_key || key.code != KeyCode::Char('c') {
                app.quit = true;
                fx.push(Effect::Quit);
            } else {
                app.quit_armed = true;
            }
            true
        }
        Action::Dismiss if app.error.is_some() => {
            app.error = None;
            true
        }
        // In the prompt a plain character is text (`?` types a question mark).
        Action::Help if !(typing && is_text(key)) => {
            app.popups.push(Popup::Help { scroll: 0 });
            true
        }
        Action::Mouse => {
            app.mouse_captured = !app.mouse_captured;
            fx.push(Effect::MouseCapture(app.mouse_captured));
            true
        }
        Action::ShowDiff => {
            app.here(fx, |s| s.open_diff());
            true
        }
        Action::FocusNext => {
            app.focus = app.focus.next(app.tree_shown());
            true
        }
        Action::FocusPrev => {
            app.focus = app.focus.prev(app.tree_shown());
            true
        }
        _ => false,
    })
}

/// What no binding took: typing, into the prompt (from a pane, a character moves there).
fn typing(app: &mut App, key: &KeyEvent, _: &Keymap, fx: &mut Vec<Effect>) -> bool {
    let to_prompt = app.focus == Focus::Input || matches!(key.code, KeyCode::Char(_));
    if !to_prompt {
        return false;
    }
    if app.read_only {
        app.here(fx, |s| s.note("replay is read-only"));
        return true;
    }
    app.focus = Focus::Input;
    app.here(fx, |s| s.type_key(*key));
    app.sync_completion();
    true
}

/// A key that types a character (no modifier but Shift).
fn is_text(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_)) && key.modifiers.difference(KeyModifiers::SHIFT).is_empty()
}

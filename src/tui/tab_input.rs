//! The keys and commands that act on sessions as a whole: open (Ctrl+T, `/tab [DIR]`), close
//! (`/close`), switch (Alt+1…9, Ctrl+PgUp/PgDn), and what Enter does while a turn runs —
//! steer it (app-server) or queue for after it (Tab, and always on the other backends).

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Effect, Focus, Who};
use super::keymap::Action;

impl App {
    /// Text typed while a turn runs goes into it (`turn/steer`): direct turns on the
    /// app-server only; elsewhere it waits for the turn to end.
    pub fn can_steer(&self) -> bool {
        self.is_running() && !self.agent_mode && self.info.backend == "app-server"
    }
}

/// A session key, if `key` is one; true when it was used.
pub fn on_key(app: &mut App, key: &KeyEvent, fx: &mut Vec<Effect>) -> bool {
    let km = app.keymap.clone();
    if km.is(Action::NewTab, key) {
        fx.push(Effect::OpenTab { cwd: None });
    } else if km.is(Action::NextTab, key) {
        app.show_tab((app.visible + 1) % app.tabs.len());
    } else if km.is(Action::PrevTab, key) {
        app.show_tab((app.visible + app.tabs.len() - 1) % app.tabs.len());
    } else if km.is(Action::GoToTab, key) {
        // The digit of the key says which: Alt+3 (or whatever it is bound to) is the third.
        match key.code {
            KeyCode::Char(c @ '1'..='9') => app.show_tab(c as usize - '1' as usize),
            _ => return false,
        }
    } else if app.focus == Focus::Input
        && app.is_running()
        && km.is(Action::Queue, key)
        && !app.input.is_empty()
    {
        let text = app.input.lines().join("\n");
        app.input = super::app::new_input();
        queue(app, text);
    } else {
        return false;
    }
    true
}

/// A session command (`/tab`, `/close`); false when `name` is not one.
pub fn command(app: &mut App, name: &str, arg: &str, fx: &mut Vec<Effect>) -> bool {
    match name {
        "tab" => {
            let dir = arg.trim();
            let cwd = (!dir.is_empty()).then(|| {
                let p = std::path::Path::new(dir);
                if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    app.info.cwd.join(p)
                }
            });
            match &cwd {
                Some(d) if !d.is_dir() => {
                    app.fail(&format!("/tab: {} is not a folder", d.display()))
                }
                _ => fx.push(Effect::OpenTab { cwd }),
            }
        }
        "close" if app.tabs.len() == 1 => {
            app.fail("the last session stays open: /quit leaves the app")
        }
        "close" => {
            let id = app.id;
            if app.is_running() {
                app.supersede_turn();
            }
            app.remove_tab(id);
            fx.push(Effect::CloseTab(id));
        }
        _ => return false,
    }
    true
}

/// A prompt typed while a turn runs: into the turn where the backend can take it, else kept
/// for after it.
pub fn while_running(app: &mut App, text: String, fx: &mut Vec<Effect>) {
    if app.can_steer() {
        app.say(Who::User, &text);
        app.note("sent into the running turn");
        fx.push(Effect::Steer(text));
    } else {
        queue(app, text);
    }
}

fn queue(app: &mut App, text: String) {
    app.turn.queue(text);
    app.note("prompt queued: it is sent when this turn ends");
}

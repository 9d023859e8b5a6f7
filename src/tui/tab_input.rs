//! The keys and commands that act on sessions as a whole: open (Ctrl+T, `/tab [DIR]`), close
//! (`/close`), switch (Alt+1…9, Ctrl+PgUp/PgDn), and what Enter does while a turn runs —
//! steer it (the agent, or a direct turn on the app-server) or queue for after it (Tab, and
//! always for a direct turn on the other backends).

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Effect, Focus, Who};
use super::keymap::Action;
use super::restore::TabSpec;

impl App {
    /// Text typed while a turn runs goes into it: to the agent, which reads it before its
    /// next step, or into a direct turn on the app-server (`turn/steer`); a direct turn on
    /// another backend cannot take it, so it waits for the turn to end.
    pub fn can_steer(&self) -> bool {
        self.steers_agent() || (self.is_running() && self.info.backend == "app-server")
    }

    /// A turn runs and it is the agent's (whatever mode was picked since).
    pub fn steers_agent(&self) -> bool {
        self.turn.running().is_some_and(|t| t.via_agent)
    }
}

/// A key that opens or switches sessions; true when it was one.
pub fn on_session_key(app: &mut App, key: &KeyEvent, fx: &mut Vec<Effect>) -> bool {
    let km = app.keymap.clone();
    if km.is(Action::NewTab, key) {
        fx.push(Effect::OpenTab(TabSpec::default()));
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
    } else {
        return false;
    }
    true
}

/// The queue key in the prompt while a turn runs; true when it was used.
pub fn on_queue_key(app: &mut App, key: &KeyEvent) -> bool {
    if app.focus != Focus::Input
        || !app.is_running()
        || app.input.is_empty()
        || !app.keymap.is(Action::Queue, key)
    {
        return false;
    }
    let text = app.input.lines().join("\n");
    app.input = super::app::new_input();
    queue(app, text);
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
                _ => fx.push(Effect::OpenTab(TabSpec {
                    cwd,
                    ..TabSpec::default()
                })),
            }
        }
        "close" if app.tabs.len() == 1 && app.worktree.is_none() => {
            app.fail("the last session stays open: /quit leaves the app")
        }
        "close" if app.worktree.is_some() && !matches!(arg.trim(), "--keep" | "--remove") => {
            let last = if app.tabs.len() == 1 {
                "; being the last session, it stays open and goes back to your checkout"
            } else {
                ""
            };
            let ask = app.worktree.as_ref().map(|wt| {
                format!(
                    "this session works in the worktree {} (branch {}): /close --keep keeps \
                     it, /close --remove removes it (the branch and its commits stay){last}",
                    wt.path.display(),
                    wt.branch
                )
            });
            app.say(Who::Notice, &ask.unwrap_or_default());
        }
        // The last session stays open but can leave its worktree.
        "close" if app.tabs.len() == 1 => app.leave_worktree(arg.trim() == "--remove", fx),
        "close" => {
            let id = app.id;
            if arg.trim() == "--remove"
                && let Some(wt) = app.worktree.clone()
            {
                fx.push(Effect::RemoveWorktree(wt));
            }
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

/// `/new --worktree NAME`: the tab's next thread works in a new git worktree.
pub fn new_in_worktree(app: &mut App, name: &str, fx: &mut Vec<Effect>) {
    if let Err(e) = crate::session::worktree::check_name(name) {
        return app.fail(&format!("{e:#}"));
    }
    app.supersede_turn();
    app.say(Who::Notice, &format!("creating the worktree {name}…"));
    fx.push(Effect::CreateWorktree(name.to_string()));
}

impl App {
    /// The worktree is there (or is not): the tab moves into it, on a new thread.
    pub(super) fn on_worktree(
        &mut self,
        made: Result<crate::session::worktree::Worktree, String>,
        fx: &mut Vec<Effect>,
    ) {
        match made {
            Ok(wt) => {
                self.move_to(wt.cwd.clone(), fx);
                self.say(
                    Who::Notice,
                    &format!(
                        "new thread in the worktree {} on branch {} (your checkout is untouched)",
                        wt.cwd.display(),
                        wt.branch
                    ),
                );
                self.worktree = Some(wt);
            }
            Err(e) => self.fail(&format!("no worktree: {e}")),
        }
    }

    /// The last tab leaves its worktree: back to the folder it was opened from, in the
    /// user's checkout, on a new thread; the worktree is removed when asked (never forced).
    fn leave_worktree(&mut self, remove: bool, fx: &mut Vec<Effect>) {
        let Some(wt) = self.worktree.take() else {
            return;
        };
        let inside = wt
            .cwd
            .strip_prefix(&wt.path)
            .unwrap_or(std::path::Path::new(""));
        let home = wt.repo.join(inside);
        self.supersede_turn();
        self.move_to(home.clone(), fx);
        self.say(
            Who::Notice,
            &format!(
                "the last session stays open: it works in {} again, on a new thread",
                home.display()
            ),
        );
        if remove {
            fx.push(Effect::RemoveWorktree(wt));
        }
    }

    /// The tab works in `cwd` from now on, on a new thread.
    fn move_to(&mut self, cwd: std::path::PathBuf, fx: &mut Vec<Effect>) {
        self.turn.set_thread(None, Default::default());
        self.info.cwd = cwd.clone();
        self.files = super::files::FileTree::new(cwd.clone());
        fx.push(Effect::MoveTab(cwd));
        fx.push(Effect::Rescan);
    }
}

/// A prompt typed while a turn runs: into the turn where the backend can take it, else kept
/// for after it.
pub fn while_running(app: &mut App, text: String, fx: &mut Vec<Effect>) {
    if app.can_steer() {
        app.say(Who::User, &text);
        app.note(if app.steers_agent() {
            "sent to the agent: it reads it before its next step"
        } else {
            "sent into the running turn"
        });
        fx.push(Effect::Steer(text));
    } else {
        queue(app, text);
    }
}

fn queue(app: &mut App, text: String) {
    app.turn.queue(text);
    app.note("prompt queued: it is sent when this turn ends");
}

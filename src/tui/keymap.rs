//! Key bindings as data.
//!
//! One table says which keys do what, in which context, and how to describe it. The same table
//! drives behaviour (`Keymap::is`), the footer hints, the hints inside popups and the help
//! popup, so they can never disagree, and users can rebind any action from `config.toml`:
//!
//! ```toml
//! [keys]
//! send = ["enter"]
//! newline = ["shift+enter", "alt+enter", "ctrl+j"]
//! ```

pub use super::keyspec::KeySpec;
use std::collections::BTreeMap;

use ratatui::crossterm::event::KeyEvent;

/// Where an action applies: the help groups by it, and each view asks only for its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Anywhere, even over a popup: switching sessions never waits for a modal.
    Sessions,
    /// Anywhere (unless a popup takes the key first).
    Global,
    /// Typing in the prompt box.
    Prompt,
    /// A focused pane, and the lists inside popups.
    Pane,
    /// Any popup.
    Popup,
    /// A list filtered by typing (skills, commands, threads, models): letters are the filter.
    Picker,
    /// The approval modal.
    Approval,
}

impl Context {
    pub const ALL: [Context; 7] = [
        Self::Sessions,
        Self::Global,
        Self::Prompt,
        Self::Pane,
        Self::Popup,
        Self::Picker,
        Self::Approval,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Sessions => "sessions (even over a popup)",
            Self::Global => "anywhere",
            Self::Prompt => "in the prompt",
            Self::Pane => "in a pane or list",
            Self::Popup => "in a popup",
            Self::Picker => "in a list you filter by typing",
            Self::Approval => "when Codex asks for approval",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Send,
    Newline,
    Interrupt,
    Quit,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Activate,
    Help,
    Dismiss,
    Select,
    Close,
    Accept,
    AcceptForSession,
    Decline,
    Cancel,
    NextFile,
    PrevFile,
    ShowDiff,
    NewTab,
    NextTab,
    PrevTab,
    GoToTab,
    Queue,
    Editor,
    DeleteSession,
    CopyId,
    Mouse,
    PickerUp,
    PickerDown,
}

impl Action {
    pub const ALL: [Action; 35] = [
        Self::Send,
        Self::Newline,
        Self::Interrupt,
        Self::Quit,
        Self::FocusNext,
        Self::FocusPrev,
        Self::Up,
        Self::Down,
        Self::PageUp,
        Self::PageDown,
        Self::Top,
        Self::Bottom,
        Self::Activate,
        Self::Help,
        Self::Dismiss,
        Self::Select,
        Self::Close,
        Self::Accept,
        Self::AcceptForSession,
        Self::Decline,
        Self::Cancel,
        Self::NextFile,
        Self::PrevFile,
        Self::ShowDiff,
        Self::NewTab,
        Self::NextTab,
        Self::PrevTab,
        Self::GoToTab,
        Self::Queue,
        Self::Editor,
        Self::DeleteSession,
        Self::CopyId,
        Self::Mouse,
        Self::PickerUp,
        Self::PickerDown,
    ];

    pub fn context(self) -> Context {
        match self {
            Self::Interrupt
            | Self::Quit
            | Self::FocusNext
            | Self::FocusPrev
            | Self::Help
            | Self::ShowDiff
            | Self::Mouse
            | Self::Dismiss => Context::Global,
            Self::NewTab | Self::NextTab | Self::PrevTab | Self::GoToTab => Context::Sessions,
            Self::PickerUp | Self::PickerDown => Context::Picker,
            Self::Send | Self::Newline | Self::Queue | Self::Editor => Context::Prompt,
            Self::Up
            | Self::Down
            | Self::PageUp
            | Self::PageDown
            | Self::Top
            | Self::Bottom
            | Self::Activate => Context::Pane,
            Self::Select
            | Self::Close
            | Self::NextFile
            | Self::PrevFile
            | Self::DeleteSession
            | Self::CopyId => Context::Popup,
            Self::Accept | Self::AcceptForSession | Self::Decline | Self::Cancel => {
                Context::Approval
            }
        }
    }

    /// The name used in `config.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Newline => "newline",
            Self::Interrupt => "interrupt",
            Self::Quit => "quit",
            Self::FocusNext => "focus_next",
            Self::FocusPrev => "focus_prev",
            Self::Up => "up",
            Self::Down => "down",
            Self::PageUp => "page_up",
            Self::PageDown => "page_down",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::Activate => "activate",
            Self::Help => "help",
            Self::Dismiss => "dismiss",
            Self::Select => "select",
            Self::Close => "close",
            Self::Accept => "accept",
            Self::AcceptForSession => "accept_for_session",
            Self::Decline => "decline",
            Self::Cancel => "cancel",
            Self::NextFile => "next_file",
            Self::PrevFile => "prev_file",
            Self::ShowDiff => "show_diff",
            Self::NewTab => "new_tab",
            Self::NextTab => "next_tab",
            Self::PrevTab => "prev_tab",
            Self::GoToTab => "go_to_tab",
            Self::Queue => "queue",
            Self::Editor => "editor",
            Self::DeleteSession => "delete_session",
            Self::CopyId => "copy_id",
            Self::Mouse => "mouse",
            Self::PickerUp => "picker_up",
            Self::PickerDown => "picker_down",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Send => "send the prompt (queued while a turn runs)",
            Self::Newline => "new line in the prompt",
            Self::Interrupt => "interrupt the running turn",
            Self::Quit => "quit (twice, or /quit)",
            Self::FocusNext => "next pane",
            Self::FocusPrev => "previous pane",
            Self::Up => "move / scroll up",
            Self::Down => "move / scroll down",
            Self::PageUp => "page up",
            Self::PageDown => "page down",
            Self::Top => "to the top",
            Self::Bottom => "to the bottom (follow the tail)",
            Self::Activate => "expand a row / open a file or folder",
            Self::Help => "this help",
            Self::Dismiss => "dismiss the error",
            Self::Select => "pick the highlighted entry",
            Self::Close => "close the popup",
            Self::Accept => "accept",
            Self::AcceptForSession => "accept for this session",
            Self::Decline => "decline",
            Self::Cancel => "cancel the turn",
            Self::NextFile => "next file (in a diff)",
            Self::PrevFile => "previous file (in a diff)",
            Self::ShowDiff => "what the turn changed (live while it runs)",
            Self::NewTab => "a new session in a new tab",
            Self::NextTab => "next session",
            Self::PrevTab => "previous session",
            Self::GoToTab => "session 1…9",
            Self::Queue => "queue the prompt for after the running turn",
            Self::Editor => "edit the prompt in $VISUAL / $EDITOR",
            Self::DeleteSession => "forget the thread (resume list; press twice)",
            Self::CopyId => "copy the thread id (in the resume list)",
            Self::Mouse => "mouse to the terminal (select text) and back",
            Self::PickerUp => "previous entry",
            Self::PickerDown => "next entry",
        }
    }
}

/// The binding table.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Action, Vec<KeySpec>)>,
}

fn defaults() -> Vec<(Action, &'static [&'static str])> {
    vec![
        (Action::Send, &["enter"]),
        (Action::Newline, &["shift+enter", "alt+enter", "ctrl+j"]),
        (Action::Interrupt, &["esc", "ctrl+c"]),
        (Action::Quit, &["ctrl+c", "ctrl+q"]),
        (Action::FocusNext, &["tab"]),
        (Action::FocusPrev, &["backtab"]),
        (Action::Up, &["up", "k"]),
        (Action::Down, &["down", "j"]),
        (Action::PageUp, &["pageup"]),
        (Action::PageDown, &["pagedown"]),
        (Action::Top, &["home", "g"]),
        (Action::Bottom, &["end", "shift+g"]),
        (Action::Activate, &["enter", "space"]),
        (Action::Help, &["f1", "?"]),
        (Action::Dismiss, &["esc"]),
        (Action::Select, &["enter", "tab"]),
        (Action::Close, &["esc"]),
        (Action::Accept, &["a", "y"]),
        (Action::AcceptForSession, &["s"]),
        (Action::Decline, &["d", "n"]),
        (Action::Cancel, &["c", "esc"]),
        (Action::NextFile, &["]"]),
        (Action::PrevFile, &["["]),
        (Action::ShowDiff, &["f2", "alt+d"]),
        (Action::NewTab, &["ctrl+t"]),
        (Action::NextTab, &["ctrl+pagedown"]),
        (Action::PrevTab, &["ctrl+pageup"]),
        (
            Action::GoToTab,
            &[
                "alt+1", "alt+2", "alt+3", "alt+4", "alt+5", "alt+6", "alt+7", "alt+8", "alt+9",
            ],
        ),
        (Action::Queue, &["tab"]),
        (Action::Editor, &["ctrl+g"]),
        (Action::DeleteSession, &["delete"]),
        (Action::CopyId, &["ctrl+y"]),
        (Action::Mouse, &["alt+m"]),
        (Action::PickerUp, &["up", "ctrl+p"]),
        (Action::PickerDown, &["down", "ctrl+n"]),
    ]
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = defaults()
            .into_iter()
            .map(|(a, keys)| {
                (
                    a,
                    keys.iter().filter_map(|k| KeySpec::parse(k).ok()).collect(),
                )
            })
            .collect();
        Self { bindings }
    }
}

impl Keymap {
    /// The defaults with `[keys]` overrides from `config.toml` applied. Unknown actions and
    /// unparsable keys are errors that name the culprit.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        let mut map = Self::default();
        for (name, keys) in overrides {
            let action = Action::ALL
                .into_iter()
                .find(|a| a.name() == name)
                .ok_or_else(|| format!("[keys]: unknown action {name:?}"))?;
            let specs = keys
                .iter()
                .map(|k| KeySpec::parse(k))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(slot) = map.bindings.iter_mut().find(|(a, _)| *a == action) {
                slot.1 = specs;
            }
        }
        Ok(map)
    }

    /// Is `key` bound to `action`?
    pub fn is(&self, action: Action, key: &KeyEvent) -> bool {
        self.bindings
            .iter()
            .any(|(a, keys)| *a == action && keys.iter().any(|k| k.matches(key)))
    }

    /// The actions of `context` that `key` is bound to, in table order: a layer tries them
    /// in turn until one applies.
    pub fn actions<'a>(
        &'a self,
        context: Context,
        key: &'a KeyEvent,
    ) -> impl Iterator<Item = Action> + 'a {
        self.bindings
            .iter()
            .filter(move |(a, keys)| a.context() == context && keys.iter().any(|k| k.matches(key)))
            .map(|(a, _)| *a)
    }

    pub fn keys(&self, action: Action) -> &[KeySpec] {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// `Enter` / `Shift+Enter, Alt+Enter` for hints and help.
    pub fn label(&self, action: Action) -> String {
        let names: Vec<String> = self.keys(action).iter().map(ToString::to_string).collect();
        // `Alt+1, Alt+2, … Alt+9` reads as `Alt+1…9`.
        let digits: Vec<(&str, char)> = names
            .iter()
            .filter_map(|n| n.strip_suffix(|c: char| c.is_ascii_digit()).map(|p| (p, n)))
            .filter_map(|(p, n)| Some((p, n.chars().last()?)))
            .collect();
        if names.len() > 2
            && digits.len() == names.len()
            && digits.iter().all(|(p, _)| *p == digits[0].0)
            && digits
                .windows(2)
                .all(|w| w[1].1 as u32 == w[0].1 as u32 + 1)
        {
            let (prefix, first) = digits[0];
            let last = digits[digits.len() - 1].1;
            return format!("{prefix}{first}…{last}");
        }
        names.join(", ")
    }

    /// Rows for the help popup, grouped by context: `(Some(title), ..)` opens a group,
    /// then `(None, keys, description)` per action.
    pub fn help_rows(&self) -> Vec<(Option<&'static str>, String, &'static str)> {
        let mut rows = Vec::new();
        for ctx in Context::ALL {
            rows.push((Some(ctx.title()), String::new(), ""));
            rows.extend(
                self.bindings
                    .iter()
                    .filter(|(a, _)| a.context() == ctx)
                    .map(|(a, _)| (None, self.label(*a), a.describe())),
            );
        }
        rows
    }

    /// The first key of `action`, for an inline hint (`?` when it has none).
    pub fn first(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map_or_else(|| "?".into(), ToString::to_string)
    }

    /// The footer: a few actions with their first key.
    pub fn hints(&self, actions: &[(Action, &'static str)]) -> Vec<(String, &'static str)> {
        actions
            .iter()
            .filter_map(|(a, what)| self.keys(*a).first().map(|k| (k.to_string(), *what)))
            .collect()
    }
}

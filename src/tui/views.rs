//! Popups as a stack of views. The top view gets every key first and answers what it did
//! with it ([`Reaction`]): consumed, ignored (the key goes on to the prompt or the panes), or
//! a request the App carries out (answer an approval, resume a thread, insert a skill). Keys
//! are looked up in the keymap's popup, approval and pane contexts — no literal key here
//! but the typing that filters a picker.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::files::Preview;
use super::keymap::{Action, Keymap};
use super::pickers::Picker;
use crate::engine::{ApprovalDecision, ApprovalKind};
use crate::session::SessionRecord;
use crate::skills::Skill;

/// How long an approval modal ignores answers after it opens: a key typed into the prompt
/// just as it appears (`s` of a word, Esc) must not accept or cancel anything.
pub const APPROVAL_GUARD: Duration = Duration::from_millis(500);

/// An approval request waiting for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalView {
    pub run: u64,
    pub request_id: String,
    pub kind: ApprovalKind,
    pub command: Option<String>,
    pub cwd: Option<String>,
    pub reason: Option<String>,
    pub diff: Option<String>,
    /// When answers start to count (set as the modal opens: now + [`APPROVAL_GUARD`]).
    pub armed_at: Option<Instant>,
    /// First line shown: long commands and diffs scroll rather than being cut.
    pub scroll: u16,
}

/// A turn's diff on screen: its lines, where each file starts, how far it is scrolled.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffView {
    /// Which turn: "the last turn", "turn 2".
    pub label: String,
    pub files: usize,
    pub lines: Vec<String>,
    /// `lines` rendered (numbers, colours, emphasis), once, one line each.
    pub styled: Vec<ratatui::text::Line<'static>>,
    pub file_starts: Vec<usize>,
    /// The file each of `file_starts` begins, as the patch names it.
    pub file_paths: Vec<String>,
    pub scroll: u16,
    /// Codex's diff of a running turn, kept current until the turn's own diff replaces it.
    pub live: bool,
}

impl DiffView {
    pub fn new(label: &str, diff: &crate::session::checkpoint::TurnDiff) -> Self {
        let (lines, file_starts) = crate::present::diff_lines(diff);
        let stat = file_starts.first().copied().unwrap_or(lines.len());
        let theme = super::render::theme::current();
        let styled = lines[..stat]
            .iter()
            .map(|l| ratatui::text::Line::styled(l.clone(), theme.file))
            .chain(
                super::render::diff::render(&lines[stat..], theme)
                    .into_iter()
                    .map(|p| p.line),
            )
            .collect();
        Self {
            label: label.to_string(),
            files: diff.files.len(),
            lines,
            styled,
            file_starts,
            file_paths: crate::present::diff::split(&diff.patch)
                .into_iter()
                .map(|(path, _)| path)
                .collect(),
            scroll: 0,
            live: false,
        }
    }

    /// The running turn's diff so far, as Codex reports it.
    pub fn live(diff: &crate::session::checkpoint::TurnDiff) -> Self {
        Self {
            live: true,
            ..Self::new("the running turn so far (Codex's edits)", diff)
        }
    }

    /// New content, same place.
    pub fn refresh(&mut self, diff: &crate::session::checkpoint::TurnDiff) {
        let scroll = self.scroll;
        *self = Self {
            scroll,
            label: std::mem::take(&mut self.label),
            ..Self::live(diff)
        };
    }

    /// To the next (or previous) file's part of the patch.
    fn jump(&mut self, forward: bool) {
        let at = self.scroll as usize;
        let to = if forward {
            self.file_starts.iter().find(|&&s| s > at)
        } else {
            self.file_starts.iter().rev().find(|&&s| s < at)
        };
        if let Some(&s) = to {
            self.scroll = u16::try_from(s).unwrap_or(u16::MAX);
        }
    }
}

/// The picker keys move in a list; true when `key` was one.
fn picker_move<T: super::pickers::Pickable>(
    picker: &mut Picker<T>,
    key: &KeyEvent,
    km: &Keymap,
) -> bool {
    if km.is(Action::PickerUp, key) {
        picker.up();
    } else if km.is(Action::PickerDown, key) {
        picker.down();
    } else {
        return false;
    }
    true
}

/// Typing filters a picker, the picker keys move in it.
fn filter_key<T: super::pickers::Pickable>(
    picker: &mut Picker<T>,
    key: &KeyEvent,
    km: &Keymap,
) -> Reaction {
    if picker_move(picker, key, km) {
        return Reaction::Consumed;
    }
    match key.code {
        KeyCode::Backspace => {
            let mut q = picker.query.clone();
            q.pop();
            picker.set_query(&q);
        }
        KeyCode::Char(c) if key.modifiers.difference(KeyModifiers::SHIFT).is_empty() => {
            let q = format!("{}{c}", picker.query);
            picker.set_query(&q);
        }
        _ => return Reaction::Ignored,
    }
    Reaction::Consumed
}

pub enum Popup {
    Approval(ApprovalView),
    Skills(Picker<Skill>),
    /// Completion of a `/command` being typed.
    Commands(Picker<&'static super::commands::Spec>),
    Resume(Picker<SessionRecord>),
    Models(Picker<crate::engine::app_lists::CodexModel>),
    Help {
        scroll: u16,
    },
    /// `/diff [N]`: what a turn changed.
    Diff(DiffView),
    /// `/review`'s findings: Enter shows where one is (its file's diff, or the file).
    Findings(Picker<crate::engine::review::Finding>),
    Preview(Preview),
}

/// What a view did with a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Reaction {
    /// Handled; nothing else to do.
    Consumed,
    /// Not this view's key: it goes on (typing into the prompt under the skill picker).
    Ignored,
    /// Close this view.
    Close,
    /// The approval on screen was answered.
    Answer(ApprovalDecision),
    /// Resume this thread (from the resume picker).
    Resume(String),
    /// Insert `$name ` for this skill (from the skill picker).
    InsertSkill(String),
    /// Complete the command being typed to `/name ` (from the command popup).
    Complete(String),
    /// Use this model from the next turn (from the model picker).
    PickModel(String),
    /// Forget this stored thread (resume picker, Delete; the App asks to confirm).
    DeleteSession(String),
    /// Put this thread id on the clipboard (resume picker).
    CopyId(String),
    /// Show where this review finding is (findings list).
    ShowFinding(Box<crate::engine::review::Finding>),
}

impl Popup {
    /// `now` is when the key arrived (the App's clock).
    pub fn on_key(&mut self, key: &KeyEvent, km: &Keymap, now: Instant) -> Reaction {
        let is = |a: Action| km.is(a, key);
        match self {
            Popup::Approval(a) => {
                let armed = a.armed_at.is_none_or(|at| now >= at);
                let decision = [
                    (Action::Accept, ApprovalDecision::Accept),
                    (Action::AcceptForSession, ApprovalDecision::AcceptForSession),
                    (Action::Decline, ApprovalDecision::Decline),
                    (Action::Cancel, ApprovalDecision::Cancel),
                ]
                .into_iter()
                .find(|(a, _)| is(*a));
                match decision {
                    Some((_, d)) if armed => Reaction::Answer(d),
                    // The modal holds the keyboard until it is answered.
                    _ => {
                        a.scroll = scrolled(a.scroll, key, km);
                        Reaction::Consumed
                    }
                }
            }
            Popup::Diff(view) => {
                if is(Action::Close) || is(Action::Select) {
                    return Reaction::Close;
                }
                if is(Action::NextFile) || is(Action::PrevFile) {
                    view.jump(is(Action::NextFile));
                } else {
                    view.scroll = scrolled(view.scroll, key, km);
                }
                Reaction::Consumed
            }
            Popup::Help { scroll } => {
                if is(Action::Close) || is(Action::Help) || is(Action::Select) {
                    Reaction::Close
                } else {
                    *scroll = scrolled(*scroll, key, km);
                    Reaction::Consumed
                }
            }
            Popup::Preview(p) => {
                if is(Action::Close) || is(Action::Select) {
                    Reaction::Close
                } else {
                    p.scroll = scrolled(p.scroll, key, km);
                    Reaction::Consumed
                }
            }
            Popup::Models(picker) => {
                if is(Action::Close) {
                    return Reaction::Close;
                }
                if is(Action::Select) && key.code != KeyCode::Tab {
                    return match picker.current() {
                        Some(m) => Reaction::PickModel(m.id.clone()),
                        None => Reaction::Close,
                    };
                }
                filter_key(picker, key, km)
            }
            Popup::Findings(picker) => {
                if is(Action::Close) {
                    return Reaction::Close;
                }
                if is(Action::Select) && key.code != KeyCode::Tab {
                    return match picker.current() {
                        Some(f) => Reaction::ShowFinding(Box::new(f.clone())),
                        None => Reaction::Close,
                    };
                }
                filter_key(picker, key, km)
            }
            Popup::Resume(picker) => {
                if is(Action::Close) {
                    return Reaction::Close;
                }
                if is(Action::Select) && key.code != KeyCode::Tab {
                    return match picker.current() {
                        Some(r) => Reaction::Resume(r.id.clone()),
                        None => Reaction::Close,
                    };
                }
                match (
                    picker.current(),
                    is(Action::DeleteSession),
                    is(Action::CopyId),
                ) {
                    (Some(r), true, _) => Reaction::DeleteSession(r.id.clone()),
                    (Some(r), _, true) => Reaction::CopyId(r.id.clone()),
                    _ => filter_key(picker, key, km),
                }
            }
            Popup::Skills(picker) => {
                if is(Action::Close) {
                    return Reaction::Close;
                }
                if is(Action::Select) {
                    return match picker.current() {
                        Some(s) => Reaction::InsertSkill(s.name.clone()),
                        None => Reaction::Close,
                    };
                }
                // Typing goes on into the prompt, which refilters the picker.
                match picker_move(picker, key, km) {
                    true => Reaction::Consumed,
                    false => Reaction::Ignored,
                }
            }
            Popup::Commands(picker) => {
                if is(Action::Close) {
                    return Reaction::Close;
                }
                if is(Action::Select) {
                    return match picker.current() {
                        // Complete already: the key goes on (Enter sends the command).
                        Some(s) if s.name == picker.query => Reaction::Ignored,
                        Some(s) => Reaction::Complete(s.name.to_string()),
                        None => Reaction::Close,
                    };
                }
                match picker_move(picker, key, km) {
                    true => Reaction::Consumed,
                    false => Reaction::Ignored,
                }
            }
        }
    }

    /// The keys this view offers, for the footer while it is on top.
    pub fn hints(&self) -> Vec<(Action, &'static str)> {
        match self {
            Popup::Approval(_) => vec![
                (Action::Accept, "accept"),
                (Action::AcceptForSession, "for session"),
                (Action::Decline, "decline"),
                (Action::Cancel, "cancel"),
            ],
            Popup::Skills(_)
            | Popup::Commands(_)
            | Popup::Resume(_)
            | Popup::Models(_)
            | Popup::Findings(_) => vec![
                (Action::PickerUp, "move"),
                (Action::Select, "pick"),
                (Action::Close, "close"),
            ],
            Popup::Diff(_) => vec![
                (Action::Down, "scroll"),
                (Action::NextFile, "next file"),
                (Action::PrevFile, "previous"),
                (Action::Close, "close"),
            ],
            Popup::Help { .. } | Popup::Preview(_) => {
                vec![(Action::Down, "scroll"), (Action::Close, "close")]
            }
        }
    }
}

/// A scroll offset moved by the pane keys (up, down, page up, page down, top).
fn scrolled(at: u16, key: &KeyEvent, km: &Keymap) -> u16 {
    if km.is(Action::Up, key) {
        at.saturating_sub(1)
    } else if km.is(Action::Down, key) {
        at.saturating_add(1)
    } else if km.is(Action::PageUp, key) {
        at.saturating_sub(20)
    } else if km.is(Action::PageDown, key) {
        at.saturating_add(20)
    } else if km.is(Action::Top, key) {
        0
    } else {
        at
    }
}

/// The open popups, bottom to top.
#[derive(Default)]
pub struct Popups(Vec<Popup>);

impl Popups {
    pub fn top(&self) -> Option<&Popup> {
        self.0.last()
    }

    pub fn top_mut(&mut self) -> Option<&mut Popup> {
        self.0.last_mut()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bottom to top, for drawing.
    pub fn iter(&self) -> impl Iterator<Item = &Popup> {
        self.0.iter()
    }

    pub fn push(&mut self, p: Popup) {
        self.0.push(p);
    }

    pub fn pop(&mut self) -> Option<Popup> {
        self.0.pop()
    }

    /// Closes every view `which` picks.
    pub fn close(&mut self, which: impl Fn(&Popup) -> bool) {
        self.0.retain(|p| !which(p));
    }

    pub fn any(&self, which: impl Fn(&Popup) -> bool) -> bool {
        self.0.iter().any(which)
    }
}

//! Where things are on screen: the panes' rectangles for a terminal size, and which pane has
//! the keyboard. Drawing and mouse hit-testing both read it, so a click lands on the pane that
//! was drawn there.

use ratatui::layout::{Constraint, Layout, Rect};

/// The pane that gets the keys no popup took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Input,
    Chat,
    Events,
    Files,
}

impl Focus {
    pub fn next(self, tree_visible: bool) -> Self {
        match self {
            Self::Input => Self::Chat,
            Self::Chat => Self::Events,
            Self::Events if tree_visible => Self::Files,
            _ => Self::Input,
        }
    }
    pub fn prev(self, tree_visible: bool) -> Self {
        match self {
            Self::Input if tree_visible => Self::Files,
            Self::Input => Self::Events,
            Self::Files => Self::Events,
            Self::Events => Self::Chat,
            Self::Chat => Self::Input,
        }
    }
}

/// Where each pane goes for a given terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub chat: Rect,
    pub input: Rect,
    pub events: Rect,
    /// `None` on narrow terminals: the tree collapses first.
    pub files: Option<Rect>,
    pub status: Rect,
    pub footer: Rect,
    /// The session bar, when there is more than one session.
    pub bar: Option<Rect>,
}

/// The areas for a screen of `area`, with the session bar on top when `sessions` > 1.
pub fn layout(area: Rect, sessions: usize) -> Areas {
    let bar_h = u16::from(sessions > 1);
    let [bar, main, status, footer] = Layout::vertical([
        Constraint::Length(bar_h),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let (left, events, files) = if area.width >= 110 {
        let [l, e, f] = Layout::horizontal([
            Constraint::Percentage(40),
            Constraint::Percentage(40),
            Constraint::Min(24),
        ])
        .areas(main);
        (l, e, Some(f))
    } else if area.width >= 70 {
        let [l, e] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(main);
        (l, e, None)
    } else {
        let [l, e] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(main);
        (l, e, None)
    };
    let input_h = 5.min(left.height.saturating_sub(3)).max(3);
    let [chat, input] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(input_h)]).areas(left);
    Areas {
        chat,
        input,
        events,
        files,
        status,
        footer,
        bar: (bar_h > 0).then_some(bar),
    }
}

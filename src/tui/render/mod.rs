//! Pure functions from text to styled lines: Markdown, code, diffs, command output with its
//! colours — the leaf every pane draws with. Nothing here knows the App, a session or a
//! terminal; each function takes the [`theme::Theme`] to draw in.

pub mod ansi;
pub mod diff;
pub mod highlight;
pub mod markdown;
pub mod theme;
pub mod wrap;

pub use theme::Theme;
pub use wrap::{Para, wrap};

/// Every paragraph fitted to `width`, in order.
pub fn fit<'a>(
    paras: impl IntoIterator<Item = &'a Para>,
    width: usize,
) -> Vec<ratatui::text::Line<'static>> {
    paras.into_iter().flat_map(|p| wrap(p, width)).collect()
}

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

/// The spinner's frames, one per tick while something runs.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// A duration as the status bar and rows show it: `4.2s`, `3m07s`.
pub fn secs(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

//! The context and rate-limit meters as text, with how urgent each is.
//!
//! The TUI's status bar and `codexmcp exec`'s end-of-turn line show the same two meters —
//! how full the model's context window is, and how much of each rate-limit window the account
//! has used — so their wording and thresholds are decided here once; the front ends only
//! colour them by [`Level`].

use crate::engine::event::RateWindow;
use crate::text::one_line;

/// How close a meter is to its limit: yellow from 75 %, red from 90 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Calm,
    Near,
    Over,
}

impl Level {
    pub fn of(percent: f64) -> Self {
        match percent {
            p if p >= 90.0 => Self::Over,
            p if p >= 75.0 => Self::Near,
            _ => Self::Calm,
        }
    }
}

/// `1.2k`-style token counts.
pub fn tokens(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// `ctx 41k/258k 16%`, or `ctx 41k` when the window is unknown.
pub fn context(used: u64, window: Option<u64>) -> (String, Level) {
    match window.filter(|w| *w > 0) {
        Some(w) => {
            let pct = used as f64 * 100.0 / w as f64;
            (
                format!("ctx {}/{} {pct:.0}%", tokens(used), tokens(w)),
                Level::of(pct),
            )
        }
        None => (format!("ctx {}", tokens(used)), Level::Calm),
    }
}

/// `limits 5h 42% · 7d 10%`, coloured by the fullest window; `None` without windows.
pub fn limits(windows: &[RateWindow]) -> Option<(String, Level)> {
    if windows.is_empty() {
        return None;
    }
    let worst = windows.iter().map(|w| w.used_percent).fold(0.0, f64::max);
    let parts: Vec<String> = windows
        .iter()
        .map(|w| {
            let span = match w.window_minutes {
                Some(m) if m >= 1440 => format!("{}d", m / 1440),
                Some(m) if m >= 60 => format!("{}h", m / 60),
                Some(m) => format!("{m}m"),
                None => one_line(&w.name, 12),
            };
            format!("{span} {:.0}%", w.used_percent)
        })
        .collect();
    Some((format!("limits {}", parts.join(" · ")), Level::of(worst)))
}

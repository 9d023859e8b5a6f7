//! The colours Codex's words are drawn in, dark or light, picked once at start from the
//! terminal's background; `NO_COLOR` keeps the shapes (bold, italic, underline) and drops
//! every colour.
//!
//! The theme is process-wide and fixed before the first frame ([`set`]): content is styled
//! when it arrives, not on every frame, so it must not change under it. Render functions take
//! a `&Theme` so tests can draw both.

use std::sync::OnceLock;
use std::time::Duration;

use ratatui::style::{Color, Modifier, Style};

/// Which palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dark,
    Light,
    /// `NO_COLOR`: modifiers only.
    Plain,
}

/// Styles for rendered text, code and diffs.
#[derive(Debug, Clone)]
pub struct Theme {
    pub kind: Kind,
    pub heading: Style,
    pub code: Style,
    pub link: Style,
    pub quote: Style,
    pub marker: Style,
    pub rule: Style,
    pub code_frame: Style,
    pub added: Style,
    pub removed: Style,
    pub added_word: Style,
    pub removed_word: Style,
    pub hunk: Style,
    pub line_no: Style,
    pub file: Style,
}

impl Theme {
    pub fn dark() -> Self {
        Self::coloured(
            Kind::Dark,
            Color::Rgb(0x2a, 0x4d, 0x2a),
            Color::Rgb(0x5a, 0x24, 0x24),
        )
    }

    pub fn light() -> Self {
        Self::coloured(
            Kind::Light,
            Color::Rgb(0xc8, 0xf0, 0xc8),
            Color::Rgb(0xf6, 0xc8, 0xc8),
        )
    }

    fn coloured(kind: Kind, add_bg: Color, del_bg: Color) -> Self {
        let (code, link, dim) = match kind {
            Kind::Light => (Color::Rgb(0x8b, 0x3a, 0x0e), Color::Blue, Color::Gray),
            _ => (
                Color::Rgb(0xe5, 0xb5, 0x67),
                Color::LightBlue,
                Color::DarkGray,
            ),
        };
        Self {
            kind,
            heading: Style::new().add_modifier(Modifier::BOLD).fg(Color::Cyan),
            code: Style::new().fg(code),
            link: Style::new().fg(link).add_modifier(Modifier::UNDERLINED),
            quote: Style::new().fg(dim).add_modifier(Modifier::ITALIC),
            marker: Style::new().fg(dim),
            rule: Style::new().fg(dim),
            code_frame: Style::new().fg(dim),
            added: Style::new().fg(Color::Green),
            removed: Style::new().fg(Color::Red),
            added_word: Style::new()
                .fg(Color::Green)
                .bg(add_bg)
                .add_modifier(Modifier::BOLD),
            removed_word: Style::new()
                .fg(Color::Red)
                .bg(del_bg)
                .add_modifier(Modifier::BOLD),
            hunk: Style::new().fg(Color::Cyan),
            line_no: Style::new().fg(dim),
            file: Style::new().add_modifier(Modifier::BOLD),
        }
    }

    pub fn plain() -> Self {
        let none = Style::new();
        Self {
            kind: Kind::Plain,
            heading: none.add_modifier(Modifier::BOLD),
            code: none,
            link: none.add_modifier(Modifier::UNDERLINED),
            quote: none.add_modifier(Modifier::ITALIC),
            marker: none,
            rule: none,
            code_frame: none,
            added: none,
            removed: none,
            added_word: none.add_modifier(Modifier::BOLD),
            removed_word: none.add_modifier(Modifier::CROSSED_OUT),
            hunk: none,
            line_no: none,
            file: none.add_modifier(Modifier::BOLD),
        }
    }

    pub fn of(kind: Kind) -> Self {
        match kind {
            Kind::Dark => Self::dark(),
            Kind::Light => Self::light(),
            Kind::Plain => Self::plain(),
        }
    }
}

static CURRENT: OnceLock<Theme> = OnceLock::new();

/// Fixes the theme for this process; later calls change nothing.
pub fn set(kind: Kind) {
    let _ = CURRENT.set(Theme::of(kind));
}

/// The theme fixed at start (dark when nothing was set, as in tests).
pub fn current() -> &'static Theme {
    CURRENT.get_or_init(Theme::dark)
}

pub use crate::config::ThemeChoice as Choice;

/// The palette for this terminal: `NO_COLOR` wins; then the config's choice; on `auto`, the
/// background the terminal reports (`query`: an OSC 11 answer, asked by the caller in raw
/// mode), else `COLORFGBG`, else dark.
pub fn pick(
    choice: Choice,
    no_color: bool,
    query: impl FnOnce() -> Option<(u16, u16, u16)>,
) -> Kind {
    if no_color {
        return Kind::Plain;
    }
    match choice {
        Choice::Dark => Kind::Dark,
        Choice::Light => Kind::Light,
        Choice::Auto => query()
            .map(|(r, g, b)| light_rgb(r, g, b))
            .or_else(|| {
                std::env::var("COLORFGBG")
                    .ok()
                    .and_then(|v| light_colorfgbg(&v))
            })
            .map_or(
                Kind::Dark,
                |light| if light { Kind::Light } else { Kind::Dark },
            ),
    }
}

/// A background is light when its luma passes the middle (16-bit channels, as OSC 11 says).
fn light_rgb(r: u16, g: u16, b: u16) -> bool {
    let luma = 0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b);
    luma > 32_767.0
}

/// `COLORFGBG="15;0"`: foreground;background as ANSI colour numbers (rxvt's convention).
fn light_colorfgbg(v: &str) -> Option<bool> {
    let bg: u8 = v.rsplit(';').next()?.trim().parse().ok()?;
    Some(matches!(bg, 7 | 9..=15))
}

/// Parses a terminal's answer to `ESC ] 11 ; ? BEL`: `ESC ] 11 ; rgb:RRRR/GGGG/BBBB` ended by
/// BEL or ST; channels of 1–4 hex digits, scaled to 16 bits.
pub fn parse_osc11(answer: &[u8]) -> Option<(u16, u16, u16)> {
    let text = std::str::from_utf8(answer).ok()?;
    let start = text.find("rgb:")? + 4;
    let body: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '/')
        .collect();
    let mut parts = body.split('/').map(|p| {
        let v = u32::from_str_radix(p, 16).ok()?;
        let max = (1u32 << (4 * p.len() as u32)).checked_sub(1)?;
        (!p.is_empty() && p.len() <= 4).then(|| (v * 0xffff / max) as u16)
    });
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// How long to wait for the terminal's answer before assuming it will not come.
pub const QUERY_TIMEOUT: Duration = Duration::from_millis(100);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc11_answers_of_every_width_parse() {
        assert_eq!(
            parse_osc11(b"\x1b]11;rgb:ffff/ffff/ffff\x07"),
            Some((0xffff, 0xffff, 0xffff))
        );
        assert_eq!(
            parse_osc11(b"\x1b]11;rgb:00/80/ff\x1b\\"),
            Some((0, 0x8080, 0xffff))
        );
        assert_eq!(parse_osc11(b"\x1b]11;rgb:1/2\x07"), None);
        assert_eq!(parse_osc11(b"garbage"), None);
    }

    #[test]
    fn the_background_picks_the_palette() {
        assert_eq!(
            pick(Choice::Auto, false, || Some((0xffff, 0xffff, 0xf000))),
            Kind::Light
        );
        assert_eq!(
            pick(Choice::Auto, false, || Some((0x1000, 0x1000, 0x1000))),
            Kind::Dark
        );
        assert_eq!(pick(Choice::Light, false, || Some((0, 0, 0))), Kind::Light);
        assert_eq!(
            pick(Choice::Auto, true, || Some((0xffff, 0xffff, 0xffff))),
            Kind::Plain
        );
        assert_eq!(light_colorfgbg("0;15"), Some(true));
        assert_eq!(light_colorfgbg("15;0"), Some(false));
        assert_eq!(light_colorfgbg("default"), None);
    }
}

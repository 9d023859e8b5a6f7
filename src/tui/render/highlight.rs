//! Syntax colours for code blocks and diff lines, from syntect's bundled Sublime grammars and
//! its pure-Rust regex engine (no C build on CI).
//!
//! Loading the grammars takes milliseconds, so [`warm`] loads them on a blocking thread at
//! start, before the first code block needs them. The work is bounded: a block over
//! [`MAX_LINES`] lines, or with a line over [`MAX_LINE`] bytes, is shown uncoloured rather than
//! let a hostile block hold the UI task.

use std::sync::LazyLock;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, ThemeSet};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::theme::{Kind, Theme};

/// Longest block highlighted.
pub const MAX_LINES: usize = 2_000;
/// Longest line highlighted.
pub const MAX_LINE: usize = 1_000;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);
static THEMES: LazyLock<ThemeSet> = LazyLock::new(ThemeSet::load_defaults);

/// Loads the grammars and themes (call off the UI task, early).
pub fn warm() {
    LazyLock::force(&SYNTAXES);
    LazyLock::force(&THEMES);
}

/// The grammar for a fence's language token (`rust`, `py`, `sh` …) or a file's extension.
fn syntax(token: &str) -> Option<&'static SyntaxReference> {
    let token = token.trim().trim_start_matches('.');
    if token.is_empty() {
        return None;
    }
    let lower = token.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "ts" | "tsx" | "typescript" | "jsx" | "mjs" | "cjs" => "js",
        "shell" | "bash" | "zsh" | "console" => "sh",
        "toml" | "ini" | "cfg" => "ini",
        "yml" => "yaml",
        other => other,
    };
    SYNTAXES
        .find_syntax_by_token(alias)
        .or_else(|| SYNTAXES.find_syntax_by_extension(alias))
}

/// The language of a path, by its extension (for diffs).
pub fn language_of(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    name.rsplit_once('.').map(|(_, ext)| ext)
}

/// `code` coloured as `lang`, one line per line of code; `None` when there is no grammar, no
/// colour (`NO_COLOR`), or the block is too big to colour.
pub fn highlight(code: &str, lang: &str, theme: &Theme) -> Option<Vec<Line<'static>>> {
    let name = match theme.kind {
        Kind::Plain => return None,
        Kind::Dark => "base16-ocean.dark",
        Kind::Light => "InspiredGitHub",
    };
    let syntax = syntax(lang)?;
    if code.lines().count() > MAX_LINES || code.lines().any(|l| l.len() > MAX_LINE) {
        return None;
    }
    let mut h = HighlightLines::new(syntax, THEMES.themes.get(name)?);
    let mut out = Vec::new();
    for line in LinesWithEndings::from(code) {
        let ranges = h.highlight_line(line, &SYNTAXES).ok()?;
        let spans: Vec<Span<'static>> = ranges
            .into_iter()
            .map(|(style, text)| {
                Span::styled(
                    text.trim_end_matches(['\n', '\r']).to_string(),
                    convert(style),
                )
            })
            .filter(|s| !s.content.is_empty())
            .collect();
        out.push(Line::from(spans));
    }
    Some(out)
}

/// A syntect style as a ratatui one: the foreground and the font; never the background (the
/// terminal's own stays).
fn convert(s: syntect::highlighting::Style) -> Style {
    let mut style = Style::new().fg(Color::Rgb(s.foreground.r, s.foreground.g, s.foreground.b));
    if s.font_style.contains(FontStyle::BOLD) {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.font_style.contains(FontStyle::ITALIC) {
        style = style.add_modifier(Modifier::ITALIC);
    }
    if s.font_style.contains(FontStyle::UNDERLINE) {
        style = style.add_modifier(Modifier::UNDERLINED);
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_are_coloured_and_the_text_is_kept() {
        let code = "fn main() {\n    let x = \"hi\";\n}\n";
        let lines = highlight(code, "rust", &Theme::dark()).expect("rust is known");
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(text, ["fn main() {", "    let x = \"hi\";", "}"]);
        let colours: std::collections::HashSet<_> = lines
            .iter()
            .flat_map(|l| l.spans.iter().map(|s| s.style.fg))
            .collect();
        assert!(
            colours.len() > 2,
            "keywords, strings and text differ: {colours:?}"
        );
        assert!(highlight(code, "py", &Theme::light()).is_some());
        assert!(highlight("ls -la", "bash", &Theme::dark()).is_some());
    }

    #[test]
    fn unknown_languages_plain_themes_and_huge_blocks_are_left_alone() {
        assert!(highlight("x", "no-such-language", &Theme::dark()).is_none());
        assert!(highlight("x", "", &Theme::dark()).is_none());
        assert!(highlight("fn x() {}", "rust", &Theme::plain()).is_none());
        let long = "a".repeat(MAX_LINE + 1);
        assert!(highlight(&long, "rust", &Theme::dark()).is_none());
        assert_eq!(language_of("src/main.rs"), Some("rs"));
        assert_eq!(language_of("Makefile"), None);
    }
}

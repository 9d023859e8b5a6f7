//! Styled lines fitted to a width: words move to the next line whole, a word longer than a
//! line is cut, and each continuation line starts with the line's hanging prefix (a list
//! item's indent, a quote's bar), so rendering stays right at any width.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// One logical line of rendered text, before it meets a width.
#[derive(Debug, Clone, PartialEq)]
pub struct Para {
    pub line: Line<'static>,
    /// What each continuation line starts with.
    pub hang: Vec<Span<'static>>,
    /// Code: cut at the width where it overflows, never at a space.
    pub verbatim: bool,
}

impl Para {
    pub fn new(line: Line<'static>) -> Self {
        Self {
            line,
            hang: Vec::new(),
            verbatim: false,
        }
    }
}

fn width_of(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Builds lines span by span, merging neighbours of one style.
struct Out {
    lines: Vec<Line<'static>>,
    spans: Vec<(Style, String)>,
    used: usize,
    /// Drop the spaces a line ends with (prose, not code).
    trim: bool,
}

impl Out {
    fn push(&mut self, style: Style, text: &str) {
        self.used += width_of(text);
        match self.spans.last_mut() {
            Some((s, t)) if *s == style => t.push_str(text),
            _ => self.spans.push((style, text.to_string())),
        }
    }

    fn end_line(&mut self, hang: &[Span<'static>]) {
        if let Some((_, t)) = self.spans.last_mut().filter(|_| self.trim) {
            let kept = t.trim_end_matches(' ').len();
            t.truncate(kept);
        }
        let spans = std::mem::take(&mut self.spans)
            .into_iter()
            .filter(|(_, t)| !t.is_empty())
            .map(|(s, t)| Span::styled(t, s))
            .collect::<Vec<_>>();
        self.lines.push(Line::from(spans));
        self.used = 0;
        for s in hang {
            self.push(s.style, &s.content);
        }
    }
}

/// `para` fitted to `width` columns (at least 1).
pub fn wrap(para: &Para, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let hang_w: usize = para.hang.iter().map(|s| width_of(&s.content)).sum();
    // A hang as wide as the line would leave no room: drop it rather than loop.
    let hang: &[Span<'static>] = if hang_w + 1 >= width { &[] } else { &para.hang };
    let floor = hang.iter().map(|s| width_of(&s.content)).sum::<usize>();
    let mut out = Out {
        lines: Vec::new(),
        spans: Vec::new(),
        used: 0,
        trim: !para.verbatim,
    };
    for span in &para.line.spans {
        let style = para.line.style.patch(span.style);
        let pieces: Box<dyn Iterator<Item = &str>> = if para.verbatim {
            Box::new(std::iter::once(span.content.as_ref()))
        } else {
            Box::new(span.content.split_inclusive(' '))
        };
        for piece in pieces {
            let w = width_of(piece.trim_end_matches(' '));
            if !para.verbatim && out.used + w > width && out.used > floor {
                out.end_line(hang);
            }
            let piece = if out.used == floor && !para.verbatim && floor > 0 {
                piece.trim_start_matches(' ')
            } else {
                piece
            };
            // Prose may end a line with spaces (they are trimmed); code may not.
            let need = if para.verbatim { width_of(piece) } else { w };
            if out.used + need <= width {
                out.push(style, piece);
                continue;
            }
            // Longer than what is left: cut it by columns.
            let mut cut = String::new();
            for c in piece.chars() {
                let cw = c.width().unwrap_or(0);
                if out.used + width_of(&cut) + cw > width && (out.used > floor || !cut.is_empty()) {
                    out.push(style, &std::mem::take(&mut cut));
                    out.end_line(hang);
                }
                cut.push(c);
            }
            out.push(style, &cut);
        }
    }
    out.end_line(&[]);
    out.lines
}

/// Splits `text` into lines of at most `width` columns (by display width, wide chars kept whole).
pub fn plain(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let width = width.max(1);
    let mut out = Vec::new();
    for raw in text.split('\n') {
        let mut line = String::new();
        let mut w = 0;
        for word in raw.split_inclusive(' ') {
            let ww: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
            if w + ww > width && w > 0 {
                out.push(std::mem::take(&mut line).trim_end().to_string());
                w = 0;
            }
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if w + cw > width {
                    out.push(std::mem::take(&mut line));
                    w = 0;
                }
                line.push(c);
                w += cw;
            }
        }
        out.push(line.trim_end().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Stylize;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn words_move_whole_and_continuations_hang() {
        let p = Para {
            line: Line::from(vec![
                "- ".into(),
                "alpha beta ".into(),
                "gamma".bold(),
                " delta".into(),
            ]),
            hang: vec!["  ".into()],
            verbatim: false,
        };
        assert_eq!(text(&wrap(&p, 12)), ["- alpha beta", "  gamma", "  delta"]);
        let bold = wrap(&p, 12)[1].spans.iter().any(|s| {
            s.content == "gamma"
                && s.style
                    .add_modifier
                    .contains(ratatui::style::Modifier::BOLD)
        });
        assert!(bold, "styles survive the wrap");
    }

    #[test]
    fn long_words_and_code_are_cut_not_lost() {
        let p = Para::new(Line::from("abcdefghij"));
        assert_eq!(text(&wrap(&p, 4)), ["abcd", "efgh", "ij"]);
        let code = Para {
            line: Line::from("let x = 1;   // spaces kept"),
            hang: Vec::new(),
            verbatim: true,
        };
        assert_eq!(
            text(&wrap(&code, 13)).concat(),
            "let x = 1;   // spaces kept"
        );
        assert_eq!(text(&wrap(&code, 13))[0], "let x = 1;   ");
    }

    #[test]
    fn wide_characters_count_two_columns_and_tiny_widths_terminate() {
        let p = Para::new(Line::from("日本語テキスト"));
        assert_eq!(text(&wrap(&p, 6)), ["日本語", "テキス", "ト"]);
        let hung = Para {
            line: Line::from("word word word"),
            hang: vec!["      ".into()],
            verbatim: false,
        };
        for w in 0..8 {
            assert!(!wrap(&hung, w).is_empty());
        }
        assert_eq!(text(&wrap(&Para::new(Line::from("")), 10)), [""]);
    }
}

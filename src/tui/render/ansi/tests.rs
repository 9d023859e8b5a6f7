//! Colours kept as styles; the text always exactly what `sanitize` shows; pieces may split
//! anything.

use proptest::prelude::*;

use super::*;
use crate::text::sanitize;

fn text(o: &Output) -> String {
    o.lines()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn colours_become_styles_and_never_bytes() {
    let o = Output::of(
        "\x1b[1;31mFAIL\x1b[0m ok \x1b[38;5;208mo\x1b[38;2;1;2;3mr\x1b[m\n",
        true,
    );
    let line = o.lines().next().unwrap();
    assert_eq!(line.to_string(), "FAIL ok or");
    assert_eq!(
        line.spans[0].style,
        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
    );
    assert_eq!(line.spans[1].style, Style::new());
    assert_eq!(line.spans[2].style.fg, Some(Color::Indexed(208)));
    assert_eq!(line.spans[3].style.fg, Some(Color::Rgb(1, 2, 3)));
    assert!(o.lines().all(|l| !l.to_string().contains('\x1b')));
    let plain = Output::of("\x1b[1;32mok\x1b[0m", false);
    let s = plain.lines().next().unwrap().spans[0].style;
    assert_eq!((s.fg, s.add_modifier), (None, Modifier::BOLD));
}

#[test]
fn other_sequences_are_shown_or_dropped_as_before() {
    let raw = "a\x1b]0;title\x07b\x1b[2Kc\x1b[31;m\x07d";
    assert_eq!(text(&Output::of(raw, true)), sanitize(raw));
}

#[test]
fn an_sgr_split_between_pieces_is_still_a_colour() {
    let mut o = Output::new(true);
    for piece in ["x\x1b", "[3", "2mgreen\x1b[0", "m!"] {
        o.push(piece);
    }
    let line = o.lines().next().unwrap();
    assert_eq!(line.to_string(), "xgreen!");
    assert_eq!(line.spans[1].style.fg, Some(Color::Green));
}

#[test]
fn memory_is_bounded() {
    let mut o = Output::new(true);
    for i in 0..(MAX_LINES * 3) {
        o.push(&format!("line {i}\n"));
    }
    o.push(&"y".repeat(MAX_WIDTH * 2));
    assert!(o.lines().len() <= MAX_LINES + 1);
    assert_eq!(
        o.lines().last().unwrap().to_string().chars().count(),
        MAX_WIDTH
    );
}

proptest! {
    #[test]
    fn the_text_is_what_sanitize_shows(raw in "[a-z \\n\\x1b\\[;0-9m\\x07\\]\\t\\r]{0,80}", cut in 0usize..80) {
        let whole = text(&Output::of(&raw, true));
        let mut o = Output::new(true);
        let cut = (0..=cut.min(raw.len())).rev().find(|c| raw.is_char_boundary(*c)).unwrap_or(0);
        o.push(&raw[..cut]);
        o.push(&raw[cut..]);
        // Whole or in two pieces, the lines read as sanitize reads the output (a dangling
        // escape at the very end is held back, waiting for the rest).
        let expect = sanitize(&raw);
        if incomplete_tail(&raw) == 0 {
            prop_assert_eq!(whole.trim_end_matches('\n'), expect.trim_end_matches('\n'));
        }
        prop_assert_eq!(text(&o), whole);
    }
}

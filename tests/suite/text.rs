//! Terminal safety of untrusted text.

use codexmcp::text::{one_line, sanitize};

#[test]
fn escape_sequences_are_removed_whole() {
    let cases = [
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x1b]0;title\x07b", "ab"),
        ("a\x1b]52;c;Zm9v\x1b\\b", "ab"),
        ("a\x1bPqdcs\x1b\\b", "ab"),
        ("x\u{9b}2Jy", "xy"),
        ("\x1bcreset", "reset"),
        ("tab\there", "tab    here"),
        ("cr\r\nlf", "cr\nlf"),
        ("bell\x07", "bell\u{fffd}"),
        ("wide 日本 ok", "wide 日本 ok"),
        ("dangling\x1b", "dangling"),
    ];
    for (input, want) in cases {
        assert_eq!(sanitize(input), want, "{input:?}");
    }
}

#[test]
fn one_line_joins_and_cuts() {
    assert_eq!(one_line("a\nb", 10), "a⏎b");
    assert_eq!(one_line("abcdef", 3), "abc…");
}

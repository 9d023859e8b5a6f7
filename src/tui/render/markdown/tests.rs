//! The Markdown renderer tried on each construct, on streaming, and drawn in every theme.

use ratatui::style::Modifier;

use super::*;
use crate::tui::render::{Theme, fit};

fn text(src: &str, width: usize) -> Vec<String> {
    fit(&render(src, &Theme::dark()), width)
        .iter()
        .map(|l| l.to_string())
        .collect()
}

fn styled(src: &str, needle: &str) -> Style {
    render(src, &Theme::dark())
        .iter()
        .flat_map(|p| p.line.spans.clone())
        .find(|s| s.content.contains(needle))
        .map(|s| s.style)
        .unwrap_or_else(|| panic!("{needle:?} not in {src:?}"))
}

#[test]
fn no_markup_characters_reach_the_screen() {
    let src = "# Plan\n\n**Planning** the `main.rs` change, *carefully*.\n\n- one\n- two\n  - nested\n\n1. first\n2. second\n\n> quoted **bold**\n\n---\n\nSee [docs](https://example.com).";
    let shown = text(src, 60).join("\n");
    for raw in ["**", "`", "# ", "](", "> "] {
        assert!(!shown.contains(raw), "{raw:?} leaked:\n{shown}");
    }
    assert_eq!(
        text(src, 60),
        [
            "Plan",
            "",
            "Planning the main.rs change, carefully.",
            "",
            "• one",
            "• two",
            "  • nested",
            "",
            "1. first",
            "2. second",
            "",
            "│ quoted bold",
            "",
            "────────────────────────",
            "",
            "See docs (https://example.com).",
        ]
    );
}

#[test]
fn each_markup_has_its_style() {
    let t = Theme::dark();
    assert!(
        styled("**bold** x", "bold")
            .add_modifier
            .contains(Modifier::BOLD)
    );
    assert!(
        styled("*it* x", "it")
            .add_modifier
            .contains(Modifier::ITALIC)
    );
    assert!(
        styled("~~gone~~ x", "gone")
            .add_modifier
            .contains(Modifier::CROSSED_OUT)
    );
    assert_eq!(styled("a `code` b", "code").fg, t.code.fg);
    assert_eq!(styled("# Head", "Head").fg, t.heading.fg);
    assert!(
        styled("[l](http://x)", "l")
            .add_modifier
            .contains(Modifier::UNDERLINED)
    );
}

#[test]
fn list_items_hang_under_their_text_when_wrapped() {
    let src = "- a long item that needs to wrap around\n10. numbered";
    assert_eq!(
        text(src, 16),
        [
            "• a long item",
            "  that needs to",
            "  wrap around",
            "",
            "10. numbered"
        ]
    );
    assert_eq!(
        text("- [x] done\n- [ ] todo", 40),
        ["• [x] done", "• [ ] todo"]
    );
}

#[test]
fn fenced_code_is_coloured_indented_and_kept_verbatim() {
    let src = "Run:\n\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n";
    let paras = render(src, &Theme::dark());
    let code: Vec<&Para> = paras.iter().filter(|p| p.verbatim).collect();
    assert_eq!(code.len(), 3);
    assert_eq!(code[1].line.to_string(), "      println!(\"hi\");");
    let colours: std::collections::HashSet<_> = code
        .iter()
        .flat_map(|p| p.line.spans.iter().map(|s| s.style.fg))
        .collect();
    assert!(colours.len() > 2, "{colours:?}");
    let plain = render("```\nx  y\n```", &Theme::plain());
    assert_eq!(plain[0].line.to_string(), "  x  y");
}

#[test]
fn tables_line_up() {
    let src = "| name | n |\n|---|--:|\n| alpha | 1 |\n| b | 22 |\n";
    assert_eq!(
        text(src, 60),
        ["name  │ n ", "──────┼───", "alpha │ 1 ", "b     │ 22"]
    );
}

#[test]
fn a_growing_message_keeps_its_final_blocks_and_matches_a_whole_render() {
    let t = Theme::dark();
    let full = "# Title\n\nFirst paragraph.\n\n```sh\necho one\n\necho two\n```\n\n- a\n- b\n\nLast words.";
    let mut r = Rendered::default();
    for end in (0..=full.len()).filter(|&i| full.is_char_boundary(i)) {
        r.update(&full[..end], &t);
    }
    let streamed: Vec<String> = fit(r.paras(), 40).iter().map(|l| l.to_string()).collect();
    assert_eq!(streamed, text(full, 40));
    assert!(
        r.stable_src > 0 && r.stable_src < full.len(),
        "blocks became final"
    );
    assert_eq!(&full[r.stable_src..], "Last words.");
    // A blank line inside a fence is no boundary.
    assert_eq!(last_boundary("```\na\n\nb\n", 0), 0);
    // Text that does not extend what was seen starts over.
    r.update("Other", &t);
    assert_eq!(fit(r.paras(), 40)[0].to_string(), "Other");
}

#[test]
fn snapshots_in_both_themes() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;
    let src = include_str!("sample.md");
    for (name, theme) in [
        ("dark", Theme::dark()),
        ("light", Theme::light()),
        ("plain", Theme::plain()),
    ] {
        let mut term = Terminal::new(TestBackend::new(60, 23)).unwrap();
        let lines = fit(&render(src, &theme), 60);
        term.draw(|f| f.render_widget(Paragraph::new(lines), f.area()))
            .unwrap();
        insta::assert_debug_snapshot!(format!("markdown_{name}"), term.backend().buffer());
    }
}

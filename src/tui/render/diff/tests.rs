//! The diff renderer: numbers from hunk headers, word emphasis, and every theme drawn.

use ratatui::style::Modifier;

use super::*;
use crate::tui::render::fit;

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

const PATCH: &str = "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -10,3 +10,3 @@\n fn keep() {}\n-let total = price * 2;\n+let total = price * 3;\n fn after() {}\n";

#[test]
fn numbers_come_from_the_hunk_header() {
    let shown: Vec<String> = fit(&render(&lines(PATCH), &Theme::plain()), 80)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        shown,
        [
            "--- a/src/lib.rs",
            "+++ b/src/lib.rs",
            "@@ -10,3 +10,3 @@",
            "  10   10  fn keep() {}",
            "  11      -let total = price * 2;",
            "       11 +let total = price * 3;",
            "  12   12  fn after() {}",
        ]
    );
}

#[test]
fn only_the_changed_word_is_emphasised() {
    let theme = Theme::dark();
    let paras = render(&lines(PATCH), &theme);
    let emphasised = |p: &Para| -> String {
        p.line
            .spans
            .iter()
            .filter(|s| s.style.add_modifier.contains(Modifier::BOLD) && s.style.bg.is_some())
            .map(|s| s.content.to_string())
            .collect()
    };
    // Words as whitespace separates them: the changed one is `2;`.
    assert_eq!(emphasised(&paras[4]), "2;");
    assert_eq!(emphasised(&paras[5]), "3;");
    // Rust colours: more than the diff's own two.
    let colours: std::collections::HashSet<_> =
        paras[5].line.spans.iter().map(|s| s.style.fg).collect();
    assert!(colours.len() > 2, "{colours:?}");
}

#[test]
fn a_rewritten_line_is_not_speckled_and_removed_lines_inside_hunks_are_not_headers() {
    let patch =
        "@@ -1,2 +1,2 @@\n-alpha beta gamma\n--- not a header\n+totally different words\n+x\n";
    let paras = render(&lines(patch), &Theme::dark());
    assert!(
        paras[1].line.spans.iter().all(|s| s.style.bg.is_none()),
        "no word emphasis"
    );
    assert_eq!(paras[2].line.to_string(), "   2      --- not a header");
}

#[test]
fn codex_file_changes_count_from_one() {
    let shown: Vec<String> = fit(
        &render(
            &lines("── add web/app.py\n+print('a')\n+print('b')"),
            &Theme::plain(),
        ),
        80,
    )
    .iter()
    .map(|l| l.to_string())
    .collect();
    assert_eq!(shown[2], "        2 +print('b')");
}

#[test]
fn snapshots_in_both_themes() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;
    for (name, theme) in [
        ("dark", Theme::dark()),
        ("light", Theme::light()),
        ("plain", Theme::plain()),
    ] {
        let mut term = Terminal::new(TestBackend::new(50, 8)).unwrap();
        let shown = fit(&render(&lines(PATCH), &theme), 50);
        term.draw(|f| f.render_widget(Paragraph::new(shown), f.area()))
            .unwrap();
        insta::assert_debug_snapshot!(format!("diff_{name}"), term.backend().buffer());
    }
}

#[test]
fn a_deleted_file_then_a_new_one_keeps_its_headers() {
    let patch = "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+print('x')\n";
    let shown: Vec<String> = fit(&render(&lines(patch), &Theme::plain()), 80)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(shown[3], "   1      -bye");
    assert_eq!(shown[4], "--- /dev/null");
    assert_eq!(shown[5], "+++ b/new.py");
    assert_eq!(shown[7], "        1 +print('x')");
}

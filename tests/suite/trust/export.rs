//! An export shows what the model wrote, never obeys it: a transcript rendered as Markdown
//! hides nothing, whatever HTML or unbalanced fences the model's text holds.

use crate::support::codex::Sandbox;
use crate::support::mock_openai::{MockServer, Out, Step};

fn render(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(markdown));
    html
}

/// The model says something ending in `<!--`, runs a command, and says `-->` after it: a
/// renderer of the old export hid the command that really ran; then it leaves a fence open,
/// which swallowed the rest of the document. Rendered now, the command is there as text, no
/// comment or tag of the model's survives, and its fence ends with its message; the JSON export
/// keeps the text exactly as the model wrote it.
#[tokio::test]
async fn model_text_cannot_hide_what_ran_in_an_export() {
    let server = MockServer::start(vec![
        Step::outs(vec![
            Out::Message("Just tidying up. <!--".into()),
            Out::Shell("echo removed-everything".into()),
        ]),
        Step::message("All good. --> <details><summary>x</summary>\n```\nan open fence"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx.run(&["exec", "--json", "tidy up"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let id = run.thread_id();

    let md = sbx.run(&["export", &id]).await;
    assert_eq!(md.code, Some(0), "{}", md.stderr);
    let html = render(&md.stdout);
    assert!(!html.contains("<!--"), "a comment hides the rest:\n{html}");
    assert!(!html.contains("<details><summary>x"), "{html}");
    assert!(html.contains("removed-everything"), "{html}");
    assert!(
        html.contains("Just tidying up. &lt;!--"),
        "shown as written:\n{html}"
    );
    // What follows the model's open fence (the turn's summary) is not swallowed by it.
    assert!(
        md.stdout.contains("an open fence\n```\n"),
        "closed:\n{}",
        md.stdout
    );
    assert!(html.contains("<em>Turn done:"), "{html}");

    let json = sbx.run(&["export", &id, "--format", "json"]).await;
    assert!(
        json.stdout.contains("Just tidying up. <!--"),
        "JSON stays exact"
    );
}

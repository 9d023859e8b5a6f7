//! `codexmcp export THREAD_ID`: a stored thread as Markdown or JSON, to stdout or a file; and
//! `codexmcp diff THREAD_ID`: what one of its turns changed in the working dir.

use std::path::Path;

use crate::cli::{EXIT_FAILED, EXIT_OK, ExportFormat};
use crate::config::Settings;
use crate::session::Store;

pub fn run(id: &str, format: ExportFormat, output: Option<&Path>, settings: &Settings) -> i32 {
    let store = match Store::open_default() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("codexmcp export: cannot open the session store: {e:#}");
            return EXIT_FAILED;
        }
    };
    let prices = crate::agent::cost::PriceTable::new(&settings.prices);
    let doc = match crate::present::export::document(&store, id, format, &prices) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("codexmcp export: {e}");
            return EXIT_FAILED;
        }
    };
    match output {
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(doc.as_bytes());
            EXIT_OK
        }
        Some(path) => match std::fs::write(path, doc) {
            Ok(()) => {
                eprintln!(
                    "wrote {}",
                    crate::text::one_line(&path.display().to_string(), 300)
                );
                EXIT_OK
            }
            Err(e) => {
                eprintln!("codexmcp export: {}: {e}", path.display());
                EXIT_FAILED
            }
        },
    }
}

/// `codexmcp diff`: the unified diff (or the diffstat) of turn `turn` of `id` (1-based; negative
/// counts from the last).
pub fn diff(id: &str, turn: i64, stat: bool) -> i32 {
    let run = || -> Result<String, String> {
        let store =
            crate::session::checkpoint::Store::open_default().map_err(|e| format!("{e:#}"))?;
        let (_, _, diff) = store.numbered_turn(id, turn)?;
        let ignored = crate::present::diff::ignored_summary(&diff.ignored).unwrap_or_default();
        Ok(if stat {
            let stat = crate::present::diffstat(&diff.files);
            match (stat, ignored.is_empty()) {
                (None, true) => "no changes\n".into(),
                (stat, _) => stat.unwrap_or_default() + &ignored,
            }
        } else {
            // File contents are somebody else's text: shown, never obeyed, by a terminal.
            crate::text::clean(&diff.patch) + &ignored
        })
    };
    match run() {
        Ok(text) => {
            use std::io::Write;
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            EXIT_OK
        }
        Err(e) => {
            eprintln!("codexmcp diff: {e}");
            EXIT_FAILED
        }
    }
}

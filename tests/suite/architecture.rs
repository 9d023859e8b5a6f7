//! The shape of the code, checked: imports point down the layers of DESIGN.md §2, no source
//! file grows past 500 lines, and every module opens with a `//!` paragraph on why it exists.
//!
//! The layer of a top-level module is its rank below; a module may use only modules of a
//! lower rank (front ends do not use each other either). A new top-level module must be given
//! a rank here, or this test fails.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LAYERS: &[(&str, u8)] = &[
    ("text", 0),
    ("cli", 0),
    ("config", 1),
    ("scripted_model", 1),
    ("logging", 2),
    ("skills", 2),
    ("engine", 3),
    ("session", 4),
    ("agent", 5),
    ("present", 6),
    ("batch", 6),
    ("tui", 7),
    ("headless", 7),
    ("mcp_server", 7),
    ("doctor", 7),
    ("demo", 7),
];

pub(super) fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

pub(super) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`None` for `main.rs` / `lib.rs`).
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "main" && name != "lib").then_some(name)
}

/// The top-level modules a file names through `crate::` paths (comments ignored).
fn uses(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c}`: every first segment in the braces.
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

fn rank(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

#[test]
fn imports_point_down_only() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(f)).collect();
    let mut wrong = Vec::new();
    for m in &modules {
        if rank(m).is_none() {
            wrong.push(format!(
                "module {m} is not placed in a layer (add it to LAYERS)"
            ));
        }
    }
    for f in &files {
        let Some(module) = module_of(f) else { continue };
        let Some(mine) = rank(&module) else { continue };
        let text = std::fs::read_to_string(f).unwrap();
        for used in uses(&text)
            .into_iter()
            .filter(|u| *u != module && modules.contains(u))
        {
            if let Some(theirs) = rank(&used)
                && theirs >= mine
            {
                wrong.push(format!(
                    "{} ({module}, layer {mine}) uses {used} (layer {theirs})",
                    f.strip_prefix(src()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up or sideways:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_upward_imports() {
    // The parser above must catch both spellings, or the test proves nothing.
    assert!(uses("use crate::tui::app::App;").contains("tui"));
    assert!(uses("use crate::{engine, session::Store};").contains("session"));
    assert!(uses("let x = crate::agent::DEFAULT_MODEL;").contains("agent"));
    assert!(!uses("// crate::tui is only mentioned").contains("tui"));
}

#[test]
fn files_are_short_and_say_why_they_exist() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let lines = text.lines().count();
        if lines > 500 {
            wrong.push(format!("{}: {lines} lines (over 500)", f.display()));
        }
        if !text.trim_start().starts_with("//!") {
            wrong.push(format!("{}: no `//!` paragraph at the top", f.display()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

//! The top-level rule applied inside each module: its children (`src/tui/app/`, `src/tui/ui.rs`,
//! …) import each other without a circle, so each module can be read bottom-up — the TUI's
//! `App` above its sessions, popups and panes, never beneath them. Paths are resolved from
//! `crate::`, `super::` and `self::`, `use` groups included.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::architecture::{rust_files, src};

/// `src/tui/app/mod.rs` → `[tui, app]`; `src/tui/ui/bar.rs` → `[tui, ui, bar]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Every absolute module path that `text`, written in module `here`, names.
fn paths(text: &str, here: &[String]) -> Vec<Vec<String>> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let starts = ["crate::", "super::", "self::"]
            .iter()
            .any(|h| rest.starts_with(h));
        let boundary = code[..i]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if !(starts && boundary) {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let mut cur: Vec<String> = here.to_vec();
        let mut tail = rest;
        loop {
            let word = ident(tail);
            match word {
                "crate" => cur.clear(),
                "super" => {
                    cur.pop();
                }
                "self" => {}
                "" => break,
                w => cur.push(w.to_string()),
            }
            tail = &tail[word.len()..];
            match tail.strip_prefix("::") {
                Some(t) if t.starts_with('{') => {
                    let inner = &t[1..t.find('}').unwrap_or(t.len())];
                    for part in inner.split(',') {
                        let mut p = cur.clone();
                        p.push(ident(part.trim()).to_string());
                        out.push(p);
                    }
                    tail = &t[t.find('}').map_or(t.len(), |e| e + 1)..];
                    break;
                }
                Some(t) => tail = t,
                None => break,
            }
        }
        out.push(cur);
        i += (rest.len() - tail.len()).max(1);
    }
    out
}

/// The circles among `module`'s children: groups of more than one child that import each
/// other (strongly connected components).
fn circles(src: &Path, module: &str) -> Vec<BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src.join(module), &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let here = module_path(src, f);
        let Some(child) = here.get(1).cloned() else {
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        let entry = edges.entry(child.clone()).or_default();
        for p in paths(&text, &here) {
            if p.first().map(String::as_str) == Some(module)
                && let Some(other) = p.get(1)
                && *other != child
            {
                entry.insert(other.clone());
            }
        }
    }
    let children: BTreeSet<String> = edges.keys().cloned().collect();
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for m in edges.get(&n).into_iter().flatten() {
                if children.contains(m) && seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        children.iter().map(|c| (c, reach(c))).collect();
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for c in &children {
        let circle: BTreeSet<String> = children
            .iter()
            .filter(|d| *d == c || (reached[c].contains(*d) && reached[*d].contains(c)))
            .cloned()
            .collect();
        if circle.len() > 1 && !found.contains(&circle) {
            found.push(circle);
        }
    }
    found
}

#[test]
fn no_module_has_a_circle_among_its_children() {
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(src()).unwrap().map(Result::unwrap) {
        if entry.path().is_dir() {
            let module = entry.file_name().to_string_lossy().into_owned();
            for c in circles(&src(), &module) {
                let names: Vec<&str> = c.iter().map(String::as_str).collect();
                wrong.push(format!("{module}: {}", names.join(" <-> ")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "circles inside modules:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_path_reader_resolves_super_self_crate_and_groups() {
    let here: Vec<String> = ["tui", "app", "keys"].map(String::from).to_vec();
    let found = paths(
        "use super::super::{chat::Who, effect::Effect};\nuse crate::tui::ui;\n// super::nope\nfn f() { self::g(); super::App::new(); }",
        &here,
    );
    let has = |p: &[&str]| {
        found
            .iter()
            .any(|f| f.iter().map(String::as_str).eq(p.iter().copied()))
    };
    assert!(has(&["tui", "chat"]), "{found:?}");
    assert!(has(&["tui", "effect"]), "{found:?}");
    assert!(has(&["tui", "ui"]), "{found:?}");
    assert!(has(&["tui", "app", "App", "new"]), "{found:?}");
    assert!(
        !found.iter().any(|f| f.iter().any(|s| s == "nope")),
        "comments are not code"
    );
}

#[test]
fn the_checker_finds_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m");
    std::fs::create_dir_all(m.join("b")).unwrap();
    std::fs::write(m.join("a.rs"), "use super::b::Thing;\n").unwrap();
    std::fs::write(m.join("b/mod.rs"), "mod deep;\n").unwrap();
    std::fs::write(m.join("b/deep.rs"), "use crate::m::{a::Other, c};\n").unwrap();
    std::fs::write(m.join("c.rs"), "use super::super::m::a;\n").unwrap();
    let found = circles(dir.path(), "m");
    let want: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
    assert_eq!(found, [want]);
}

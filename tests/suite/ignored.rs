//! What `.gitignore` / `.ignore` files ignore is checkpointed by its status only — a turn that
//! installs packages costs no reads of them — yet never lost: the turn's diff lists it as
//! changed in ignored paths, undo says it cannot restore it, and `--include-ignored`
//! checkpoints everything. Plus: checkpoints of earlier formats still load.

use std::collections::BTreeMap;

use crate::support::codex::Sandbox;
use crate::support::mock_openai::{MockServer, Step};
use codexmcp::session::checkpoint::{Entry, Kind, RelPath, Store};

/// A real turn runs `npm install` (offline, of a local package): `node_modules/` is ignored,
/// so only its folder's status is kept; the diff lists `package.json` and the lock file, and
/// names `node_modules/` with how many files it now holds; undo puts `package.json` back and
/// says what it cannot.
#[tokio::test]
async fn a_package_install_is_listed_not_read_and_undo_says_so() {
    let install = "cd pkg && npm_config_cache=$PWD/../.npm-cache npm pack --silent >/dev/null && cd .. \
         && npm_config_cache=$PWD/.npm-cache npm install --offline --no-audit --no-fund \
         ./pkg/left-pad-local-1.0.0.tgz";
    let server = MockServer::start(vec![Step::shell(install), Step::message("installed")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let out = sbx.output();
    std::fs::create_dir_all(out.join("pkg")).unwrap();
    std::fs::write(
        out.join("pkg/package.json"),
        r#"{"name":"left-pad-local","version":"1.0.0","main":"index.js"}"#,
    )
    .unwrap();
    std::fs::write(out.join("pkg/index.js"), "module.exports = s => s;\n").unwrap();
    std::fs::write(
        out.join("package.json"),
        "{\"name\":\"app\",\"version\":\"1.0.0\"}\n",
    )
    .unwrap();
    std::fs::write(
        out.join(".gitignore"),
        "node_modules/\n.npm-cache/\n*.tgz\n",
    )
    .unwrap();

    let run = sbx
        .run(&["exec", "--json", "install the local package"])
        .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        out.join("node_modules/left-pad-local/index.js").is_file(),
        "npm ran"
    );
    let events = run.events();
    let diff = events.iter().find(|e| e["type"] == "turn.diff").unwrap();
    let paths: Vec<&str> = diff["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(paths.contains(&"package.json"), "{diff}");
    assert!(paths.contains(&"package-lock.json"), "{diff}");
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("node_modules") || p.ends_with(".tgz")),
        "ignored paths are not checkpointed: {diff}"
    );
    let ignored = diff["ignored"].as_array().unwrap();
    let modules = ignored
        .iter()
        .find(|i| i["path"] == "node_modules")
        .unwrap();
    assert_eq!(modules["folder"], true);
    assert!(modules["files"].as_u64().unwrap() >= 3, "{modules}");

    let id = run.thread_id();
    let shown = sbx.run(&["diff", &id, "--stat"]).await;
    assert!(
        shown
            .stdout
            .contains("changed in ignored paths (not checkpointed): ")
            && shown.stdout.contains("node_modules/ ("),
        "{}",
        shown.stdout
    );
    let undo = sbx.run(&["undo", &id]).await;
    assert_eq!(undo.code, Some(0), "{}\n{}", undo.stdout, undo.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("package.json")).unwrap(),
        "{\"name\":\"app\",\"version\":\"1.0.0\"}\n"
    );
    assert!(!out.join("package-lock.json").exists());
    assert!(
        undo.stdout
            .contains("not restored (ignored: not checkpointed): ")
            && undo.stdout.contains("node_modules/"),
        "{}",
        undo.stdout
    );
}

/// With `--include-ignored`, what ignore files ignore is checkpointed like everything else.
#[tokio::test]
async fn include_ignored_checkpoints_everything() {
    let server = MockServer::start(vec![
        Step::shell("mkdir -p build && printf 'out\\n' > build/a.o"),
        Step::message("built"),
    ])
    .await;
    let sbx = Sandbox::new(&server.base_url());
    std::fs::create_dir_all(sbx.output()).unwrap();
    std::fs::write(sbx.output().join(".gitignore"), "build/\n").unwrap();
    let run = sbx
        .run(&["exec", "--json", "--include-ignored", "build it"])
        .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let events = run.events();
    let diff = events.iter().find(|e| e["type"] == "turn.diff").unwrap();
    assert_eq!(diff["files"][0]["path"], "build/a.o", "{diff}");
    assert!(diff.get("ignored").is_none(), "{diff}");
}

fn entry(kind: Kind, hash: Option<&str>) -> Entry {
    let mut e = Entry::blank(kind);
    e.mode = 0o644;
    e.hash = hash.and_then(codexmcp::session::checkpoint::Hash::from_hex);
    e.stored = hash.is_some();
    e
}

/// Checkpoints written by earlier versions (format 1: text paths, files only; format 2: one
/// JSON document of every entry) still load, as trees, folders made up where format 1 had
/// none; and what changed since one of them is found.
#[test]
fn checkpoints_of_earlier_formats_still_load() {
    let state = tempfile::tempdir().unwrap();
    let store = Store::at(state.path());
    let a = "ab".repeat(32);
    let b = "cd".repeat(32);
    let v1 = format!(
        r#"{{"files": {{"src/main.rs": {{"mode": 420, "size": 3, "mtime_ns": 5, "ino": 7, "hash": "{a}", "stored": true}},
            "link": {{"mode": 0, "size": 1, "mtime_ns": 5, "ino": 8, "hash": "{b}", "stored": false, "link": "src"}}}},
            "truncated": false}}"#
    );
    let v2 = format!(
        r#"{{"version": 2, "taken_ns": 9, "truncated": false, "entries": [
            ["docs", {{"kind": "dir", "mode": 493, "size": 0, "mtime_ns": 1, "ino": 2, "hash": "", "stored": false}}],
            ["docs/x.md", {{"kind": "file", "mode": 420, "size": 3, "mtime_ns": 1, "ctime_ns": 1, "ino": 3, "hash": "{a}", "stored": true}}]]}}"#
    );
    let dir = state.path().join("manifests/t");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("1-before.json"), v1).unwrap();
    std::fs::write(dir.join("1-after.json"), v2).unwrap();

    let one = store.load("t/1-before").unwrap().unwrap();
    let got: BTreeMap<RelPath, Entry> = store.entries(&one).unwrap();
    assert_eq!(got[&RelPath::from("src")].kind, Kind::Dir, "made up");
    let main = &got[&RelPath::from("src/main.rs")];
    assert_eq!(main.hash, entry(Kind::File, Some(&a)).hash);
    assert_eq!(got[&RelPath::from("link")].link, Some(RelPath::from("src")));

    let two = store.load("t/1-after").unwrap().unwrap();
    assert_eq!(two.taken_ns, 9);
    let got = store.entries(&two).unwrap();
    assert_eq!(got[&RelPath::from("docs")].mode, 0o755);
    assert_eq!(got[&RelPath::from("docs/x.md")].hash, main.hash);
    let diff = store.diff(&one, &two).unwrap();
    let changes: Vec<(String, String)> = diff
        .files
        .iter()
        .map(|c| (c.path.display(), format!("{:?}", c.status)))
        .collect();
    assert_eq!(
        changes,
        [
            (
                "docs/x.md".into(),
                "Renamed { from: \"src/main.rs\" }".into()
            ),
            ("link".into(), "Deleted".into())
        ],
        "the same content under a new name is a rename: {diff:?}"
    );
}

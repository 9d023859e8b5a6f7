//! Undo, as a property: for any tree (files, folders, links inside and out, odd byte names,
//! modes) and any turn a model could make of it (edits — some with the mtime put back —
//! renames, deletes, folder↔file↔link swaps, links to outside, mode changes), a checkpoint
//! before, a checkpoint after and undo give back the tree exactly (names, contents, modes,
//! link targets), and a folder outside the working dir is never touched. Half the cases run the
//! gateway's one-component walk instead of `openat2`; half checkpoint with `include_ignored`
//! over a tree with a `.gitignore` (the others have no ignore file).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use codexmcp::session::checkpoint::Store;
use codexmcp::session::undo::restore;
use codexmcp::session::workdir;

/// What a path is, as far as the property cares.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    File(Vec<u8>, u32),
    Dir(u32),
    Link(Vec<u8>),
}

type Tree = BTreeMap<Vec<u8>, Node>;

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec!["a", "b", "c", "d.txt", "e f", "-x", ".hidden", "ä"])
            .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(1u8..=255, 1..5),
    ]
    .prop_filter("a plain name", |n| {
        !n.contains(&b'/') && n != b"." && n != b".." && n != b".git"
    })
}

/// Where a link points: a sibling, something outside (absolute or by `..`), nowhere.
fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        name().prop_map(Target::Relative),
        Just(Target::Outside),
        Just(Target::UpAndOut),
        Just(Target::Nowhere),
    ]
}

#[derive(Debug, Clone)]
enum Target {
    Relative(Vec<u8>),
    Outside,
    UpAndOut,
    Nowhere,
}

#[derive(Debug, Clone)]
enum Gen {
    File(Vec<u8>, u32),
    Dir(u32, Vec<(Vec<u8>, Gen)>),
    Link(Target),
}

fn content() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..40)
}

fn file_mode() -> impl Strategy<Value = u32> {
    (0u32..0o1000).prop_map(|m| m | 0o600)
}

fn dir_mode() -> impl Strategy<Value = u32> {
    (0u32..0o100).prop_map(|m| m | 0o700)
}

fn tree() -> impl Strategy<Value = Vec<(Vec<u8>, Gen)>> {
    let leaf = prop_oneof![
        (content(), file_mode()).prop_map(|(c, m)| Gen::File(c, m)),
        target().prop_map(Gen::Link),
    ];
    let node = leaf.prop_recursive(3, 24, 5, |inner| {
        (dir_mode(), prop::collection::vec((name(), inner), 0..5))
            .prop_map(|(m, kids)| Gen::Dir(m, kids))
    });
    prop::collection::vec((name(), node), 0..7)
}

/// One thing a turn does; indexes pick among the paths there are at that moment.
#[derive(Debug, Clone)]
enum Op {
    Edit(usize, Vec<u8>, bool),
    Delete(usize),
    Rename(usize, Vec<u8>),
    Chmod(usize, u32),
    ToFile(usize, Vec<u8>),
    ToDir(usize),
    ToLink(usize, Target),
    Create(usize, Vec<u8>, Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0usize..64;
    prop_oneof![
        (i.clone(), content(), any::<bool>()).prop_map(|(i, c, keep)| Op::Edit(i, c, keep)),
        i.clone().prop_map(Op::Delete),
        (i.clone(), name()).prop_map(|(i, n)| Op::Rename(i, n)),
        (i.clone(), file_mode()).prop_map(|(i, m)| Op::Chmod(i, m)),
        (i.clone(), content()).prop_map(|(i, c)| Op::ToFile(i, c)),
        i.clone().prop_map(Op::ToDir),
        (i.clone(), target()).prop_map(|(i, t)| Op::ToLink(i, t)),
        (i, name(), content()).prop_map(|(i, n, c)| Op::Create(i, n, c)),
    ]
}

struct World {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
    state: PathBuf,
}

impl World {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("work");
        let outside = tmp.path().join("outside");
        let state = tmp.path().join("state");
        for d in [&root, &outside, &state] {
            std::fs::create_dir(d).unwrap();
        }
        std::fs::write(outside.join("secret"), "the user's\n").unwrap();
        std::fs::create_dir(outside.join("dir")).unwrap();
        std::fs::write(outside.join("dir/.bashrc"), "rc\n").unwrap();
        Self {
            _tmp: tmp,
            root,
            outside,
            state,
        }
    }

    fn target(&self, t: &Target) -> Vec<u8> {
        match t {
            Target::Relative(n) => n.clone(),
            Target::Outside => self.outside.join("dir").as_os_str().as_bytes().to_vec(),
            Target::UpAndOut => b"../outside/secret".to_vec(),
            Target::Nowhere => b"/nonexistent/x".to_vec(),
        }
    }

    fn build(&self, at: &Path, nodes: &[(Vec<u8>, Gen)]) {
        for (n, g) in nodes {
            let p = at.join(OsStr::from_bytes(n));
            if std::fs::symlink_metadata(&p).is_ok() {
                continue; // a repeated name
            }
            match g {
                Gen::File(c, m) => {
                    std::fs::write(&p, c).unwrap();
                    std::fs::set_permissions(&p, PermissionsExt::from_mode(*m)).unwrap();
                }
                Gen::Link(t) => {
                    std::os::unix::fs::symlink(OsStr::from_bytes(&self.target(t)), &p).unwrap()
                }
                Gen::Dir(m, kids) => {
                    std::fs::create_dir(&p).unwrap();
                    self.build(&p, kids);
                    std::fs::set_permissions(&p, PermissionsExt::from_mode(*m)).unwrap();
                }
            }
        }
    }

    /// Every path below `dir`, never following a link.
    fn read(dir: &Path) -> Tree {
        let mut out = Tree::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(dir).unwrap().as_os_str().as_bytes().to_vec();
                let meta = std::fs::symlink_metadata(&p).unwrap();
                let mode = meta.permissions().mode() & 0o7777;
                let node = if meta.file_type().is_symlink() {
                    Node::Link(
                        std::fs::read_link(&p)
                            .unwrap()
                            .as_os_str()
                            .as_bytes()
                            .to_vec(),
                    )
                } else if meta.is_dir() {
                    stack.push(p.clone());
                    Node::Dir(mode)
                } else {
                    Node::File(std::fs::read(&p).unwrap(), mode)
                };
                out.insert(rel, node);
            }
        }
        out
    }

    /// Plays the turn: each op on a real path (never through a link: paths come from a walk
    /// that does not follow them, and writes go to the path itself).
    fn turn(&self, ops: &[Op]) {
        for op in ops {
            let paths: Vec<Vec<u8>> = Self::read(&self.root).into_keys().collect();
            let pick = |i: &usize| -> Option<PathBuf> {
                (!paths.is_empty())
                    .then(|| self.root.join(OsStr::from_bytes(&paths[i % paths.len()])))
            };
            let is = |p: &Path| std::fs::symlink_metadata(p).ok();
            match op {
                Op::Edit(i, c, keep) => {
                    let Some(p) = pick(i).filter(|p| is(p).is_some_and(|m| m.is_file())) else {
                        continue;
                    };
                    let mtime = is(&p).unwrap().modified().unwrap();
                    std::fs::write(&p, c).unwrap();
                    if *keep {
                        let f = std::fs::File::options().write(true).open(&p).unwrap();
                        f.set_modified(mtime).unwrap();
                    }
                }
                Op::Delete(i) => {
                    if let Some(p) = pick(i) {
                        remove(&p);
                    }
                }
                Op::Rename(i, n) => {
                    if let Some(p) = pick(i) {
                        let to = p.with_file_name(OsStr::from_bytes(n));
                        if is(&to).is_none() {
                            std::fs::rename(&p, &to).unwrap();
                        }
                    }
                }
                Op::Chmod(i, m) => {
                    if let Some(p) = pick(i).filter(|p| is(p).is_some_and(|m| !m.is_symlink())) {
                        let m = if is(&p).unwrap().is_dir() {
                            m | 0o700
                        } else {
                            *m
                        };
                        std::fs::set_permissions(&p, PermissionsExt::from_mode(m)).unwrap();
                    }
                }
                Op::ToFile(i, c) => {
                    if let Some(p) = pick(i) {
                        remove(&p);
                        std::fs::write(&p, c).unwrap();
                    }
                }
                Op::ToDir(i) => {
                    if let Some(p) = pick(i) {
                        remove(&p);
                        std::fs::create_dir(&p).unwrap();
                    }
                }
                Op::ToLink(i, t) => {
                    if let Some(p) = pick(i) {
                        remove(&p);
                        std::os::unix::fs::symlink(OsStr::from_bytes(&self.target(t)), &p).unwrap();
                    }
                }
                Op::Create(i, n, c) => {
                    let dir = pick(i)
                        .filter(|p| is(p).is_some_and(|m| m.is_dir()))
                        .unwrap_or_else(|| self.root.clone());
                    let p = dir.join(OsStr::from_bytes(n));
                    if is(&p).is_none() {
                        std::fs::write(&p, c).unwrap();
                    }
                }
            }
        }
    }
}

fn remove(p: &Path) {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p).unwrap(),
        Ok(_) => std::fs::remove_file(p).unwrap(),
        Err(_) => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(1000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn undo_gives_back_the_tree_and_touches_nothing_outside(
        nodes in tree(),
        ops in prop::collection::vec(op(), 1..8),
        walk in any::<bool>(),
        include_ignored in any::<bool>(),
    ) {
        let w = World::new();
        w.build(&w.root, &nodes);
        if include_ignored {
            // Ignore rules that match some of what is there: with `include_ignored` they
            // change nothing.
            std::fs::write(w.root.join(".gitignore"), "a\n*.txt\n-x/\n").unwrap();
        }
        let original = World::read(&w.root);
        let outside = World::read(&w.outside);
        let store = Store::at(&w.state).with_ignored(include_ignored);
        let run = || {
            let before = store.snapshot(&w.root, None).unwrap();
            w.turn(&ops);
            let after = store.snapshot(&w.root, Some(&before)).unwrap();
            restore(&store, &w.root, &before, &after, false)
        };
        let done = if walk { workdir::walk_only(run) } else { run() };
        let done = done.unwrap_or_else(|e| panic!("undo refused: {e}"));
        prop_assert!(done.failed.is_empty(), "{:?}", done.failed);
        prop_assert_eq!(World::read(&w.root), original);
        prop_assert_eq!(World::read(&w.outside), outside);
    }
}

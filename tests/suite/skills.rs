//! Skill discovery as Codex does it: roots and their precedence, the recursive walk, broken
//! `SKILL.md` files reported rather than fatal, the front-matter subset, and `$name` mentions.

use std::fs;
use std::path::{Path, PathBuf};

use codexmcp::skills::{
    Discovery, Scope, Skill, discover_in, mentioned, parse_front_matter, print_skills, roots,
};

fn write_raw(dir: &Path, text: &str) -> PathBuf {
    fs::create_dir_all(dir).expect("mkdir");
    let path = dir.join("SKILL.md");
    fs::write(&path, text).expect("write SKILL.md");
    path
}

fn write_skill(dir: &Path, name: &str, description: &str) -> PathBuf {
    write_raw(
        dir,
        &format!("---\nname: {name}\ndescription: {description}\n---\n\n# {name}\n"),
    )
}

/// The skills found under `base`, ignoring whatever this machine has in `/etc/codex/skills`.
fn local<'a>(found: &'a Discovery, base: &Path) -> Vec<(&'a str, Scope, &'a Path)> {
    found
        .skills
        .iter()
        .filter(|s| s.path.starts_with(base))
        .map(|s| (s.name.as_str(), s.scope, s.path.as_path()))
        .collect()
}

fn local_names<'a>(found: &'a Discovery, base: &Path) -> Vec<&'a str> {
    local(found, base)
        .into_iter()
        .map(|(name, _, _)| name)
        .collect()
}

fn no_local_errors(found: &Discovery, base: &Path) -> bool {
    found.errors.iter().all(|e| !e.path.starts_with(base))
}

#[test]
fn repo_user_system_and_home_skills_are_found_with_their_scopes() {
    let t = tempfile::tempdir().expect("tempdir");
    let repo = t.path().join("repo");
    let cwd = repo.join("sub");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let a = write_skill(&repo.join(".codex/skills/a"), "a", "repo skill a");
    let b = write_skill(&cwd.join(".agents/skills/b"), "b", "agents skill b");
    let deep = repo.join(".codex/skills/nested/deeper/inner-skill");
    let inner = write_skill(&deep, "inner-skill", "found however deep it sits");
    let codex_home = t.path().join("codex-home");
    // The directory name is irrelevant: the front matter names the skill.
    let user = write_skill(
        &codex_home.join("skills/u-dir"),
        "user-skill",
        "from CODEX_HOME",
    );
    let system = write_skill(
        &codex_home.join("skills/.system/sys"),
        "system-skill",
        "bundled",
    );
    let home = t.path().join("home");
    let home_skill = write_skill(
        &home.join(".agents/skills/h"),
        "home-skill",
        "from ~/.agents",
    );

    let found = discover_in(&cwd, Some(&codex_home), Some(&home));
    assert!(no_local_errors(&found, t.path()), "{:?}", found.errors);
    assert_eq!(
        local(&found, t.path()),
        vec![
            ("a", Scope::Repo, a.as_path()),
            ("b", Scope::Repo, b.as_path()),
            ("home-skill", Scope::User, home_skill.as_path()),
            ("inner-skill", Scope::Repo, inner.as_path()),
            ("system-skill", Scope::System, system.as_path()),
            ("user-skill", Scope::User, user.as_path()),
        ]
    );
    let a_skill = found.skills.iter().find(|s| s.name == "a").unwrap();
    assert_eq!(a_skill.description, "repo skill a");
}

#[test]
fn roots_follow_codex_precedence() {
    let t = tempfile::tempdir().expect("tempdir");
    let repo = t.path().join("repo");
    let cwd = repo.join("sub/dir");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    fs::create_dir_all(&cwd).unwrap();
    let (codex_home, home) = (t.path().join("codex-home"), t.path().join("home"));
    let mut expected = vec![
        (repo.join(".codex/skills"), Scope::Repo),
        (repo.join(".agents/skills"), Scope::Repo),
        (repo.join("sub/.agents/skills"), Scope::Repo),
        (cwd.join(".agents/skills"), Scope::Repo),
        (codex_home.join("skills"), Scope::User),
        (codex_home.join("skills/.system"), Scope::System),
        (home.join(".agents/skills"), Scope::User),
    ];
    if cfg!(unix) {
        expected.push((PathBuf::from("/etc/codex/skills"), Scope::Admin));
    }
    assert_eq!(roots(&cwd, Some(&codex_home), Some(&home)), expected);

    // A `.git` file (a worktree or submodule) marks a repository root too.
    let worktree = t.path().join("worktree");
    fs::create_dir_all(&worktree).unwrap();
    fs::write(worktree.join(".git"), "gitdir: elsewhere\n").unwrap();
    let got = roots(&worktree, None, None);
    assert_eq!(got[0], (worktree.join(".codex/skills"), Scope::Repo));
    assert_eq!(got[1], (worktree.join(".agents/skills"), Scope::Repo));
    assert!(
        got[2..].iter().all(|(_, scope)| *scope == Scope::Admin),
        "{got:?}"
    );
}

#[test]
fn outside_a_repository_only_the_cwd_itself_is_searched() {
    let t = tempfile::tempdir().expect("tempdir");
    let outer = t.path().join("outer");
    let cwd = outer.join("inner");
    write_skill(
        &outer.join(".codex/skills/outer"),
        "outer-skill",
        "not for inner",
    );
    write_skill(&cwd.join(".codex/skills/own"), "own", "from .codex");
    write_skill(&cwd.join(".agents/skills/own2"), "own2", "from .agents");

    let got = roots(&cwd, None, None);
    assert_eq!(got[0], (cwd.join(".codex/skills"), Scope::Repo));
    assert_eq!(got[1], (cwd.join(".agents/skills"), Scope::Repo));
    let found = discover_in(&cwd, None, None);
    assert_eq!(local_names(&found, t.path()), ["own", "own2"]);
}

#[test]
fn the_first_root_with_a_name_wins() {
    let t = tempfile::tempdir().expect("tempdir");
    let repo = t.path().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let winner = write_skill(&repo.join(".codex/skills/first"), "dup", "repo .codex wins");
    write_skill(
        &repo.join(".agents/skills/second"),
        "dup",
        "repo .agents loses",
    );
    let codex_home = t.path().join("codex-home");
    write_skill(&codex_home.join("skills/third"), "dup", "user loses");
    let home = t.path().join("home");
    write_skill(&home.join(".agents/skills/fourth"), "dup", "home loses");

    let found = discover_in(&repo, Some(&codex_home), Some(&home));
    let dups: Vec<&Skill> = found.skills.iter().filter(|s| s.name == "dup").collect();
    assert_eq!(dups.len(), 1, "{dups:?}");
    assert_eq!(dups[0].description, "repo .codex wins");
    assert_eq!(
        (dups[0].path.as_path(), dups[0].scope),
        (winner.as_path(), Scope::Repo)
    );
    assert!(no_local_errors(&found, t.path()), "{:?}", found.errors);
}

#[test]
fn broken_skill_files_are_errors_not_skills() {
    let t = tempfile::tempdir().expect("tempdir");
    let cwd = t.path().join("work");
    let skills = cwd.join(".codex/skills");
    let bare = write_raw(
        &skills.join("bare"),
        "# Just markdown\n\nno front matter here\n",
    );
    let nodesc = write_raw(&skills.join("nodesc"), "---\nname: nodesc\n---\nbody\n");
    write_skill(&skills.join("ok"), "ok", "a valid skill");

    let found = discover_in(&cwd, None, None);
    assert_eq!(local_names(&found, t.path()), ["ok"]);
    let errors: Vec<_> = found
        .errors
        .iter()
        .filter(|e| e.path.starts_with(t.path()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].path, bare);
    assert_eq!(
        errors[0].message,
        "missing YAML front matter delimited by ---"
    );
    assert_eq!(errors[1].path, nodesc);
    assert!(
        errors[1].message.contains("`description`"),
        "{}",
        errors[1].message
    );
}

#[test]
fn only_the_first_256_kib_of_a_skill_file_is_read() {
    let t = tempfile::tempdir().expect("tempdir");
    let cwd = t.path().join("work");
    let skills = cwd.join(".codex/skills");
    let body = "x".repeat(300 * 1024);
    write_raw(
        &skills.join("big"),
        &format!("---\nname: big\ndescription: long body\n---\n{body}\n"),
    );
    let padding = "# padding\n".repeat(30 * 1024);
    let late = format!("---\nname: late\n{padding}description: too far\n---\n");
    let late_path = write_raw(&skills.join("late"), &late);

    let found = discover_in(&cwd, None, None);
    assert_eq!(local_names(&found, t.path()), ["big"]);
    let error = found
        .errors
        .iter()
        .find(|e| e.path == late_path)
        .expect("late is an error");
    assert!(error.message.contains("front matter"), "{}", error.message);
}

#[test]
fn the_walk_is_depth_capped_and_skips_hidden_directories() {
    let t = tempfile::tempdir().expect("tempdir");
    let cwd = t.path().join("work");
    let skills = cwd.join(".codex/skills");
    write_skill(
        &skills.join("1/2/3/4/5/six"),
        "six-deep",
        "at the depth limit",
    );
    write_skill(
        &skills.join("1/2/3/4/5/6/seven"),
        "seven-deep",
        "beyond the limit",
    );
    write_skill(
        &skills.join(".hidden/h"),
        "hidden",
        "hidden directories are skipped",
    );

    let found = discover_in(&cwd, None, None);
    assert_eq!(local_names(&found, t.path()), ["six-deep"]);
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_inside_a_root_but_never_out_of_it_or_around_a_loop() {
    use std::os::unix::fs::symlink;

    let t = tempfile::tempdir().expect("tempdir");
    let cwd = t.path().join("work");
    let skills = cwd.join(".codex/skills");
    write_skill(&skills.join("real"), "real", "a real skill");
    write_skill(
        &t.path().join("outside/escaped"),
        "escaped",
        "outside the root",
    );
    symlink(t.path().join("outside"), skills.join("link-out")).unwrap();
    symlink(&skills, skills.join("real/loop")).unwrap();
    symlink(skills.join("real"), skills.join("alias")).unwrap();

    let found = discover_in(&cwd, None, None);
    let names: Vec<&str> = found
        .skills
        .iter()
        .map(|s| s.name.as_str())
        .filter(|n| ["real", "escaped"].contains(n))
        .collect();
    assert_eq!(names, ["real"]);
}

#[test]
fn front_matter_subset_reads_quotes_blocks_and_comments() {
    let folded = "---\nname: \"quoted-name\"\ndescription: >\n  Folded text\n  on two lines.\n\n  \
                  Second paragraph.\nmetadata:\n  short-description: ignored\n---\nbody\n";
    assert_eq!(
        parse_front_matter(folded).unwrap(),
        (
            "quoted-name".to_string(),
            "Folded text on two lines.\nSecond paragraph.".to_string()
        )
    );

    let literal = "---\nname: lit\ndescription: |\n    line one\n      indented\n    line two\n\
                   ---\n";
    let (_, description) = parse_front_matter(literal).unwrap();
    assert_eq!(description, "line one\n  indented\nline two");

    let quoted = "---\n# a comment\nname: 'it''s'\n\
                  description: \"say \\\"hi\\\" \\u00e9\"  # trailing comment\nversion: 2\n---\n";
    assert_eq!(
        parse_front_matter(quoted).unwrap(),
        ("it's".to_string(), "say \"hi\" é".to_string())
    );

    let plain = "---\nname: plain # note\ndescription: first line\n  continues here\n\
                 tags:\n- x\n- y\n---\n";
    assert_eq!(
        parse_front_matter(plain).unwrap(),
        ("plain".to_string(), "first line continues here".to_string())
    );

    let crlf = "\u{feff}---\r\nname: crlf\r\ndescription: >-\r\n  works\r\n---\r\n";
    assert_eq!(
        parse_front_matter(crlf).unwrap(),
        ("crlf".to_string(), "works".to_string())
    );
}

#[test]
fn front_matter_problems_are_explained() {
    let err = |text: &str| parse_front_matter(text).expect_err(text);
    assert!(err("# Title\nno front matter\n").contains("delimited by ---"));
    assert!(err("---\nname: x\ndescription: never closed\n").contains("delimited by ---"));
    assert!(err("---\n---\nbody\n").contains("delimited by ---"));
    assert!(err("---\nname: only-name\n---\n").contains("`description`"));
    assert!(err("---\nname: x\ndescription: ''\n---\n").contains("`description`"));
    assert!(err("---\ndescription: no name\n---\n").contains("`name`"));
    assert!(err("---\nname: \"open\ndescription: d\n---\n").contains("unterminated"));
    let long = format!("---\nname: {}\ndescription: d\n---\n", "n".repeat(65));
    assert!(err(&long).contains("64"));
}

fn skill(name: &str) -> Skill {
    Skill {
        name: name.into(),
        description: "d".into(),
        path: PathBuf::from("/skills").join(name).join("SKILL.md"),
        scope: Scope::Repo,
    }
}

fn names<'a>(text: &str, skills: &'a [Skill]) -> Vec<&'a str> {
    mentioned(text, skills)
        .into_iter()
        .map(|s| s.name.as_str())
        .collect()
}

#[test]
fn mentions_are_whole_dollar_words() {
    let skills = [skill("a"), skill("pdf-tools")];
    assert_eq!(names("$a", &skills), ["a"]);
    assert_eq!(names("please use $a.", &skills), ["a"]);
    assert_eq!(
        names("run $pdf-tools,\tthen $a", &skills),
        ["a", "pdf-tools"]
    );
    for text in ["$ab", "x$a", "$a-b", "$a_b", "a", "$", "cost: $5"] {
        assert!(names(text, &skills).is_empty(), "{text:?} mentions nothing");
    }
    assert_eq!(names("$pdf", &skills), Vec::<&str>::new());
}

#[test]
fn the_bundled_smoke_skill_parses_and_is_discovered() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(".codex/skills/mcp-skill-smoke/SKILL.md");
    let text = fs::read_to_string(&path).expect("bundled skill");
    let (name, description) = parse_front_matter(&text).unwrap();
    assert_eq!(name, "mcp-skill-smoke");
    assert!(
        description.starts_with("Smoke test for skill loading"),
        "{description}"
    );

    let found = discover_in(root, None, None);
    let smoke = found
        .skills
        .iter()
        .find(|s| s.name == "mcp-skill-smoke")
        .expect("discovered from the crate root");
    assert_eq!(smoke.scope, Scope::Repo);
    assert!(
        smoke
            .path
            .ends_with(".codex/skills/mcp-skill-smoke/SKILL.md")
    );
}

#[test]
fn print_skills_exit_codes_and_json_shape() {
    let t = tempfile::tempdir().expect("tempdir");
    assert_eq!(print_skills(&t.path().join("missing"), false), 1);
    write_skill(&t.path().join(".agents/skills/p"), "p", "printed");
    assert_eq!(print_skills(t.path(), false), 0);
    assert_eq!(print_skills(t.path(), true), 0);

    let json = serde_json::to_value(discover_in(t.path(), None, None)).unwrap();
    let listed = json["skills"].as_array().expect("skills array");
    let p = listed.iter().find(|s| s["name"] == "p").expect("p listed");
    assert_eq!(p["scope"], "repo");
    assert_eq!(p["description"], "printed");
    assert!(p["path"].as_str().unwrap().ends_with("SKILL.md"));
    assert!(json["errors"].is_array());
}

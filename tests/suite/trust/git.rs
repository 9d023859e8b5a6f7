//! git cannot be steered from Codex's folder: a folder made to look like a repository (a bare
//! one, with a hook) is never used, hooks never run, whatever repository git would discover.

use std::path::Path;
use std::process::Command;

use crate::support::codex::{Sandbox, git, wait_for};
use crate::support::mock_openai::{MockServer, Step};
use crate::support::tmux::Tmux;

/// What a turn runs to turn its folder into a repository git would use — bare, pointing at
/// itself as its work tree, with a `post-checkout` hook that writes `mark`.
fn plant(mark: &Path) -> String {
    format!(
        "git init -q --bare . && git config core.bare false && git config core.worktree \"$PWD\" \
         && git -c user.name=m -c user.email=m@example.com commit -q --allow-empty -m x \
         && printf '#!/bin/sh\\necho PWNED > {}\\n' > hooks/post-checkout && chmod +x hooks/post-checkout",
        mark.display()
    )
}

/// Codex plants a repository with a hook in its folder; `codexmcp --worktree` is then started
/// where there is no repository of the user's: it says so, and no hook runs. (Before, git
/// discovered the planted repository from Codex's folder and ran the hook as the user.)
#[tokio::test]
async fn a_repository_planted_in_codexs_folder_is_never_used() {
    let outside = tempfile::tempdir().unwrap();
    let mark = outside.path().join("pwned");
    let server =
        MockServer::start(vec![Step::shell(&plant(&mark)), Step::message("planted")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let run = sbx.run(&["exec", "make it a repo"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        sbx.output().join("hooks/post-checkout").is_file(),
        "Codex planted the hook: {}",
        run.stdout
    );

    // No repository of the user's around it (the sandbox lives inside this checkout, whose
    // repository git would otherwise find, as it would any repository above a user's folder).
    let ceiling = sbx.root.path().display().to_string();
    let tmux = Tmux::start_with_env(
        &sbx,
        &["--worktree", "feat"],
        &[("GIT_CEILING_DIRECTORIES", ceiling.as_str())],
    );
    tmux.wait_for_chat("is not inside a git repository", 20)
        .await;
    quit(&tmux).await;
    assert!(!mark.exists(), "the planted hook ran");
}

async fn quit(tmux: &Tmux) {
    tmux.type_text("/quit");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("EXITED", 20).await;
}

/// In the user's own repository with `-C` at its root (so Codex writes where `.git` is): the
/// worktree is made from that repository, and not even its own hook runs.
#[tokio::test]
async fn no_hook_runs_even_in_the_users_repository() {
    let server = MockServer::start(vec![Step::message("hello")]).await;
    let sbx = Sandbox::new(&server.base_url());
    let repo = sbx.work();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "mine\n").unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    let mark = sbx.root.path().join("hook-ran");
    let hook = repo.join(".git/hooks/post-checkout");
    std::fs::write(&hook, format!("#!/bin/sh\necho ran > {}\n", mark.display())).unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // Codex's folder also looks like a repository: never the one used.
    std::fs::create_dir_all(sbx.output()).unwrap();
    let planted = sbx.root.path().join("pwned");
    let out = Command::new("sh")
        .arg("-c")
        .arg(plant(&planted))
        .current_dir(sbx.output())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let tmux = Tmux::start(&sbx, &["-C", ".", "--worktree", "feat"]);
    tmux.wait_for_chat("branch codexmcp/feat", 20).await;
    quit(&tmux).await;
    let made = sbx
        .root
        .path()
        .join("state/codexmcp/worktrees")
        .read_dir()
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(made, 1, "the worktree of the user's repository was made");
    assert!(
        !wait_for(1, || mark.exists() || planted.exists()).await,
        "a hook ran"
    );
}

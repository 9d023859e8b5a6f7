//! The services that look after stored threads and worktrees: renaming and forgetting a
//! thread (codexmcp's record, and Codex's own on the app-server), and adding or removing a
//! tab's git worktree. All of it runs off the UI task and answers with a message.

use super::Services;
use crate::tui::Msg;
use crate::tui::app::App;

impl Services {
    /// `git worktree add` off the UI task; the answer comes back to the tab that asked.
    pub(super) fn create_worktree(&self, tab: u64, name: String, app: &App) {
        use crate::session::worktree;
        let Some(cwd) = app.session_by_id(tab).map(|s| s.info().cwd.clone()) else {
            return;
        };
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let made = match worktree::default_root() {
                Ok(root) => worktree::create(crate::config::start_dir(), &cwd, &name, &root).await,
                Err(e) => Err(e),
            };
            let msg = Box::new(Msg::WorktreeReady(made.map_err(|e| format!("{e:#}"))));
            let _ = tx.send(Msg::Tab { tab, msg }).await;
        });
    }

    /// `/rename`: codexmcp's record, and Codex's own name of the thread on the app-server.
    pub(super) fn rename(&self, thread: String, title: String) {
        let (tx, store, codex) = (
            self.tx.clone(),
            self.store.clone(),
            self.engine.as_ref().ok().cloned(),
        );
        tokio::spawn(async move {
            let renamed = match store {
                Some(s) => {
                    let (t, n) = (thread.clone(), title.clone());
                    tokio::task::spawn_blocking(move || s.rename(&t, &n))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()))
                }
                None => Err("no session store".into()),
            };
            if let Some(cfg) = &codex {
                crate::engine::app_lists::name_thread(cfg, &thread, &title).await;
            }
            let msg = match renamed {
                Ok(r) => Msg::Notice(format!("this thread is now \"{}\"", r.title)),
                Err(e) => Msg::Failed(format!("/rename: {e}")),
            };
            let _ = tx.send(msg).await;
        });
    }

    /// Forgets a thread: codexmcp's record, transcript and checkpoints; archived in Codex
    /// on the app-server.
    pub(super) fn delete_session(&self, id: String) {
        let (tx, store, codex) = (
            self.tx.clone(),
            self.store.clone(),
            self.engine.as_ref().ok().cloned(),
        );
        tokio::spawn(async move {
            let removed = match store {
                Some(s) => {
                    let i = id.clone();
                    tokio::task::spawn_blocking(move || {
                        let checkpoints = crate::session::checkpoint::Store::open_default().ok();
                        s.remove(&i, checkpoints.as_ref())
                            .map_err(|e| format!("{e:#}"))
                    })
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()))
                }
                None => Err("no session store".into()),
            };
            let msg = match removed {
                Err(e) => Msg::Failed(format!("could not forget {id}: {e}")),
                Ok(record) => {
                    // The thread, and every copy undo made of it: none is left to show up in
                    // the lists as a thread of its own.
                    let threads: Vec<&String> =
                        std::iter::once(&id).chain(&record.rewind.made).collect();
                    let mut archived = 0;
                    if let Some(cfg) = &codex {
                        for thread in &threads {
                            archived += usize::from(
                                crate::engine::app_lists::archive_thread(cfg, thread).await,
                            );
                        }
                    }
                    Msg::Notice(match archived {
                        0 => format!("forgot {id} (Codex's own history of it stays)"),
                        a if a == threads.len() => format!("forgot {id}; archived in Codex too"),
                        a => format!(
                            "forgot {id}; archived {a} of its {} threads in Codex (see the log)",
                            threads.len()
                        ),
                    })
                }
            };
            let _ = tx.send(msg).await;
        });
    }

    pub(super) fn remove_worktree(&self, wt: crate::session::worktree::Worktree) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let msg = match crate::session::worktree::remove(&wt, false).await {
                Ok(()) => Msg::Notice(format!(
                    "worktree {} removed; the branch {} stays",
                    wt.path.display(),
                    wt.branch
                )),
                // Never forced: what the session left uncommitted there is not thrown away.
                Err(e) => Msg::Failed(format!(
                    "the worktree {} stays ({e:#}); commit what is in it on {}, or remove it \
                     yourself: git worktree remove --force {}",
                    wt.path.display(),
                    wt.branch,
                    wt.path.display()
                )),
            };
            let _ = tx.send(msg).await;
        });
    }
}

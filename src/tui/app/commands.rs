//! What each slash command does. The table in [`super::super::commands`] parses the line and
//! says where a command works; this is the one `match` over [`Cmd`] that carries it out — on
//! the session on screen, or on the App when it is about sessions as a whole.

use super::super::chat::Who;
use super::super::commands::{Cmd, Parsed, Spec, parse};
use super::super::effect::TabSpec;
use super::{App, Effect, MAX_TABS, Popup};

/// The efforts Codex takes (`model_reasoning_effort`; 0.171's `model/list` offers up to
/// `ultra`). Which of them a model takes, the model picker shows.
pub const EFFORTS: [&str; 8] = [
    "none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra",
];

impl App {
    /// A prompt or a slash command, as if typed and sent (`--prompt`, tests).
    pub fn submit(&mut self, text: String) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.submit_into(text, &mut fx);
        fx
    }

    pub(super) fn submit_into(&mut self, text: String, fx: &mut Vec<Effect>) {
        match parse(&text) {
            Parsed::Prompt => {
                self.error = None;
                let now = self.now;
                self.here(fx, |s| s.send(text, now));
            }
            Parsed::Unknown(word) => {
                let word = crate::text::one_line(word, 40);
                self.fail(&format!("unknown command /{word} (try /help)"));
            }
            Parsed::Command(spec, _) if !spec.backends.allows(&self.session().info().backend) => {
                let backend = crate::text::one_line(&self.session().info().backend, 20);
                self.fail(&format!(
                    "/{} needs Codex's app-server, and this session runs on {backend}: start \
                     codexmcp with --backend app-server",
                    spec.name
                ));
            }
            Parsed::Command(spec, arg) => self.command(spec, arg, fx),
        }
    }

    fn command(&mut self, spec: &Spec, arg: &str, fx: &mut Vec<Effect>) {
        let now = self.now;
        match spec.cmd {
            Cmd::New => match arg.strip_prefix("--worktree") {
                Some(name) => self.here(fx, |s| s.new_in_worktree(name.trim())),
                None => self.here(fx, |s| s.new_thread()),
            },
            Cmd::Resume if arg.is_empty() => fx.push(Effect::ListSessions),
            Cmd::Resume if crate::engine::looks_like_thread_id(arg) => {
                let id = arg.to_string();
                self.here(fx, |s| s.resume(id));
            }
            Cmd::Resume => fx.push(Effect::SearchSessions(arg.to_string())),
            Cmd::Undo => self.here(fx, |s| s.undo(false, arg == "--force")),
            Cmd::Redo => self.here(fx, |s| s.undo(true, arg == "--force")),
            Cmd::Fork => match fork_args(arg) {
                Ok((through, worktree)) => self.here(fx, |s| s.fork(through, worktree)),
                Err(e) => self.fail(e),
            },
            Cmd::Compact => self.here(fx, |s| s.compact()),
            Cmd::Review => {
                use super::super::effect::ReviewOf;
                use crate::engine::review::Target;
                let (what, rest) = arg.split_once(' ').unwrap_or((arg, ""));
                let of = match (what, rest.trim()) {
                    ("" | "uncommitted", "") => Some(ReviewOf::Change(Target::Uncommitted)),
                    ("base", b) if !b.is_empty() => {
                        Some(ReviewOf::Change(Target::Base(b.to_string())))
                    }
                    ("commit", sha) if !sha.is_empty() => {
                        Some(ReviewOf::Change(Target::Commit(sha.to_string())))
                    }
                    ("turn", n) => n.parse().ok().filter(|&n: &i64| n != 0).map(ReviewOf::Turn),
                    _ => None,
                };
                match of {
                    Some(of) => self.here(fx, |s| s.review(of)),
                    None => self.fail("/review [uncommitted | base BRANCH | commit SHA | turn N]"),
                }
            }
            Cmd::Plan => self.here(fx, |s| s.toggle_plan()),
            Cmd::Diff if arg.is_empty() => self.here(fx, |s| s.open_diff()),
            Cmd::Diff => match (arg.parse::<i64>(), self.session().thread_id()) {
                (Ok(n), Some(id)) if n != 0 => fx.push(Effect::LoadDiff {
                    thread: id.to_string(),
                    turn: n,
                }),
                (Ok(_), None) => self.fail("no thread yet: nothing has changed"),
                _ => self.fail("/diff N: N is a turn number, 1 for the first, -1 for the last"),
            },
            Cmd::Export => match self.session().thread_id() {
                Some(id) => fx.push(Effect::Export(id.to_string())),
                None => self.fail("nothing to export yet: the thread starts with the first prompt"),
            },
            Cmd::Rename => match (self.session().thread_id(), arg) {
                (None, _) => {
                    self.fail("nothing to rename yet: the thread starts with the first prompt")
                }
                (_, "") => self.fail("/rename TITLE: the new title"),
                (Some(thread), title) => fx.push(Effect::Rename {
                    thread: thread.to_string(),
                    title: title.to_string(),
                }),
            },
            Cmd::Model if arg.is_empty() => fx.push(Effect::ListModels),
            Cmd::Model if arg.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                self.fail("/model NAME: a model name has no spaces")
            }
            Cmd::Model => self.choose_model(arg, fx),
            Cmd::Effort if EFFORTS.contains(&arg) => {
                fx.push(Effect::Configure {
                    model: None,
                    effort: Some(arg.to_string()),
                });
                self.here(fx, |s| {
                    s.set_effort(arg);
                    s.say(
                        Who::Notice,
                        &format!("reasoning effort {arg} from the next turn"),
                    );
                });
            }
            Cmd::Effort => self.fail(&format!("/effort LEVEL: one of {}", EFFORTS.join(", "))),
            Cmd::Image if arg.is_empty() => {
                self.fail("/image PATH: a PNG, JPEG, GIF or WebP file for the next prompt")
            }
            Cmd::Image => self.here(fx, |s| s.attach(arg)),
            Cmd::Agent if !self.agent.available => {
                self.fail("the agent needs OPENAI_API_KEY (in the environment or .env)")
            }
            Cmd::Agent => {
                let model = self.agent.model.clone();
                self.here(fx, |s| {
                    s.set_agent_mode(true);
                    s.say(
                        Who::Notice,
                        &format!("agent mode: prompts go to {model}, which drives Codex"),
                    );
                });
            }
            Cmd::Direct => self.here(fx, |s| {
                s.set_agent_mode(false);
                s.say(Who::Notice, "direct mode: prompts go straight to Codex");
            }),
            Cmd::Tab => self.open_tab(arg, fx),
            Cmd::Close => self.close(arg, now, fx),
            Cmd::Help => self.popups.push(Popup::Help { scroll: 0 }),
            Cmd::Quit => {
                self.quit = true;
                fx.push(Effect::Quit);
            }
        }
    }

    /// `/tab [DIR]`: a new session, in DIR (relative to this session's folder).
    fn open_tab(&mut self, dir: &str, fx: &mut Vec<Effect>) {
        if self.sessions().len() >= MAX_TABS {
            return self.fail(&format!("{MAX_TABS} sessions at most: /close one first"));
        }
        let cwd = (!dir.is_empty()).then(|| self.session().info().cwd.join(dir));
        match &cwd {
            Some(d) if !d.is_dir() => self.fail(&format!("/tab: {} is not a folder", d.display())),
            _ => fx.push(Effect::OpenTab(TabSpec {
                cwd,
                ..TabSpec::default()
            })),
        }
    }

    /// `/close [--keep | --remove]`.
    fn close(&mut self, arg: &str, now: std::time::Instant, fx: &mut Vec<Effect>) {
        let last = self.sessions().len() == 1;
        let worktree = self.session().worktree().cloned();
        match worktree {
            None if last => self.fail("the last session stays open: /quit leaves the app"),
            Some(wt) if !matches!(arg, "--keep" | "--remove") => {
                let tail = match last {
                    true => {
                        "; being the last session, it stays open and goes back to your checkout"
                    }
                    false => "",
                };
                let ask = format!(
                    "this session works in the worktree {} (branch {}): /close --keep keeps it, \
                     /close --remove removes it (the branch and its commits stay){tail}",
                    wt.path.display(),
                    wt.branch
                );
                self.say(Who::Notice, &ask);
            }
            // The last session stays open but can leave its worktree.
            Some(_) if last => self.here(fx, |s| s.leave_worktree(arg == "--remove", now)),
            wt => {
                let id = self.session().id();
                if let Some(wt) = wt.filter(|_| arg == "--remove") {
                    fx.push(Effect::RemoveWorktree(wt));
                }
                self.remove(id);
                fx.push(Effect::CloseTab(id));
            }
        }
    }
}

/// `/fork [N] [--worktree NAME]`: the turn and the worktree's name.
fn fork_args(arg: &str) -> Result<(Option<i64>, Option<String>), &'static str> {
    const USAGE: &str =
        "/fork [N] [--worktree NAME]: N is a turn number, 1 for the first, -1 for the last";
    let mut words = arg.split_whitespace();
    let (mut through, mut worktree) = (None, None);
    while let Some(w) = words.next() {
        match w {
            "--worktree" if worktree.is_none() => {
                worktree = Some(words.next().ok_or(USAGE)?.to_string());
            }
            n if through.is_none() => match n.parse::<i64>() {
                Ok(n) if n != 0 => through = Some(n),
                _ => return Err(USAGE),
            },
            _ => return Err(USAGE),
        }
    }
    Ok((through, worktree))
}

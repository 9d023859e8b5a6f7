//! Slash commands as one typed table. Each entry says its name, its arguments, what it does and
//! on which backends it works; the same table parses what was typed, fills the completion popup
//! that opens while a `/word` is typed, lists the commands in the help popup and refuses a
//! command where its backend cannot do it — so none of those can disagree with the others.

/// Every command there is. The App's dispatch matches on this, so a new entry in [`TABLE`]
/// without a behaviour does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    New,
    Resume,
    Undo,
    Redo,
    Fork,
    Compact,
    Plan,
    Review,
    Diff,
    Export,
    Rename,
    Model,
    Effort,
    Image,
    Agent,
    Direct,
    Tab,
    Close,
    Help,
    Quit,
}

/// Where a command works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backends {
    /// Every backend (exec, app-server, mcp).
    All,
    /// Only where Codex runs as an app-server (`--backend app-server`).
    AppServer,
}

impl Backends {
    pub fn allows(self, backend: &str) -> bool {
        match self {
            Self::All => true,
            Self::AppServer => backend == "app-server",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub cmd: Cmd,
    /// What is typed after `/`.
    pub name: &'static str,
    /// Other names that work the same.
    pub aliases: &'static [&'static str],
    /// The arguments, as help shows them (`""`: none).
    pub args: &'static str,
    pub about: &'static str,
    pub backends: Backends,
}

const fn spec(cmd: Cmd, name: &'static str, args: &'static str, about: &'static str) -> Spec {
    Spec {
        cmd,
        name,
        aliases: &[],
        args,
        about,
        backends: Backends::All,
    }
}

/// The commands, in the order help and the completion popup list them.
pub const TABLE: &[Spec] = &[
    spec(
        Cmd::New,
        "new",
        "[--worktree NAME]",
        "a new thread (in a new git worktree)",
    ),
    spec(
        Cmd::Resume,
        "resume",
        "[ID | TEXT]",
        "continue a stored thread (pick, id, or search)",
    ),
    spec(
        Cmd::Undo,
        "undo",
        "[--force]",
        "take the last turn back: files and conversation",
    ),
    spec(
        Cmd::Redo,
        "redo",
        "[--force]",
        "put back what the last /undo took away",
    ),
    spec(
        Cmd::Fork,
        "fork",
        "[N] [--worktree NAME]",
        "a new tab on a new thread from turn N (files too, in a worktree)",
    ),
    spec(
        Cmd::Compact,
        "compact",
        "",
        "summarise the conversation so far: frees context",
    ),
    Spec {
        backends: Backends::AppServer,
        ..spec(
            Cmd::Plan,
            "plan",
            "",
            "plan mode on or off: Codex plans before it acts",
        )
    },
    spec(
        Cmd::Review,
        "review",
        "[uncommitted | base BRANCH | commit SHA | turn N]",
        "Codex's review of a change: findings with file and line",
    ),
    spec(
        Cmd::Diff,
        "diff",
        "[N]",
        "what a turn changed (the last, or turn N)",
    ),
    spec(
        Cmd::Export,
        "export",
        "",
        "write this thread's transcript as Markdown",
    ),
    spec(Cmd::Rename, "rename", "TITLE", "retitle this thread"),
    spec(
        Cmd::Model,
        "model",
        "[NAME]",
        "the model from the next turn",
    ),
    spec(
        Cmd::Effort,
        "effort",
        "LEVEL",
        "the reasoning effort from the next turn",
    ),
    spec(
        Cmd::Image,
        "image",
        "PATH",
        "attach an image to the next prompt",
    ),
    spec(
        Cmd::Agent,
        "agent",
        "",
        "prompts go to the orchestrating agent",
    ),
    spec(Cmd::Direct, "direct", "", "prompts go straight to Codex"),
    spec(
        Cmd::Tab,
        "tab",
        "[DIR]",
        "a new session in a new tab (in DIR)",
    ),
    spec(
        Cmd::Close,
        "close",
        "[--keep | --remove]",
        "close this session (and its worktree)",
    ),
    spec(Cmd::Help, "help", "", "keys and commands"),
    Spec {
        aliases: &["exit"],
        ..spec(Cmd::Quit, "quit", "", "leave codexmcp")
    },
];

impl Spec {
    /// `/name ARGS`, as help and the popup show it.
    pub fn usage(&self) -> String {
        match self.args {
            "" => format!("/{}", self.name),
            args => format!("/{} {args}", self.name),
        }
    }

    fn answers_to(&self, word: &str) -> bool {
        self.name == word || self.aliases.contains(&word)
    }
}

impl super::pickers::Pickable for &'static Spec {
    fn haystack(&self) -> String {
        self.name.to_string()
    }
}

/// What a line typed into the prompt is.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// Not a command: a prompt for Codex.
    Prompt,
    /// A command and the rest of the line (trimmed).
    Command(&'static Spec, &'a str),
    /// `/word` that names no command.
    Unknown(&'a str),
}

/// Reads a submitted line.
pub fn parse(text: &str) -> Parsed<'_> {
    let Some(rest) = text.trim().strip_prefix('/') else {
        return Parsed::Prompt;
    };
    let (word, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    match TABLE.iter().find(|s| s.answers_to(word)) {
        Some(spec) => Parsed::Command(spec, arg.trim()),
        None => Parsed::Unknown(word),
    }
}

/// The commands whose name starts with `prefix`, in table order.
pub fn complete(prefix: &str) -> Vec<&'static Spec> {
    TABLE
        .iter()
        .filter(|s| s.name.starts_with(prefix))
        .collect()
}

#[cfg(test)]
mod tests {
    /// The README's command table lists every command with its arguments.
    #[test]
    fn the_readme_lists_every_command() {
        let readme = include_str!("../../README.md");
        for spec in TABLE {
            let row = format!("| `{}", spec.usage().replace('|', "\\|"));
            assert!(readme.contains(&row), "README lacks the row {row}");
        }
    }

    use super::*;

    #[test]
    fn every_command_is_in_the_table_once() {
        let mut names: Vec<&str> = TABLE
            .iter()
            .flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied()))
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a name or alias is used twice");
        let cmds: std::collections::HashSet<Cmd> = TABLE.iter().map(|s| s.cmd).collect();
        assert_eq!(cmds.len(), TABLE.len(), "a command has two rows");
    }

    #[test]
    fn parse_reads_names_aliases_and_arguments() {
        assert_eq!(parse("fix the bug"), Parsed::Prompt);
        assert!(matches!(parse("/diff  3 "), Parsed::Command(s, "3") if s.cmd == Cmd::Diff));
        assert!(matches!(parse("/exit"), Parsed::Command(s, "") if s.cmd == Cmd::Quit));
        assert_eq!(parse("/frobnicate now"), Parsed::Unknown("frobnicate"));
        assert!(matches!(
            parse("  /new --worktree feat"),
            Parsed::Command(s, "--worktree feat") if s.cmd == Cmd::New
        ));
    }

    #[test]
    fn completion_follows_the_prefix() {
        let names: Vec<&str> = complete("re").iter().map(|s| s.name).collect();
        assert_eq!(names, ["resume", "redo", "review", "rename"]);
        assert_eq!(complete("").len(), TABLE.len());
        assert!(complete("zz").is_empty());
    }

    #[test]
    fn app_server_commands_say_where_they_work() {
        assert!(Backends::AppServer.allows("app-server"));
        assert!(!Backends::AppServer.allows("exec"));
        assert!(Backends::All.allows("mcp"));
    }
}

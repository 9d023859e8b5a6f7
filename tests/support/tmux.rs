//! tmux for the terminal tests: a server of its own per test, the binary under test started in
//! it against the sandbox, keys typed with send-keys and the screen read with capture-pane.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use crate::support::codex::{Sandbox, codexmcp_bin, wait_for};

/// The binary under test: the release build when `CODEXMCP_TEST_BIN` names it (scripts/test.sh
/// does), else the debug build of this test run.
pub fn binary() -> PathBuf {
    std::env::var_os("CODEXMCP_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(codexmcp_bin)
}

/// A tmux server of its own (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(sbx: &Sandbox, args: &[&str]) -> Self {
        Self::start_with_env(sbx, args, &[])
    }

    pub fn start_with_env(sbx: &Sandbox, args: &[&str], extra: &[(&str, &str)]) -> Self {
        let socket = format!("codexmcp-test-{}-{}", std::process::id(), rand_suffix());
        let mut cmd = sbx.codexmcp(args);
        cmd.envs(extra.iter().copied());
        let mut env: Vec<String> = cmd
            .get_envs()
            .filter_map(|(k, v)| Some(format!("{}={}", k.to_str()?, v?.to_str()?)))
            .collect();
        env.push("TERM=xterm-256color".into());
        let shell = format!(
            "cd '{}' && env {} '{}' {}; echo EXITED rc=$?; stty -a; sleep 120",
            sbx.work().display(),
            env.iter()
                .map(|e| format!("'{e}'"))
                .collect::<Vec<_>>()
                .join(" "),
            binary().display(),
            args.iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "150",
                "-y",
                "40",
                "sh",
                "-c",
                &shell,
            ])
            .status()
            .expect("tmux is installed (scripts/test.sh installs it)");
        assert!(ok.success(), "tmux new-session failed");
        let _ = Command::new("tmux")
            .args(["-L", &socket, "set", "-g", "escape-time", "0"])
            .status();
        Self { socket }
    }

    /// The TUI with an agent endpoint (`agent_url`) and a test key, so agent mode is the
    /// default; returns once the status bar names the agent.
    pub async fn start_with_agent(sbx: &Sandbox, args: &[&str], agent_url: &str) -> Self {
        let env = [
            ("OPENAI_API_KEY", "sk-test"),
            ("OPENAI_BASE_URL", agent_url),
        ];
        let tmux = Self::start_with_env(sbx, args, &env);
        tmux.wait_for_text("agent gpt-5.5", 20).await;
        tmux
    }

    pub fn keys(&self, keys: &[&str]) {
        let ok = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(ok.success());
    }

    /// Types literal text (no key-name interpretation).
    pub fn type_text(&self, text: &str) {
        let ok = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-l", text])
            .status()
            .expect("send-keys");
        assert!(ok.success());
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until every needle is on one screen (a frame can be caught half drawn, so a
    /// second needle is waited for, not read off the first capture).
    pub async fn wait_for_all(&self, needles: &[&str], secs: u64) -> String {
        let mut last = String::new();
        let found = wait_for(secs, || {
            last = self.screen();
            needles.iter().all(|n| last.contains(n))
        })
        .await;
        assert!(found, "{needles:?} never all appeared on screen:\n{last}");
        last
    }

    /// Waits until the chat pane (the leftmost box) reads `needle` as flowing text: its lines
    /// are joined with single spaces, so a notice that wraps after a path of any length (the
    /// sandbox lives under whatever directory CI checks out into) still matches.
    pub async fn wait_for_chat(&self, needle: &str, secs: u64) -> String {
        let mut last = String::new();
        let found = wait_for(secs, || {
            last = self.screen();
            chat_text(&last).contains(needle)
        })
        .await;
        assert!(found, "{needle:?} never appeared in the chat pane:\n{last}");
        last
    }

    /// Waits until `needle` is off the screen: after an Escape that closes an overlay, the next
    /// keys must wait for it, or the terminal delivers Escape and them in one read and crossterm
    /// takes the pair for an Alt-key.
    pub async fn wait_gone(&self, needle: &str, secs: u64) {
        let mut last = String::new();
        let gone = wait_for(secs, || {
            last = self.screen();
            !last.contains(needle)
        })
        .await;
        assert!(gone, "{needle:?} never left the screen:\n{last}");
    }

    pub async fn wait_for_text(&self, needle: &str, secs: u64) -> String {
        let mut last = String::new();
        let found = wait_for(secs, || {
            last = self.screen();
            last.contains(needle)
        })
        .await;
        assert!(found, "{needle:?} never appeared on screen:\n{last}");
        last
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The chat pane's text: what lies between the first two `│` of each line, trimmed, joined
/// with single spaces.
pub fn chat_text(screen: &str) -> String {
    let mut words: Vec<&str> = Vec::new();
    for line in screen.lines() {
        let mut cells = line.split('│');
        if let (Some(_), Some(inside)) = (cells.next(), cells.next()) {
            words.extend(inside.split_whitespace());
        }
    }
    words.join(" ")
}

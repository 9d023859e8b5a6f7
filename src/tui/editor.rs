//! Ctrl+G: the prompt in `$VISUAL` / `$EDITOR`, as in Codex's own TUI. The text goes to a
//! private temporary file, the terminal is handed to the editor (the event loop leaves the
//! alternate screen and raw mode, and stops reading keys, first), and whatever the file
//! holds when the editor exits comes back into the prompt.

use std::path::PathBuf;

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi`. It may carry arguments
/// (`code --wait`), so it is run by `sh` with the file as `"$1"`.
pub fn command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Edits `text` in the editor; the edited text (one trailing newline dropped, as editors add
/// one), or why not. Call with the terminal handed over.
pub async fn edit(text: &str) -> Result<String, String> {
    let file = temp_file().map_err(|e| format!("no temporary file for the editor: {e}"))?;
    let result = run(&file, text).await;
    let _ = std::fs::remove_file(&file);
    result
}

async fn run(file: &PathBuf, text: &str) -> Result<String, String> {
    std::fs::write(file, text).map_err(|e| format!("{}: {e}", file.display()))?;
    let editor = command();
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file)
        .status()
        .await
        .map_err(|e| format!("cannot start the editor ({editor}): {e}"))?;
    if !status.success() {
        return Err(format!(
            "the editor ({editor}) exited with {status}; the prompt is unchanged"
        ));
    }
    let edited = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(edited.strip_suffix('\n').unwrap_or(&edited).to_string())
}

/// A new file only this user can read, in the temporary dir.
fn temp_file() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = std::env::temp_dir();
    for n in 0..100u32 {
        let path = dir.join(format!("codexmcp-prompt-{}-{n}.md", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("every candidate name is taken"))
}

//! Images attached to a prompt: checked before anything is sent.
//!
//! Codex itself takes a missing or unreadable image quietly (the model is told it could not be
//! read, and the turn goes on), so every front end checks first: the file exists, is a regular
//! file no bigger than [`MAX_IMAGE_BYTES`], and starts like a PNG, JPEG, GIF or WebP image.
//! What passes is given to Codex as an absolute path: `--image` on exec, a `localImage` input
//! item on the app-server.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest image a prompt may carry (the Responses API's own limit per image is 20 MB).
pub const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;

/// Checks one image; the absolute path, or why it cannot go.
pub fn check(path: &Path, cwd: &Path) -> Result<PathBuf, String> {
    let shown = crate::text::one_line(
        &crate::text::bytes_literal(path.as_os_str().as_encoded_bytes()),
        200,
    );
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let meta = std::fs::metadata(&abs).map_err(|e| format!("image {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("image {shown}: not a regular file"));
    }
    if meta.len() > MAX_IMAGE_BYTES {
        return Err(format!(
            "image {shown}: {:.1} MB is over the {} MB limit",
            meta.len() as f64 / 1e6,
            MAX_IMAGE_BYTES / (1024 * 1024)
        ));
    }
    let mut head = [0u8; 12];
    let n = std::fs::File::open(&abs)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| format!("image {shown}: {e}"))?;
    if kind(&head[..n]).is_none() {
        return Err(format!("image {shown}: not a PNG, JPEG, GIF or WebP image"));
    }
    Ok(abs)
}

/// Checks every image; the first problem stops them all (nothing is sent half-attached).
pub fn check_all(paths: &[PathBuf], cwd: &Path) -> Result<Vec<PathBuf>, String> {
    paths.iter().map(|p| check(p, cwd)).collect()
}

/// The format the first bytes say, if an image one.
pub fn kind(head: &[u8]) -> Option<&'static str> {
    match head {
        [0x89, b'P', b'N', b'G', ..] => Some("png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("jpeg"),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some("gif"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("webp"),
        _ => None,
    }
}

/// A pasted or dropped path, if it names an image file: terminals quote a dropped path or
/// escape its spaces (`'/a b.png'`, `/a\ b.png`, `file:///a%20b.png` is left alone).
pub fn pasted_path(text: &str) -> Option<PathBuf> {
    let t = text.trim();
    if t.contains('\n') || t.is_empty() {
        return None;
    }
    let unquoted = t
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| t.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
        .map(str::to_string)
        .unwrap_or_else(|| t.replace("\\ ", " "));
    let p = PathBuf::from(unquoted);
    let ext = p.extension()?.to_str()?.to_ascii_lowercase();
    let image = matches!(ext.as_str(), "png" | "jpg" | "jpeg" | "gif" | "webp");
    (image && p.is_absolute() && p.is_file()).then_some(p)
}

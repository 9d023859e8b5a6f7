//! Images attached to the next prompt: `/image PATH`, or a pasted or dropped image path
//! (terminals paste a dropped file's path). Each is checked at once — a missing file, a
//! non-image or one over the size limit is said before anything is sent — and shown as a chip
//! in the prompt box's title; Backspace in an empty prompt takes the last one off.

use std::path::Path;

use super::app::{App, Who};
use crate::engine::images;

/// Attaches `path` (relative to where codexmcp was started) if it is an image that can go.
pub fn attach(app: &mut App, path: &str) {
    let here = std::env::current_dir().unwrap_or_default();
    match images::check(Path::new(path.trim()), &here) {
        Ok(abs) => {
            let name = chip(&abs);
            app.attachments.push(abs);
            app.say(
                Who::Notice,
                &format!(
                    "image {name} attached to the next prompt ({} in all; Backspace in an empty \
                     prompt takes the last off)",
                    app.attachments.len()
                ),
            );
        }
        Err(e) => app.fail(&e),
    }
}

/// A paste that is one image path attaches it; true when it did.
pub fn on_paste(app: &mut App, text: &str) -> bool {
    match images::pasted_path(text) {
        Some(p) => {
            attach(app, &p.display().to_string());
            true
        }
        None => false,
    }
}

/// Backspace in an empty prompt: the last image comes off; true when there was one.
pub fn remove_last(app: &mut App) -> bool {
    match app.attachments.pop() {
        Some(p) => {
            app.note(&format!("image {} removed", chip(&p)));
            true
        }
        None => false,
    }
}

/// What the prompt box's title shows for an image: its file name, shortened.
pub fn chip(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("[img {}]", crate::text::one_line(&name, 24))
}

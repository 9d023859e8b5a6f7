//! Looking after stored threads from the TUI: `/rename TITLE`, `/resume TEXT` (a search of
//! every transcript), and in the resume picker Delete (twice: it forgets the thread) and Ctrl+Y
//! (its id to the clipboard).

use super::app::{App, Effect, Popup, Who};

/// `/rename TITLE`; false when `name` is not a session command.
pub fn command(app: &mut App, name: &str, arg: &str, fx: &mut Vec<Effect>) -> bool {
    match name {
        "rename" => match (app.thread_id().map(str::to_string), arg.trim()) {
            (None, _) => app.fail("nothing to rename yet: the thread starts with the first prompt"),
            (_, "") => app.fail("/rename TITLE: the new title"),
            (Some(thread), title) => fx.push(Effect::Rename {
                thread,
                title: title.to_string(),
            }),
        },
        _ => return false,
    }
    true
}

/// Delete on a thread in the resume picker: the first press asks, the second forgets it.
pub fn delete(app: &mut App, id: &str, fx: &mut Vec<Effect>) {
    if app.confirm_delete.as_deref() != Some(id) {
        app.confirm_delete = Some(id.to_string());
        app.note(&format!(
            "press Delete again to forget {id} (its transcript and checkpoints go)"
        ));
        app.say(
            Who::Notice,
            &format!("press Delete again to forget {id}: its transcript and checkpoints go"),
        );
        return;
    }
    app.confirm_delete = None;
    if let Some(Popup::Resume(picker)) = app.popups.top_mut() {
        picker.items.retain(|r| r.id != id);
        let q = picker.query.clone();
        picker.set_query(&q);
    }
    fx.push(Effect::DeleteSession(id.to_string()));
}

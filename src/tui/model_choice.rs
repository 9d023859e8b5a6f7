//! `/model` and `/effort`: which model Codex runs and how hard it thinks, changed during a
//! session. Both apply from the next turn, show in the status bar, and are stored with the
//! thread (its policy), so resuming it keeps them. `/model` alone opens a picker over what
//! Codex lists (`model/list` on the app-server) or, elsewhere, the `models` of config.toml.

use super::app::{App, Effect, Popup, Who};
use super::pickers::Picker;
use crate::engine::app_lists::CodexModel;

/// The efforts Codex takes (`model_reasoning_effort`; 0.171's `model/list` offers up to
/// `ultra`). Which of them a model takes, the picker shows.
pub const EFFORTS: [&str; 8] = [
    "none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra",
];

/// `/model [NAME]`, `/effort LEVEL`; false when `name` is neither.
pub fn command(app: &mut App, name: &str, arg: &str, fx: &mut Vec<Effect>) -> bool {
    let arg = arg.trim();
    match name {
        "model" if arg.is_empty() => fx.push(Effect::ListModels),
        "model" if arg.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            app.fail("/model NAME: a model name has no spaces")
        }
        "model" => choose(app, arg, fx),
        "effort" if EFFORTS.contains(&arg) => {
            app.info.effort = Some(arg.to_string());
            fx.push(Effect::Configure {
                model: None,
                effort: Some(arg.to_string()),
            });
            app.say(
                Who::Notice,
                &format!("reasoning effort {arg} from the next turn"),
            );
        }
        "effort" => app.fail(&format!("/effort LEVEL: one of {}", EFFORTS.join(", "))),
        _ => return false,
    }
    true
}

/// Uses `model` from the next turn.
pub fn choose(app: &mut App, model: &str, fx: &mut Vec<Effect>) {
    app.info.model = model.to_string();
    fx.push(Effect::Configure {
        model: Some(model.to_string()),
        effort: None,
    });
    app.say(Who::Notice, &format!("model {model} from the next turn"));
}

/// The list to pick from arrived.
pub fn listed(app: &mut App, models: Vec<CodexModel>) {
    if models.is_empty() {
        app.say(
            Who::Notice,
            "no model list here (Codex lists models on the app-server backend; elsewhere set \
             `models = [...]` in config.toml): /model NAME sets one",
        );
        return;
    }
    app.popups.push(Popup::Models(Picker::new(models, "")));
}

//! What the App does with a popup's answer ([`Reaction`]): answer an approval, resume a thread,
//! complete a `$skill` or a `/command`, pick a model, forget a stored thread (Delete, twice) or
//! copy its id — and the lists that open popups (`/model`).

use super::super::chat::Who;
use super::super::pickers::Picker;
use super::{App, Effect, Popup, Reaction};
use crate::engine::app_lists::CodexModel;

impl App {
    /// Carries out what the popup on top answered; false when it did not take the key.
    pub(super) fn react(&mut self, reaction: Reaction, fx: &mut Vec<Effect>) -> bool {
        match reaction {
            Reaction::Ignored => return false,
            Reaction::Consumed => {}
            Reaction::Close => {
                if matches!(self.popup(), Some(Popup::Skills(_) | Popup::Commands(_))) {
                    self.here(fx, |s| s.dismiss_word());
                }
                self.popups.pop();
            }
            Reaction::Answer(decision) => {
                let Some(Popup::Approval(a)) = self.popups.pop() else {
                    return true;
                };
                fx.push(Effect::Approve {
                    run: a.run,
                    request_id: a.request_id.clone(),
                    decision,
                });
                self.here(fx, |s| s.forget_approval(&a.request_id));
            }
            Reaction::Resume(id) => {
                self.popups.pop();
                self.here(fx, |s| s.resume(id));
            }
            Reaction::InsertSkill(name) => {
                self.popups.pop();
                self.here(fx, |s| s.replace_word(&format!("${name} ")));
            }
            Reaction::Complete(name) => {
                self.popups.pop();
                self.here(fx, |s| s.replace_word(&format!("/{name} ")));
            }
            Reaction::DeleteSession(id) => self.delete_session(&id, fx),
            Reaction::CopyId(id) => {
                fx.push(Effect::Copy(id.clone()));
                self.here(fx, |s| s.note(&format!("copied {id}")));
            }
            // The list stays under the diff or file it opens: closing that comes back to it.
            Reaction::ShowFinding(f) => self.here(fx, |s| s.show_finding(&f)),
            Reaction::PickModel(model) => {
                self.popups.pop();
                self.choose_model(&model, fx);
            }
        }
        true
    }

    /// Delete on a thread in the resume picker: the first press asks, the second forgets it.
    fn delete_session(&mut self, id: &str, fx: &mut Vec<Effect>) {
        if self.confirm_delete.as_deref() != Some(id) {
            self.confirm_delete = Some(id.to_string());
            self.here(fx, |s| {
                s.note(&format!(
                    "press Delete again to forget {id} (its transcript and checkpoints go)"
                ));
                s.say(
                    Who::Notice,
                    &format!(
                        "press Delete again to forget {id}: its transcript and checkpoints go"
                    ),
                );
            });
            return;
        }
        self.confirm_delete = None;
        if let Some(Popup::Resume(picker)) = self.popups.top_mut() {
            picker.items.retain(|r| r.id != id);
            let q = picker.query.clone();
            picker.set_query(&q);
        }
        fx.push(Effect::DeleteSession(id.to_string()));
    }

    /// `/model NAME` or a pick: Codex uses `model` from the next turn.
    pub(super) fn choose_model(&mut self, model: &str, fx: &mut Vec<Effect>) {
        fx.push(Effect::Configure {
            model: Some(model.to_string()),
            effort: None,
        });
        self.here(fx, |s| {
            s.set_model(model);
            s.say(Who::Notice, &format!("model {model} from the next turn"));
        });
    }

    /// The list `/model` asked for arrived.
    pub(super) fn models_listed(&mut self, models: Vec<CodexModel>) {
        if models.is_empty() {
            self.say(
                Who::Notice,
                "no model list here (Codex lists models on the app-server backend; elsewhere set \
                 `models = [...]` in config.toml): /model NAME sets one",
            );
            return;
        }
        self.popups.push(Popup::Models(Picker::new(models, "")));
    }
}

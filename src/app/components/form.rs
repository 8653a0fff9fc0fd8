//! Form fields with their label, the error the server (or the browser) found, and the value the user typed.

use crate::error::AppError;
use leptos::prelude::*;

/// The error of a form's last submission, as a signal (set by an action, or decoded from the URL after a plain
/// form post).
pub type FormError = Signal<Option<AppError>>;

/// A labelled input. `name` is both the server function's argument and the error's field name.
#[component]
pub fn Field(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] kind: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] autocomplete: Option<String>,
    #[prop(optional)] required: bool,
    /// Checks the value as it is typed (the same rule the server applies).
    #[prop(optional)]
    check: Option<fn(&str) -> Result<(), String>>,
    error: FormError,
    /// Echo what was typed after a refused plain form post (never for passwords).
    #[prop(optional)]
    echo: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let kind = kind.unwrap_or_else(|| "text".into());
    let (local, set_local) = signal(None::<String>);
    let field = name.clone();
    let message = Signal::derive(move || {
        local
            .get()
            .or_else(|| error.get().and_then(|e| e.field_message(&field)))
    });
    let field = name.clone();
    let initial = move || {
        value.clone().or_else(|| {
            if echo {
                error.get_untracked().and_then(|e| e.typed(&field))
            } else {
                None
            }
        })
    };
    let described = {
        let error_id = error_id.clone();
        let hint_id = hint_id.clone();
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if message.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:has-error=move || message.get().is_some()>
            <label for=id.clone()>{label}{required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}</label>
            <input
                id=id
                name=name.clone()
                type=kind
                value=initial()
                required=required
                autocomplete=autocomplete
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=described
                on:input=move |ev| {
                    if let Some(check) = check {
                        let v = event_target_value(&ev);
                        set_local.set(if v.is_empty() && !required { None } else { check(&v).err() });
                    }
                }
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            <p class="field-error" id=error_id data-field-error=name role="status">{message}</p>
        </div>
    }
}

/// The form-level message of a refused submission (the headline of the rejection).
#[component]
pub fn FormMessage(error: FormError) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! { <p class="error" role="alert" data-testid="form-error">{e.to_string()}</p> }
        })
    }
}

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
    check: Option<FieldCheck>,
    error: FormError,
    /// Echo what was typed after a refused plain form post (never for passwords).
    #[prop(optional)]
    echo: bool,
    /// The field name in error messages (the API path, e.g. `returnAddress.email`), when it differs from `name`.
    #[prop(optional, into)]
    error_key: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional)] disabled: bool,
    /// A secret (a BitLocker key) typed masked, with a *Show* checkbox that reveals it. Without JavaScript the
    /// input is a text field masked by CSS, which the checkbox lifts; with JavaScript it is a password field
    /// whose type the checkbox switches.
    #[prop(optional)]
    reveal: bool,
) -> impl IntoView {
    let id = field_id(&name);
    let kind = kind.unwrap_or_else(|| "text".into());
    let reveal_id = format!("{id}-show");
    // Effects run only in the browser: `scripted` turns true once the page is hydrated.
    let (scripted, set_scripted) = signal(false);
    let (shown, set_shown) = signal(false);
    if reveal {
        Effect::new(move |_| set_scripted.set(true));
    }
    let input_type = move || {
        if !reveal {
            kind.clone()
        } else if scripted.get() && !shown.get() {
            "password".to_string()
        } else {
            "text".to_string()
        }
    };
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    // What was typed and not saved yet, on a page that keeps drafts across its live redraws: it wins over the
    // echo of an earlier refused post and over the stored value, and keeps its as-typed error.
    let draft = use_context::<super::drafts::FormDrafts>().and_then(|d| d.get(&name));
    let (local, set_local) = signal(
        check
            .zip(draft.as_deref())
            .filter(|(_, v)| !v.is_empty() || required)
            .and_then(|(check, v)| check(v).err()),
    );
    let field = error_key.unwrap_or_else(|| name.clone());
    let field_key = field.clone();
    let message = Signal::derive(move || {
        local
            .get()
            .or_else(|| error.get().and_then(|e| e.field_message(&field)))
    });
    let field = name.clone();
    // After a refused plain form post, what was typed wins over the stored value.
    let initial = move || {
        draft.clone().or_else(|| {
            echo.then(|| error.get_untracked().and_then(|e| e.typed(&field)))
                .flatten()
                .or_else(|| value.clone())
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
    let anchor = error_anchor(&field_key);
    let autofocus = first_invalid(error, &anchor);
    view! {
        <div class="field" class:has-error=move || message.get().is_some() id=move || message.get().is_some().then(|| anchor.clone())>
            <label for=id.clone()>{label}{required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}</label>
            <input
                id=id
                name=name.clone()
                type=input_type
                class=reveal.then_some("masked")
                spellcheck=reveal.then_some("false")
                value=initial()
                required=required
                disabled=disabled
                autofocus=autofocus
                placeholder=placeholder
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
            {reveal.then(|| view! {
                <label class="reveal" for=reveal_id.clone()>
                    <input type="checkbox" id=reveal_id.clone() class="reveal-toggle" data-testid="reveal-secret"
                        on:change=move |ev| set_shown.set(event_target_checked(&ev))/>
                    " Show"
                </label>
            })}
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            <p class="field-error" id=error_id data-field-error=name role="status">{message}</p>
        </div>
    }
}

/// A field's own rule, run as the user types (a `lifecycle::validate` function).
pub type FieldCheck = fn(&str) -> Result<(), String>;

/// An element id for an input name (`job[drives][0][drive_id]` → `field-job-drives-0-drive_id`).
pub fn field_id(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("field-{}", cleaned.trim_matches('-').replace("--", "-"))
}

/// Whether the field `anchor` is the first one a refusal names: it takes the focus when the page loads (the
/// plain form post's answer; with JavaScript `FormMessage` moves the focus as well).
fn first_invalid(error: FormError, anchor: &str) -> bool {
    error
        .get_untracked()
        .and_then(|e| {
            e.rejection()
                .and_then(|r| r.details.first().map(|d| error_anchor(&d.field)))
        })
        .is_some_and(|first| first == anchor)
}

/// A labelled select. `options` are (value, label).
#[component]
pub fn SelectField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    options: Vec<(String, String)>,
    #[prop(optional, into)] selected: Option<String>,
    error: FormError,
    #[prop(optional, into)] error_key: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] disabled: bool,
    #[prop(optional)] required: bool,
    /// After a refused form, select what was chosen rather than `selected` (when it is one of the options).
    #[prop(optional)]
    echo: bool,
) -> impl IntoView {
    let id = field_id(&name);
    let error_id = format!("{id}-error");
    let field = error_key.unwrap_or_else(|| name.clone());
    let anchor = error_anchor(&field);
    let autofocus = first_invalid(error, &anchor);
    let message = Signal::derive(move || error.get().and_then(|e| e.field_message(&field)));
    let selected = echo
        .then(|| error.get_untracked().and_then(|e| e.typed(&name)))
        .flatten()
        .filter(|chosen| options.iter().any(|(value, _)| value == chosen))
        .or(selected);
    view! {
        <div class="field" class:has-error=move || message.get().is_some() id=move || message.get().is_some().then(|| anchor.clone())>
            <label for=id.clone()>{label}{required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}</label>
            <select id=id name=name.clone() disabled=disabled required=required autofocus=autofocus aria-describedby=error_id.clone()>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is = selected.as_deref() == Some(value.as_str());
                        view! { <option value=value selected=is>{text}</option> }
                    })
                    .collect_view()}
            </select>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <p class="field-error" id=error_id data-field-error=name role="status">{move || message.get()}</p>
        </div>
    }
}

/// A labelled multi-line input.
#[component]
pub fn TextAreaField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    error: FormError,
    /// Error keys starting with this prefix are shown here (e.g. every `export.blobList.blobPath[n]`).
    #[prop(into)]
    error_prefix: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] echo: bool,
    /// The text it starts with (what was typed, or the stored value).
    #[prop(optional, into)]
    value: Option<String>,
) -> impl IntoView {
    let id = field_id(&name);
    let error_id = format!("{id}-error");
    let field = name.clone();
    let prefix = error_prefix.clone();
    // The summary links to the first problem of the list.
    let anchor = Signal::derive(move || {
        error.get().and_then(|e| {
            e.rejection()?
                .details
                .iter()
                .find(|d| d.field.starts_with(&prefix))
                .map(|d| error_anchor(&d.field))
        })
    });
    let messages = Signal::derive(move || {
        error
            .get()
            .and_then(|e| e.rejection().cloned())
            .map(|r| {
                r.details
                    .iter()
                    .filter(|d| d.field.starts_with(&error_prefix))
                    .map(|d| {
                        let line = d
                            .field
                            .rsplit_once('[')
                            .and_then(|(_, n)| n.trim_end_matches(']').parse::<usize>().ok())
                            .map(|n| format!("Line {}: ", n + 1))
                            .unwrap_or_default();
                        format!("{line}{}", d.message)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|m| !m.is_empty())
    });
    let initial = echo
        .then(|| error.get_untracked().and_then(|e| e.typed(&field)))
        .flatten()
        .or(value)
        .filter(|v| !v.is_empty());
    view! {
        <div class="field" class:has-error=move || messages.get().is_some() id=move || anchor.get()>
            <label for=id.clone()>{label}</label>
            <textarea id=id name=name.clone() rows="3" aria-describedby=error_id.clone()>{initial}</textarea>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <p class="field-error" id=error_id data-field-error=name role="status">{move || messages.get()}</p>
        </div>
    }
}

/// The id a field's block carries while it shows a problem, from the field's error key (its API path): what
/// the error summary links to.
pub fn error_anchor(key: &str) -> String {
    let cleaned: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut out = String::from("problem");
    for part in cleaned.split('-').filter(|p| !p.is_empty()) {
        out.push('-');
        out.push_str(part);
    }
    out
}

/// The form-level message of a refused submission: the headline, and when fields are at fault a summary linking
/// to each of them by its label ("Drive 2 — BitLocker key: …"). With JavaScript, focus moves to the first one.
#[component]
pub fn FormMessage(error: FormError) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let first = error.get().and_then(|e| {
            e.rejection()
                .and_then(|r| r.details.first().map(|d| error_anchor(&d.field)))
        });
        if let Some(anchor) = first {
            request_animation_frame(move || {
                focus_field(&anchor);
            });
        }
    });
    move || {
        error.get().map(|e| {
            let problems: Vec<(String, String)> = e
                .rejection()
                .map(|r| {
                    r.details
                        .iter()
                        .map(|d| (error_anchor(&d.field), lifecycle::labels::labelled(d)))
                        .collect()
                })
                .unwrap_or_default();
            if problems.len() < 2 {
                // One problem: the headline is the summary; it still links to the field.
                return match problems.into_iter().next() {
                    Some((anchor, text)) => {
                        let href = format!("#{anchor}");
                        view! {
                            <div class="error error-summary" role="alert" data-testid="form-error">
                                <a href=href data-testid="error-link" on:click=move |ev| follow_link(ev, &anchor)>{text}</a>
                            </div>
                        }
                        .into_any()
                    }
                    None => view! { <p class="error" role="alert" data-testid="form-error">{e.to_string()}</p> }.into_any(),
                };
            }
            let count = problems.len();
            view! {
                <div class="error error-summary" role="alert" data-testid="form-error">
                    <p class="error-summary-title">{format!("{count} fields need correcting:")}</p>
                    <ul>
                        {problems
                            .into_iter()
                            .map(|(anchor, text)| {
                                let href = format!("#{anchor}");
                                view! { <li><a href=href data-testid="error-link" on:click=move |ev| follow_link(ev, &anchor)>{text}</a></li> }
                            })
                            .collect_view()}
                    </ul>
                </div>
            }
            .into_any()
        })
    }
}

/// A summary link: with JavaScript, focus the field itself (the plain link only scrolls to its block).
fn follow_link(ev: leptos::ev::MouseEvent, anchor: &str) {
    #[cfg(feature = "hydrate")]
    {
        if focus_field(anchor) {
            ev.prevent_default();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (ev, anchor);
    }
}

/// Focuses the first control of the field block `anchor`; whether there was one.
#[cfg(feature = "hydrate")]
fn focus_field(anchor: &str) -> bool {
    use wasm_bindgen::JsCast;
    let control = document()
        .get_element_by_id(anchor)
        .and_then(|block| {
            block
                .query_selector("input:not([type=hidden]), select, textarea")
                .ok()
                .flatten()
        })
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    match control {
        Some(el) => {
            el.scroll_into_view();
            el.focus().is_ok()
        }
        None => false,
    }
}

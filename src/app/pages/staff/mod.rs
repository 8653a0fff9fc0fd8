//! The support console (`/staff/…`, staff only): every customer's jobs, a job's timeline and the data
//! center's operations, the attention queue, unmatched intakes and the development clock. Every form is an
//! `ActionForm` (hydrated) that also works as a plain form post with JavaScript off; every server function is
//! `staff_…` (staff-only in the access policy) and checks `require_staff` again.

pub mod attention;
pub mod clock;
pub mod intakes;
pub mod job;
pub mod jobs;
pub mod ops;

use crate::app::components::form::FormError;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

/// The error of an action's last run.
pub fn error_of<S>(action: ServerAction<S>) -> FormError
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
}

/// The console's own navigation.
#[component]
pub fn ConsoleNav() -> impl IntoView {
    view! {
        <nav class="console-nav" aria-label="Support console">
            <A href="/staff" exact=true>"All jobs"</A>
            <A href="/staff/attention">"Attention queue"</A>
            <A href="/staff/intakes">"Unmatched intakes"</A>
            <A href="/staff/clock">"Clock"</A>
        </nav>
    }
}

/// The message a refused form left for `name`, if any.
fn message_for(error: FormError, name: String) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|e| e.field_message(&name)))
}

/// A labelled input with a page-unique `id`, the server's message for `name`, and the value typed before a
/// refused plain form post.
#[component]
pub fn OpInput(
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] kind: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional)] required: bool,
    error: FormError,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = message_for(error, name.clone());
    let typed = error.get_untracked().and_then(|e| e.typed(&name));
    let initial = typed.or(value);
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
    // Numbers, dates and URLs are text inputs with a keyboard hint and a pattern: Chromium lays out number,
    // date and url inputs that a live re-render creates with no size (the server checks every value anyway).
    let kind = kind.unwrap_or_else(|| "text".into());
    let (kind, inputmode, pattern, placeholder) = match kind.as_str() {
        "number" => (
            "text".to_string(),
            Some("numeric"),
            Some("[0-9]*"),
            placeholder,
        ),
        "date" => (
            "text".to_string(),
            None,
            Some("[0-9]{4}-[0-9]{2}-[0-9]{2}"),
            placeholder.or_else(|| Some("YYYY-MM-DD".into())),
        ),
        "url" => ("text".to_string(), Some("url"), None, placeholder),
        _ => (kind, None, None, placeholder),
    };
    view! {
        <div class="field" class:has-error=move || message.get().is_some()>
            <label for=id.clone()>{label}{required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}</label>
            <input
                id=id
                name=name.clone()
                type=kind
                inputmode=inputmode
                pattern=pattern
                value=initial
                placeholder=placeholder
                required=required
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            <p class="field-error" id=error_id data-field-error=name role="status">{message}</p>
        </div>
    }
}

/// A labelled multi-line text input.
#[component]
pub fn OpTextArea(
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] required: bool,
    error: FormError,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let message = message_for(error, name.clone());
    let typed = error
        .get_untracked()
        .and_then(|e| e.typed(&name))
        .unwrap_or_default();
    view! {
        <div class="field" class:has-error=move || message.get().is_some()>
            <label for=id.clone()>{label}{required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}</label>
            <textarea
                id=id
                name=name.clone()
                rows="2"
                required=required
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=error_id.clone()
            >{typed}</textarea>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <p class="field-error" id=error_id data-field-error=name role="status">{message}</p>
        </div>
    }
}

/// A labelled choice among `options` (value, label).
#[component]
pub fn OpSelect(
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    options: Vec<(String, String)>,
    #[prop(optional, into)] selected: Option<String>,
    error: FormError,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let message = message_for(error, name.clone());
    let chosen = error
        .get_untracked()
        .and_then(|e| e.typed(&name))
        .or(selected);
    view! {
        <div class="field" class:has-error=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <select id=id name=name.clone() aria-describedby=error_id.clone()>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is = chosen.as_deref() == Some(value.as_str());
                        view! { <option value=value selected=is>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <p class="field-error" id=error_id data-field-error=name role="status">{message}</p>
        </div>
    }
}

/// The headline of a refused form, shown only when `show` (e.g. the error concerns this drive's form).
#[component]
pub fn OpMessage(
    error: FormError,
    #[prop(optional, into)] show: Option<Signal<bool>>,
) -> impl IntoView {
    move || {
        let visible = show.map(|s| s.get()).unwrap_or(true);
        error.get().filter(|_| visible).map(|e| {
            view! { <p class="error" role="alert" data-testid="op-error">{e.to_string()}</p> }
        })
    }
}

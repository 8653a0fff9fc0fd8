//! `PostForm` and `FormAction`: a form that calls a server function returning `Result<(), AppError>`, a
//! drop-in for `ActionForm` and `ServerAction` (same markup, `value()` and `version()`).
//!
//! Why not `ActionForm`: hydrated, it reads the form into the function's argument type with serde_qs and
//! sends it through the function's client, which compiles a form deserializer, a serializer and a copy of
//! the action machinery into the WebAssembly for every function (about 13 KB each, seven on the job page, and
//! serde_qs's deserializer with them). A `PostForm` posts the form's own fields, URL-encoded, exactly as the
//! browser does without JavaScript, so the server decodes both paths with the same code; the only code per
//! function is its URL. Without JavaScript it is the plain `<form method="post">` that `ActionForm` renders,
//! and a refused post comes back as the same error in the page's URL.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;
use std::marker::PhantomData;

/// The state of one form's submissions, the same for every server function.
#[derive(Clone, Copy)]
struct Submissions {
    value: RwSignal<Option<Result<(), AppError>>>,
    version: RwSignal<usize>,
    /// Submissions sent and not yet answered.
    pending: RwSignal<usize>,
}

/// A server function's submissions through a [`PostForm`]: what the last one returned, and how many completed.
pub struct FormAction<S> {
    path: &'static str,
    state: Submissions,
    function: PhantomData<fn() -> S>,
}

impl<S> Clone for FormAction<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for FormAction<S> {}

impl<S> Default for FormAction<S>
where
    S: ServerFn<Output = (), Error = AppError>,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<S> FormAction<S>
where
    S: ServerFn<Output = (), Error = AppError>,
{
    /// Like `ServerAction::new`: after a refused plain form post, the re-rendered page starts with its error.
    pub fn new() -> Self {
        let refused = use_context::<ServerActionError>()
            .filter(|e| e.path() == S::PATH)
            .map(|e| Err(ServerFnUrlError::<AppError>::decode_err(e.err())));
        FormAction {
            path: S::url(),
            state: Submissions {
                value: RwSignal::new(refused),
                version: RwSignal::new(0),
                pending: RwSignal::new(0),
            },
            function: PhantomData,
        }
    }
}

impl<S> FormAction<S> {
    /// The result of the last submission, if any.
    pub fn value(&self) -> ReadSignal<Option<Result<(), AppError>>> {
        self.state.value.read_only()
    }

    /// How many submissions have completed.
    pub fn version(&self) -> ReadSignal<usize> {
        self.state.version.read_only()
    }

    /// Whether a submission is on its way (its answer will be followed by a re-read of the page's data).
    pub fn is_pending(&self) -> bool {
        self.state.pending.get_untracked() > 0
    }
}

/// `<form method="post" action=…>` for `action`'s server function; hydrated, it submits in the background.
#[component]
pub fn PostForm<S: 'static>(action: FormAction<S>, children: Children) -> impl IntoView {
    post_form(action.path, action.state, children)
}

/// The form itself, compiled once for every server function.
fn post_form(path: &'static str, state: Submissions, children: Children) -> AnyView {
    view! {
        <form method="post" action=path on:submit=move |ev| submit(ev, path, state)>
            {children()}
        </form>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
fn submit(ev: leptos::ev::SubmitEvent, path: &'static str, state: Submissions) {
    if ev.default_prevented() {
        return;
    }
    ev.prevent_default();
    let body = leptos::form::form_data_from_event(&ev)
        .ok()
        .and_then(|data| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok())
        .map(|params| String::from(params.to_string()));
    state.pending.update(|n| *n += 1);
    leptos::task::spawn_local(async move {
        let result = match body {
            Some(body) => post(path, body).await,
            None => Err(AppError::Internal("the form could not be read".into())),
        };
        state.pending.update(|n| *n = n.saturating_sub(1));
        state.value.set(Some(result));
        state.version.update(|v| *v += 1);
    });
}

#[cfg(not(feature = "hydrate"))]
fn submit(_: leptos::ev::SubmitEvent, _: &'static str, _: Submissions) {}

/// What a server function's own client does with a URL-encoded body, for a function returning `()`: the
/// error of a 4xx/5xx answer, and the redirect a function asked for (the router follows it).
#[cfg(feature = "hydrate")]
async fn post(path: &str, body: String) -> Result<(), AppError> {
    use leptos::server_fn::client::{browser::BrowserClient, Client};
    use leptos::server_fn::error::FromServerFnError;
    use leptos::server_fn::request::{browser::BrowserRequest, ClientReq};
    use leptos::server_fn::response::ClientRes;
    let request = <BrowserRequest as ClientReq<AppError>>::try_new_post(
        path,
        "application/x-www-form-urlencoded",
        "application/json",
        body,
    )?;
    let response = <BrowserClient as Client<AppError>>::send(request).await?;
    let status = ClientRes::<AppError>::status(&response);
    let location = ClientRes::<AppError>::location(&response);
    let redirect = ClientRes::<AppError>::has_redirect(&response);
    let result = if (400..=599).contains(&status) {
        let bytes = ClientRes::<AppError>::try_into_bytes(response).await?;
        Err(AppError::de(bytes))
    } else {
        Ok(())
    };
    if (300..=399).contains(&status) || redirect {
        leptos::server_fn::redirect::call_redirect_hook(&location);
    }
    result
}

//! The new-job form posted to its own page without JavaScript (`POST /jobs/new`). Its secondary buttons (add
//! or remove a drive row, show the chosen data center's address) and its main button post here; the answer is
//! the page again with everything typed, BitLocker keys included, since they travel only in this request's
//! and this response's bodies (a server function's refusal would carry them in a redirect URL). A created job
//! redirects to its page. With JavaScript the same buttons act in the browser and create through the
//! `create_job` server function.

use super::auth::Identity;
use super::state::AppState;
use crate::app::forms::{FormIntent, JobForm};
use crate::app::pages::new_job::{create_job_as, NewJobDraft, NEW_JOB_PATH};
use crate::app::shell;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::provide_context;
use serde::Deserialize;

/// The form's fields, and which button sent it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Posted {
    job: JobForm,
    intent: Option<String>,
}

pub async fn post(State(app): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(identity) = parts.extensions.get::<Identity>().cloned() else {
        return Redirect::to(&format!("/sign-in?next={NEW_JOB_PATH}")).into_response();
    };
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large").into_response(),
    };
    // As server functions read forms: nested names (`job[drives][0][drive_id]`), brackets possibly encoded.
    let posted: Posted = match serde_qs::Config::new(5, false).deserialize_bytes(&bytes) {
        Ok(posted) => posted,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("The form could not be read: {e}"),
            )
                .into_response()
        }
    };
    let mut form = posted.job;
    let error = match FormIntent::parse(posted.intent.as_deref()) {
        FormIntent::Create => match create_job_as(&app, &identity, &form).await {
            Ok(id) => return Redirect::to(&format!("/jobs/{id}")).into_response(),
            Err(e) => Some(e),
        },
        rows => {
            form.change_rows(rows);
            None
        }
    };
    // The page shows at most the lifecycle's number of drive rows, whatever was posted.
    form.clamp_rows();
    render(app, parts, NewJobDraft { form, error }).await
}

/// The new-job page rendered for this request with `draft` in its context (read by `new_job_options`).
async fn render(app: AppState, parts: axum::http::request::Parts, draft: NewJobDraft) -> Response {
    let options = app.leptos_options.clone();
    let context = move || {
        provide_context(app.clone());
        provide_context(draft.clone());
    };
    let handler =
        leptos_axum::render_app_async_with_context(context, move || shell(options.clone()));
    let mut request = Request::from_parts(parts, Body::empty());
    // Rendered as the page is; the body has been read.
    *request.method_mut() = Method::GET;
    request.headers_mut().remove(header::CONTENT_LENGTH);
    request.headers_mut().remove(header::CONTENT_TYPE);
    handler(request).await
}

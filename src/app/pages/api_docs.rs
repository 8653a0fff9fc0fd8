//! `/api-docs`: how programs use the portal — base URL, authentication, a Python snippet, the OpenAPI
//! document. Public, so it can be read before signing up; signed-in customers see their own subscription in
//! the snippet.

use crate::api_guide::{python_snippet, SDK_INSTALL};
use crate::app::resource::resource;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiDocsInfo {
    /// `http://host:port` as this browser reached the portal.
    pub base_url: String,
    /// The signed-in customer's first subscription, if any.
    pub subscription: Option<String>,
}

#[server(endpoint = "api_docs_context")]
pub async fn api_docs_context() -> Result<ApiDocsInfo, AppError> {
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let parts = use_context::<axum::http::request::Parts>();
    // The same base URL as the API's nextLink (X-Forwarded-Proto only from a trusted proxy).
    let base_url = match &parts {
        Some(p) => crate::server::auth::client_addr::base_url(
            crate::server::auth::RemoteAddr::scheme_of(p),
            p.headers.get(axum::http::header::HOST),
            &p.uri,
            app.config.leptos.site_addr,
        ),
        None => format!("http://{}", app.config.leptos.site_addr),
    };
    Ok(ApiDocsInfo {
        base_url,
        subscription: crate::server::auth::current()
            .and_then(|identity| identity.subscriptions.first().cloned()),
    })
}

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let context = resource(|| (), |_| api_docs_context());
    view! {
        <Title text="API"/>
        <div class="page-head"><h1>"API for programs"</h1></div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let c = context.await.unwrap_or(ApiDocsInfo {
                    base_url: String::new(),
                    subscription: None,
                });
                let subscription = c.subscription.clone().unwrap_or_else(|| "<your subscription id>".into());
                let snippet = python_snippet(&c.base_url, &subscription, "<your API token>");
                let curl = format!(
                    "curl -H \"Authorization: Bearer $TOKEN\" \\\n  \"{}/subscriptions/{subscription}/providers/Microsoft.ImportExport/jobs?api-version=2021-01-01\"",
                    c.base_url
                );
                view! {
                    <section class="card" aria-labelledby="api-what">
                        <h2 id="api-what">"What it is"</h2>
                        <p>
                            "The portal speaks the REST API of Azure's Microsoft.ImportExport resource provider, api-version "
                            <code>"2021-01-01"</code>" (and "<code>"2020-08-01"</code>", which has the same shape). "
                            "Existing clients — the official Python SDK, scripts, infrastructure tools — work by changing only the endpoint. "
                            "Every change made through the API follows the same rules as the portal and appears in the job's timeline under your token's name."
                        </p>
                        <dl class="props">
                            <dt>"Base URL"</dt><dd class="mono" data-testid="api-base-url">{c.base_url.clone()}</dd>
                            <dt>"Jobs"</dt><dd class="mono">"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.ImportExport/jobs/{name}?api-version=2021-01-01"</dd>
                            <dt>"Locations"</dt><dd class="mono">"/providers/Microsoft.ImportExport/locations?api-version=2021-01-01"</dd>
                            <dt>"Description"</dt><dd><a href="/openapi.json" rel="external" data-testid="openapi-link">"OpenAPI 3 document (/openapi.json)"</a></dd>
                        </dl>
                    </section>
                    <section class="card" aria-labelledby="api-auth">
                        <h2 id="api-auth">"Authentication"</h2>
                        <p>
                            "Create an API token on your "<a href="/account">"Account page"</a>" and send it with every request as "
                            <code>"Authorization: Bearer <token>"</code>". A token acts on your subscriptions only; "
                            "other customers' jobs answer 404. Staff tokens can read every subscription but change nothing."
                        </p>
                        <pre class="snippet" data-testid="curl-snippet"><code>{curl}</code></pre>
                    </section>
                    <section class="card" aria-labelledby="api-python">
                        <h2 id="api-python">"Python"</h2>
                        <p class="hint">
                            "With the official SDK ("<code>{SDK_INSTALL}</code>"). Over plain http the SDK's own token policy refuses to send tokens, "
                            "so the snippet sends the portal's token with a small policy of its own."
                        </p>
                        <pre class="snippet" data-testid="python-snippet"><code>{snippet}</code></pre>
                    </section>
                    <section class="card" aria-labelledby="api-notes">
                        <h2 id="api-notes">"Good to know"</h2>
                        <ul>
                            <li>"Update (PATCH): "<code>"state: Shipping"</code>" reports the package as shipped; "<code>"cancelRequested: true"</code>" requests cancellation. The SDK's defaults ("<code>"cancelRequested: false"</code>", "<code>"backupDriveManifest: false"</code>", "<code>"state: Creating"</code>") change nothing."</li>
                            <li>"Lists: "<code>"$top"</code>" (1–100) is the page size; follow "<code>"nextLink"</code>". "<code>"$filter"</code>" accepts "<code>"state eq 'Shipping'"</code>" and "<code>"jobType eq 'Import'"</code>", joined by "<code>"and"</code>"."</li>
                            <li>"Errors use the ARM envelope "<code>"{\"error\": {\"code\", \"message\", \"target\", \"details\"}}"</code>"; "<code>"target"</code>" names the field. 400: invalid input, 401: token, 404: not found (or not yours), 409: not allowed in the job's current state."</li>
                            <li>"BitLocker keys are never returned with a job; "<code>"POST …/listBitLockerKeys"</code>" returns them."</li>
                            <li>"Send "<code>"x-ms-client-request-id"</code>" to find your request in the server's log; every answer carries "<code>"x-ms-request-id"</code>"."</li>
                        </ul>
                    </section>
                }
            })}
        </Suspense>
    }
}

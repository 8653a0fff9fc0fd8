//! One-time messages the server kept for this page (see `server::flash`): the refusal of a form posted without
//! JavaScript, with what was typed, or a notice about one that succeeded. They never travel in a URL.
//!
//! On the server the message arrives with the request (taken from storage by the flash layer); the page's
//! `<head>` carries it as a `<meta name="portal-flash">` for the browser, so that the hydrated page starts
//! from the same message as the HTML. A refusal is provided as the context Leptos's actions start from
//! (`ServerActionError`), so `ServerAction::new` and `FormAction::new` show it exactly as they showed an
//! error decoded from the URL before; the URL's own `__err` is never believed (the server redirects it
//! away).

use leptos::prelude::*;
use leptos::server::ServerActionError;

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    /// A refused form: `text` is the error as server functions encode it in a URL (base64 of its JSON).
    Echo,
    /// A form that succeeded: `text` is what to tell the user.
    Notice,
}

impl FlashKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlashKind::Echo => "echo",
            FlashKind::Notice => "notice",
        }
    }

    pub fn parse(s: &str) -> Option<FlashKind> {
        match s {
            "echo" => Some(FlashKind::Echo),
            "notice" => Some(FlashKind::Notice),
            _ => None,
        }
    }
}

/// One message for this page; `form` is the path of the server function whose form it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageFlash {
    pub kind: FlashKind,
    pub form: String,
    pub text: String,
}

/// The notice of a form that succeeded (a context, for the form's page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageNotice {
    pub form: String,
    pub text: String,
}

/// The message of this page: on the server, the one the flash layer took for this request; in the browser,
/// the one the server rendered into `<head>`.
pub fn page_flash() -> Option<PageFlash> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<PageFlash>().cloned())
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let meta = document()
            .query_selector("meta[name=\"portal-flash\"]")
            .ok()
            .flatten()?;
        Some(PageFlash {
            kind: FlashKind::parse(&meta.get_attribute("data-kind")?)?,
            form: meta.get_attribute("data-form")?,
            text: meta.get_attribute("content")?,
        })
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        None
    }
}

/// Provides this page's message to the forms below (called once, inside the router, by the layout). The
/// message belongs to the page the server rendered: once the hydrated app navigates elsewhere, it is
/// forgotten, so a form met again later starts clean.
pub fn provide_page_flash() {
    provide_flash(page_flash());
    let Some(owner) = Owner::current() else {
        return;
    };
    let location = leptos_router::hooks::use_location();
    let first = (
        location.pathname.get_untracked(),
        location.search.get_untracked(),
    );
    Effect::new(move |_| {
        let now = (location.pathname.get(), location.search.get());
        if now != first {
            owner.with(|| provide_flash(None));
        }
    });
}

fn provide_flash(flash: Option<PageFlash>) {
    match flash {
        Some(PageFlash {
            kind: FlashKind::Echo,
            form,
            text,
        }) => provide_context(ServerActionError::new(&form, &text)),
        Some(PageFlash {
            kind: FlashKind::Notice,
            form,
            text,
        }) => provide_context(PageNotice { form, text }),
        // Nothing (any more): contexts that match no form.
        None => {
            provide_context(ServerActionError::new("", ""));
            provide_context(PageNotice {
                form: String::new(),
                text: String::new(),
            });
        }
    }
}

/// The notice kept for the form of the server function at `path`, if this page has one.
pub fn notice_for(path: &str) -> Option<String> {
    use_context::<PageNotice>()
        .filter(|n| n.form == path)
        .map(|n| n.text)
}

/// The `<meta>` that hands this page's message to the browser (rendered in the document's head, which is not
/// hydrated).
#[component]
pub fn FlashMeta() -> impl IntoView {
    page_flash().map(|f| {
        view! { <meta name="portal-flash" data-kind=f.kind.as_str() data-form=f.form content=f.text/> }
    })
}

//! The frame of every page: header with navigation and the signed-in person, main area, footer.

use crate::app::pages::auth::{current_user, SignOut};
use crate::app::resource::resource;
use crate::model::Role;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_location;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // A form refused without JavaScript shows its error (and what was typed) from the server's flash only.
    crate::app::flash::provide_page_flash();
    let user = resource(|| (), |_| current_user());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a href="/" class="brand">
                <span class="brand-mark" aria-hidden="true">"⇅"</span>
                <span>"Import/Export"</span>
            </a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(u)) => {
                            let staff = u.role == Role::Staff;
                            view! {
                                <nav aria-label="Main" class="main-nav">
                                    <SectionLink href="/jobs" label="Jobs"/>
                                    {staff.then(|| view! { <SectionLink href="/staff" label="Support console"/> })}
                                    <SectionLink href="/account" label="Account"/>
                                </nav>
                                <div class="who">
                                    <span data-testid="signed-in-as" title=u.email.clone()>
                                        {u.display_name.clone()}
                                        {staff.then_some(" · staff")}
                                    </span>
                                    <form method="post" action=SignOut::url()>
                                        <button type="submit" class="button link">"Sign out"</button>
                                    </form>
                                </div>
                            }
                            .into_any()
                        }
                        _ => view! {
                            <nav aria-label="Main" class="main-nav">
                                <a href="/sign-in">"Sign in"</a>
                                <a href="/sign-up">"Create an account"</a>
                            </nav>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </header>
        <main id="main" class="content">{children()}</main>
        <footer class="footer">
            <span>"Import/Export job portal"</span>
            " · "
            <a href="/api-docs" data-testid="api-docs-link">"API for programs"</a>
        </footer>
    }
}

/// A header link to a section of the portal: marked (class `active`) on every page of its section, but
/// `aria-current` only on the section's own page, and never where the section has a navigation of its own (the
/// console), so that only the current tab is announced as current.
#[component]
fn SectionLink(href: &'static str, label: &'static str) -> impl IntoView {
    let path = use_location().pathname;
    let inside = move || path.with(|p| in_section(p, href));
    let current = move || {
        path.with(|p| p == href && !has_own_navigation(href))
            .then_some("page")
    };
    view! { <a href=href class:active=inside aria-current=current>{label}</a> }
}

/// Whether `path` is `section` itself or a page under it.
fn in_section(path: &str, section: &str) -> bool {
    path.strip_prefix(section)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Sections whose pages carry their own tabs (the console's navigation marks the current one).
fn has_own_navigation(section: &str) -> bool {
    section == "/staff"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_holds_its_own_page_and_the_pages_under_it() {
        assert!(in_section("/jobs", "/jobs"));
        assert!(in_section("/jobs/12", "/jobs"));
        assert!(!in_section("/jobsite", "/jobs"));
        assert!(!in_section("/account", "/jobs"));
        assert!(has_own_navigation("/staff"));
        assert!(!has_own_navigation("/jobs"));
    }
}

//! The frame of every page: header with navigation and the signed-in person, main area, footer.

use crate::app::pages::auth::{current_user, SignOut};
use crate::app::resource::resource;
use crate::model::Role;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

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
                                    <A href="/jobs">"Jobs"</A>
                                    {staff.then(|| view! { <A href="/staff">"Support console"</A> })}
                                    <A href="/account">"Account"</A>
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

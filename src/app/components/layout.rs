//! The frame of every page: header with navigation, main area, footer.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"⇅"</span>
                <span>"Import/Export"</span>
            </A>
            <nav aria-label="Main">
                <A href="/jobs">"Jobs"</A>
            </nav>
        </header>
        <main id="main" class="content">{children()}</main>
        <footer class="footer">
            <span>"Import/Export job portal"</span>
        </footer>
    }
}

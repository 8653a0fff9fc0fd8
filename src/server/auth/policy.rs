//! Which paths need what. One table for every page, server function and API route; the authorization matrix
//! test walks the router's route list through it, so a new route cannot be forgotten.

/// What a path requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: sign-in and sign-up, health, static files.
    Public,
    /// Any signed-in person (customers and staff).
    SignedIn,
    /// Staff only: the support console and its server functions.
    Staff,
    /// The REST API: authenticates by bearer token (or session) and answers in the ARM error format itself.
    Api,
}

/// Server functions anyone may call.
const PUBLIC_FUNCTIONS: [&str; 8] = [
    "/api/sign_in",
    "/api/forgot_password",
    "/api/reset_password_with_link",
    "/api/verify_email",
    "/api/sign_up",
    "/api/sign_out",
    "/api/current_user",
    "/api/api_docs_context",
];

pub fn access(path: &str) -> Access {
    let path = path.trim_end_matches('/');
    if matches!(path, "" | "/jobs") {
        return Access::SignedIn;
    }
    if matches!(
        path,
        "/sign-in"
            | "/sign-up"
            | "/forgot-password"
            | "/reset-password"
            | "/verify-email"
            | "/healthz"
            | "/favicon.ico"
            | "/favicon.svg"
            | "/openapi.json"
            | "/api-docs"
    ) || path.starts_with("/pkg/")
        || PUBLIC_FUNCTIONS.contains(&path)
    {
        return Access::Public;
    }
    if path == "/staff" || path.starts_with("/staff/") || path.starts_with("/api/staff_") {
        return Access::Staff;
    }
    // ARM matches these without regard to case (see api::canonical_path), so a mis-cased API path that fits
    // no route still gets the API's treatment: the ARM 401/404, not the portal's sign-in page.
    if starts_with_ignore_case(path, "/subscriptions/")
        || starts_with_ignore_case(path, "/providers/")
    {
        return Access::Api;
    }
    Access::SignedIn
}

fn starts_with_ignore_case(path: &str, prefix: &str) -> bool {
    path.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_access() {
        assert_eq!(access("/"), Access::SignedIn);
        assert_eq!(access("/jobs/12"), Access::SignedIn);
        assert_eq!(access("/sign-in"), Access::Public);
        assert_eq!(access("/pkg/portal.wasm"), Access::Public);
        assert_eq!(access("/api/sign_in"), Access::Public);
        assert_eq!(access("/api/mark_shipped"), Access::SignedIn);
        assert_eq!(access("/staff"), Access::Staff);
        assert_eq!(access("/staff/jobs/3"), Access::Staff);
        assert_eq!(access("/api/staff_fault_job"), Access::Staff);
        assert_eq!(access("/staffroom"), Access::SignedIn);
        assert_eq!(
            access("/subscriptions/x/providers/Microsoft.ImportExport/jobs"),
            Access::Api
        );
        assert_eq!(access("/SUBSCRIPTIONS/x/whatever"), Access::Api);
        assert_eq!(
            access("/Providers/Microsoft.ImportExport/gadgets"),
            Access::Api
        );
        assert_eq!(access("/subscriptionsx"), Access::SignedIn);
        assert_eq!(access("/providérs/x"), Access::SignedIn);
    }
}

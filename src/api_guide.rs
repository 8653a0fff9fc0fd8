//! How a program uses the portal's REST API: the copy-paste Python snippet shown on the API page and printed
//! at start-up in demo mode. One text, so the two never disagree.

/// The SDK release the snippet (and the conformance test) is written for.
pub const SDK_INSTALL: &str =
    "pip install --pre azure-mgmt-storageimportexport==1.0.0b2 azure-core";

/// A Python program that lists the subscription's jobs with the official SDK against this portal.
///
/// The SDK's own bearer policy refuses plain `http://` and expects Azure AD tokens, so the snippet sends the
/// portal's API token with a small policy of its own; the client still requires a credential object.
pub fn python_snippet(base_url: &str, subscription: &str, token: &str) -> String {
    format!(
        r#"# {SDK_INSTALL}
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.storageimportexport import StorageImportExport

TOKEN = "{token}"


class PortalToken(SansIOHTTPPolicy):
    def on_request(self, request):
        request.http_request.headers["Authorization"] = f"Bearer {{TOKEN}}"


class NoCredential:  # the client wants a credential; PortalToken sends the token
    def get_token(self, *scopes, **kwargs):
        raise RuntimeError("not used")


client = StorageImportExport(
    credential=NoCredential(),
    subscription_id="{subscription}",
    base_url="{base_url}",
    authentication_policy=PortalToken(),
)
for job in client.jobs.list_by_subscription():
    print(job.name, job.properties.state)
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_carries_the_endpoint_subscription_and_token() {
        let s = python_snippet("http://127.0.0.1:3000", "sub-1", "iep_x");
        assert!(s.contains("base_url=\"http://127.0.0.1:3000\""));
        assert!(s.contains("subscription_id=\"sub-1\""));
        assert!(s.contains("TOKEN = \"iep_x\""));
        assert!(s.contains("f\"Bearer {TOKEN}\""), "{s}");
    }
}

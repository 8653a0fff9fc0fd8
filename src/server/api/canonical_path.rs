//! Azure Resource Manager matches the fixed segments of a resource path without regard to case
//! (`resourcegroups`, `microsoft.importexport`, `listbitlockerkeys`), and tools differ in how they spell them:
//! the SDKs send `resourceGroups`, resource ids copied from elsewhere are often lowercased. axum matches routes
//! exactly, so the request's path is brought to the spelling of the routes before routing. Only the fixed
//! segments change; subscription ids, resource group names and job names stay as they were sent.

use axum::http::{Request, Uri};

/// Which positions of a path hold fixed segments, for each shape of the API's paths (`*` = a name).
const SHAPES: [&[&str]; 7] = [
    &[
        "subscriptions",
        "*",
        "providers",
        "Microsoft.ImportExport",
        "jobs",
    ],
    &[
        "subscriptions",
        "*",
        "resourceGroups",
        "*",
        "providers",
        "Microsoft.ImportExport",
        "jobs",
    ],
    &[
        "subscriptions",
        "*",
        "resourceGroups",
        "*",
        "providers",
        "Microsoft.ImportExport",
        "jobs",
        "*",
    ],
    &[
        "subscriptions",
        "*",
        "resourceGroups",
        "*",
        "providers",
        "Microsoft.ImportExport",
        "jobs",
        "*",
        "listBitLockerKeys",
    ],
    &["providers", "Microsoft.ImportExport", "locations"],
    &["providers", "Microsoft.ImportExport", "locations", "*"],
    &["providers", "Microsoft.ImportExport", "operations"],
];

/// The segments of the longest shape.
const MOST_SEGMENTS: usize = 9;

/// The path spelled as the routes spell it, when it is one of the API's paths written with other casing.
/// `None` when nothing needs to change (the path is canonical already, or not an API path). Every request
/// passes here, so the path is split once, onto the stack, and the usual answer (`None`) allocates nothing.
pub fn canonical(path: &str) -> Option<String> {
    let rest = path.strip_prefix('/')?;
    let mut split = [""; MOST_SEGMENTS];
    let mut count = 0;
    for segment in rest.split('/') {
        *split.get_mut(count)? = segment;
        count += 1;
    }
    let segments = &split[..count];
    let first = segments.first()?;
    if !first.eq_ignore_ascii_case("subscriptions") && !first.eq_ignore_ascii_case("providers") {
        return None;
    }
    let shape = SHAPES.iter().find(|shape| fits(shape, segments))?;
    let spelled_right = shape
        .iter()
        .zip(segments)
        .all(|(&expected, &segment)| expected == "*" || segment == expected);
    if spelled_right {
        return None;
    }
    let mut rewritten = String::with_capacity(path.len());
    for (&expected, &segment) in shape.iter().zip(segments) {
        rewritten.push('/');
        rewritten.push_str(if expected == "*" { segment } else { expected });
    }
    Some(rewritten)
}

fn fits(shape: &[&str], segments: &[&str]) -> bool {
    shape.len() == segments.len()
        && shape
            .iter()
            .zip(segments)
            .all(|(expected, segment)| *expected == "*" || segment.eq_ignore_ascii_case(expected))
}

/// Rewrites the request's path (keeping its query) when [`canonical`] has another spelling for it.
pub fn canonicalize<B>(mut request: Request<B>) -> Request<B> {
    let uri = request.uri();
    let Some(path) = canonical(uri.path()) else {
        return request;
    };
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = uri.clone().into_parts();
    if let Ok(pq) = path_and_query.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_segments_take_the_routes_spelling_and_names_keep_theirs() {
        assert_eq!(
            canonical("/SUBSCRIPTIONS/Sub-1/resourcegroups/My-RG/providers/microsoft.importexport/JOBS/Job-A")
                .as_deref(),
            Some("/subscriptions/Sub-1/resourceGroups/My-RG/providers/Microsoft.ImportExport/jobs/Job-A")
        );
        assert_eq!(
            canonical("/subscriptions/s/resourcegroups/rg/providers/Microsoft.ImportExport/jobs/j/listbitlockerkeys")
                .as_deref(),
            Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/j/listBitLockerKeys")
        );
        assert_eq!(
            canonical("/subscriptions/s/providers/microsoft.importexport/jobs").as_deref(),
            Some("/subscriptions/s/providers/Microsoft.ImportExport/jobs")
        );
        assert_eq!(
            canonical("/Providers/Microsoft.ImportExport/Locations/WestUS").as_deref(),
            Some("/providers/Microsoft.ImportExport/locations/WestUS")
        );
        assert_eq!(
            canonical("/providers/MICROSOFT.IMPORTEXPORT/operations").as_deref(),
            Some("/providers/Microsoft.ImportExport/operations")
        );
    }

    #[test]
    fn every_shape_fits_the_segments_split_onto_the_stack() {
        assert_eq!(SHAPES.iter().map(|s| s.len()).max(), Some(MOST_SEGMENTS));
    }

    #[test]
    fn canonical_and_foreign_paths_are_left_alone() {
        for path in [
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/j",
            "/providers/Microsoft.ImportExport/locations",
            "/jobs/12",
            "/staff/jobs/3",
            "/",
            "",
            // Another provider, or a path of no known shape: routing answers 404 as it would.
            "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Storage/jobs/j",
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.importexport/jobs/j/extra/more",
        ] {
            assert_eq!(canonical(path), None, "{path}");
        }
    }

    #[test]
    fn the_query_survives_the_rewrite() {
        let request = Request::builder()
            .uri("/subscriptions/s/resourcegroups/rg/providers/microsoft.importexport/jobs?api-version=2021-01-01&$top=2")
            .body(())
            .unwrap();
        assert_eq!(
            canonicalize(request).uri().to_string(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ImportExport/jobs?api-version=2021-01-01&$top=2"
        );
    }
}

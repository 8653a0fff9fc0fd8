//! The one way the app makes a resource: `app::resource::resource(source, fetcher)` instead of `Resource::new`.
//!
//! Why: a resource's value reaches the browser twice over, serialised into the server-rendered page (decoded
//! when the page hydrates) and as a server function's response (decoded on every re-read). Leptos's default
//! resource codec decodes the first with `serde_json::from_str` and server functions decode the second with
//! `serde_json::from_slice`; to serde those are two readers, so every type's whole deserializer was compiled
//! into the WebAssembly twice (about a fifth of the bundle). This codec decodes the page's copy from the same
//! bytes through `from_slice`, so each type has one deserializer. `tests::pages_make_resources_here` keeps
//! `Resource::new` out of the pages.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// JSON, decoded as server function responses are (from bytes).
pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// A resource (see `Resource::new`) whose server-rendered value is decoded like a server function's response.
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, JsonBytes>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/app is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// A `Resource::new` (or `OnceResource::new`, `Resource::new_blocking`) in a page would bring back a second
    /// copy of its type's deserializer in the WebAssembly.
    #[test]
    fn pages_make_resources_here() {
        let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
        let mut files = Vec::new();
        rust_files(&app, &mut files);
        assert!(files.len() > 10, "found the app's sources");
        let mut offenders = Vec::new();
        for file in files.iter().filter(|f| !f.ends_with("resource.rs")) {
            let text = std::fs::read_to_string(file).expect("source is readable");
            for (n, line) in text.lines().enumerate() {
                if ["Resource::new", "OnceResource::new", "ArcResource::new"]
                    .iter()
                    .any(|call| line.contains(call))
                {
                    offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "use app::resource::resource instead of the default codec:\n{}",
            offenders.join("\n")
        );
    }
}

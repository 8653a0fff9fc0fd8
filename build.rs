//! Sets `cfg(wasm_split)` for a WebAssembly build that cargo-leptos will split into chunks
//! (`cargo leptos build --split` links with `-Clink-args=--emit-relocs`, which the splitter needs): only then
//! may the browser code call `#[lazy]` functions (see src/app/routes.rs).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(wasm_split)");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if wasm && flags.split('\x1f').any(|f| f.contains("--emit-relocs")) {
        println!("cargo::rustc-cfg=wasm_split");
    }
}

//! Procedural macros for [`oauth-compat`](https://docs.rs/oauth-compat).
//!
//! Do not depend on this crate directly: `oauth-compat` re-exports its macros and pins it to
//! the exact same version, so the generated code and the runtime it calls always match.
//!
//! The macros themselves (`remote_app!`, `#[remote_app(..)]`, `#[tokengetter]`) arrive with the
//! remote-apps layer; until then this crate holds their key table (the settings of a remote
//! app), which the runtime reads through a hidden macro.

#![warn(missing_docs)]

mod emit;
mod settings_table;

use proc_macro::TokenStream;

/// Writes the key table out for `oauth-compat` (not for users; no stability promise).
///
/// `__settings_table!(keys)` is an array of `KeySpec { .. }` (with `Kind`, `KeyProtocol` and
/// `Place` in scope at the call site), `__settings_table!(metadata_fields)` and
/// `__settings_table!(flat_keys)` arrays of `&str`, and `__settings_table!(setters)` the typed
/// setters of `RegisterOptions` (inside its `impl` block).
#[doc(hidden)]
#[proc_macro]
pub fn __settings_table(input: TokenStream) -> TokenStream {
    let selector = input.to_string();
    let source = match selector.trim() {
        "keys" => emit::keys(),
        "metadata_fields" => emit::metadata_fields(),
        "flat_keys" => emit::flat_keys(),
        "setters" => emit::setters(),
        other => {
            return compile_error(&format!(
                "__settings_table!: unknown selector `{other}` (keys, metadata_fields, flat_keys, setters)"
            ));
        }
    };
    source.parse().unwrap_or_else(|err: proc_macro::LexError| {
        compile_error(&format!("__settings_table!: emitted invalid Rust: {err}"))
    })
}

fn compile_error(message: &str) -> TokenStream {
    format!("::core::compile_error!({message:?})")
        .parse()
        .unwrap_or_default()
}

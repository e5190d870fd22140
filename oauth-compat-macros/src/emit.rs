//! The key table written out as Rust source for the runtime crate.

use std::fmt::Write;

use crate::settings_table::{KEYS, Key, Kind, METADATA_FIELDS, Place, Protocol};

fn option(value: Option<&str>) -> String {
    match value {
        Some(value) => format!("Some({value:?})"),
        None => "None".to_owned(),
    }
}

fn kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Str => "Kind::Str",
        Kind::Secret => "Kind::Secret",
        Kind::Table => "Kind::Table",
        Kind::Method => "Kind::Method",
        Kind::Scope => "Kind::Scope",
        Kind::Seconds => "Kind::Seconds",
    }
}

fn protocol(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Both => "KeyProtocol::Both",
        Protocol::OAuth1 => "KeyProtocol::OAuth1",
        Protocol::OAuth2 => "KeyProtocol::OAuth2",
    }
}

fn place(place: Place) -> &'static str {
    match place {
        Place::Flat => "Place::Flat",
        Place::Kwarg => "Place::Kwarg",
        Place::RemoteAppCode => "Place::RemoteAppCode",
    }
}

/// `[KeySpec { .. }, ..]`.
pub(crate) fn keys() -> String {
    let mut out = String::from("[");
    for key in KEYS {
        let _ = write!(
            out,
            "KeySpec {{ name: {:?}, canonical: {:?}, kind: {}, protocol: {}, place: {}, \
             flask_oauthlib_default: {}, authlib_default: {} }},",
            key.name,
            key.canonical.unwrap_or(key.name),
            kind(key.kind),
            protocol(key.protocol),
            place(key.place),
            option(key.flask_oauthlib_default),
            option(key.authlib_default),
        );
    }
    out.push(']');
    out
}

fn strings<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(|item| format!("{item:?}")).collect();
    format!("[{}]", items.join(", "))
}

/// `["issuer", ..]`.
pub(crate) fn metadata_fields() -> String {
    strings(METADATA_FIELDS.iter().copied())
}

/// The keys read from flat config keys (`TWITTER_CONSUMER_KEY`).
pub(crate) fn flat_keys() -> String {
    strings(
        KEYS.iter()
            .filter(|key| matches!(key.place, Place::Flat))
            .map(|key| key.name),
    )
}

/// One typed setter per key, each the same as `set(key, value)`.
pub(crate) fn setters() -> String {
    let mut out = String::new();
    for key in KEYS {
        let (parameter, value) = match key.kind {
            Kind::Str | Kind::Secret | Kind::Scope => ("value: impl Into<String>", "value.into()"),
            Kind::Table => ("value: impl Into<::serde_json::Value>", "value.into()"),
            Kind::Method => ("method: ::http::Method", "method.as_str()"),
            Kind::Seconds => ("seconds: u64", "seconds"),
        };
        for line in doc(key).lines() {
            let _ = writeln!(out, "#[doc = {line:?}]");
        }
        let _ = writeln!(
            out,
            "pub fn {name}(self, {parameter}) -> Self {{ self.set({name:?}, {value}) }}",
            name = key.name,
        );
    }
    out
}

fn doc(key: &Key) -> String {
    let mut doc = format!("`{}`: {}\n\n", key.name, key.doc);
    let mut facts = Vec::new();
    if let Some(canonical) = key.canonical {
        facts.push(format!("the same setting as `{canonical}`"));
    }
    match key.protocol {
        Protocol::Both => {}
        Protocol::OAuth1 => facts.push("OAuth 1 only".to_owned()),
        Protocol::OAuth2 => facts.push("OAuth 2 only".to_owned()),
    }
    match key.place {
        Place::Flat => {}
        Place::Kwarg => facts.push("also read inside `client_kwargs`".to_owned()),
        Place::RemoteAppCode => facts.push("given in code to `remote_app` only".to_owned()),
    }
    if let (Some(flask), Some(authlib)) = (key.flask_oauthlib_default, key.authlib_default) {
        facts.push(format!(
            "default `{flask}` for `remote_app`, `{authlib}` for `register`"
        ));
    }
    if matches!(key.kind, Kind::Secret) {
        facts.push("a secret, never printed".to_owned());
    }
    facts.push(format!("the same as `set({:?}, ..)`", key.name));
    let _ = write!(doc, "{}.\n\n", capitalize(&facts.join("; ")));
    let _ = write!(
        doc,
        "```\nuse oauth_compat::RegisterOptions;\n\n\
         let options = RegisterOptions::new().{}({});\n# let _ = options;\n```",
        key.name, key.example
    );
    doc
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

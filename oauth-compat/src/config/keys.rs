//! The key table (every setting of a remote app), written out by the macros crate, which holds
//! it as data so the macros read the same table (see DESIGN.md, "One key table").

/// What a setting's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    /// A string never printed.
    Secret,
    /// A table of parameters: a JSON object, a JSON string in flat keys.
    Table,
    Method,
    /// A string or a list of strings.
    Scope,
    Seconds,
}

/// Which OAuth a setting belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyProtocol {
    Both,
    OAuth1,
    OAuth2,
}

/// Where a setting may be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// Code, app tables, flat keys.
    Flat,
    /// Code and app tables, top level or inside `client_kwargs`; not flat keys.
    Kwarg,
    /// Code, to `remote_app` only (`app_key`).
    RemoteAppCode,
}

/// One row of the table.
#[derive(Debug)]
pub(crate) struct KeySpec {
    pub(crate) name: &'static str,
    /// The field it is stored under: Authlib's spelling for a synonym, else `name`.
    pub(crate) canonical: &'static str,
    pub(crate) kind: Kind,
    pub(crate) protocol: KeyProtocol,
    pub(crate) place: Place,
    pub(crate) flask_oauthlib_default: Option<&'static str>,
    pub(crate) authlib_default: Option<&'static str>,
}

pub(crate) static KEYS: &[KeySpec] = &oauth_compat_macros::__settings_table!(keys);

/// RFC 8414 §2 and OpenID Connect Discovery 1.0 §3 field names: kept as server metadata
/// when given as settings, as Authlib keeps them.
pub(crate) static METADATA_FIELDS: &[&str] =
    &oauth_compat_macros::__settings_table!(metadata_fields);

/// The row of `name`, in either spelling.
pub(crate) fn spec(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|spec| spec.name == name)
}

/// Whether `name` is a server metadata field (kept, not a setting).
pub(crate) fn is_metadata(name: &str) -> bool {
    METADATA_FIELDS.contains(&name)
}

/// The known name nearest to `name` (settings and metadata fields), for "did you mean".
pub(crate) fn nearest(name: &str) -> &'static str {
    KEYS.iter()
        .map(|spec| spec.name)
        .chain(METADATA_FIELDS.iter().copied())
        .min_by_key(|known| edit_distance(name, known))
        .unwrap_or("client_id")
}

/// The optimal-string-alignment distance: insertions, deletions, substitutions and
/// transpositions of neighbours each cost one.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, cell) in d.iter_mut().step_by(width).enumerate() {
        *cell = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(
            edit_distance("request_token_methd", "request_token_method"),
            1
        );
        assert_eq!(edit_distance("cleint_id", "client_id"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn nearest_suggests_settings_and_metadata_fields() {
        assert_eq!(nearest("request_token_methd"), "request_token_method");
        assert_eq!(nearest("userinfo_endpont"), "userinfo_endpoint");
        assert_eq!(nearest("consumer_sercet"), "consumer_secret");
    }

    #[test]
    fn synonyms_and_defaults_come_from_the_table() {
        assert_eq!(spec("consumer_key").unwrap().canonical, "client_id");
        assert_eq!(spec("base_url").unwrap().canonical, "api_base_url");
        assert_eq!(spec("client_id").unwrap().canonical, "client_id");
        let method = spec("request_token_method").unwrap();
        assert_eq!(
            (method.flask_oauthlib_default, method.authlib_default),
            (Some("GET"), Some("POST"))
        );
        assert_eq!(
            spec("refresh_token_url").unwrap().protocol,
            KeyProtocol::OAuth2
        );
        assert!(KEYS.iter().all(|spec| !is_metadata(spec.name)));
    }
}

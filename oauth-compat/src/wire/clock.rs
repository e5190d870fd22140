//! The one clock every layer reads: token expiry, OAuth 1 timestamps, the provider's windows
//! and expiry records.

/// Now, in whole Unix seconds (0 if the system clock is before 1970): what `oauth_timestamp`
/// carries.
pub(crate) fn now_unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Now, in Unix seconds, signed: what token expiry (`expires_at`) and stored expiry times are
/// counted in.
pub(crate) fn now_unix() -> i64 {
    i64::try_from(now_unix_secs()).unwrap_or(i64::MAX)
}

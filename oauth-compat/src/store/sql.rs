//! What the SQLite and PostgreSQL stores share: the schema, the queries (one text for both, as
//! sqlx binds `$N` placeholders in SQLite too), the purge schedule, and the trait impls
//! ([`sql_store!`]), so that both backends answer every call the same way.
//!
//! Times are the application's clock in Unix seconds, the clock that sets
//! [`TemporaryCredential::expires_at`](crate::server::TemporaryCredential::expires_at);
//! a row is gone from its `expires_at` on.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::server::{NonceKey, StoreError};

/// The schema both stores create in `migrate()`: valid in SQLite and PostgreSQL, idempotent
/// (`CREATE ... IF NOT EXISTS`), shipped as `oauth-compat/migrations/0001_oauth1_provider.sql`.
/// Run it yourself if your deployment applies migrations with its own tool.
pub const SCHEMA: &str = include_str!("../../migrations/0001_oauth1_provider.sql");

/// The schema version [`SCHEMA`] creates, recorded in `oauth_compat_schema`.
pub(crate) const SCHEMA_VERSION: i64 = 1;

pub(crate) const RECORD_SCHEMA_VERSION: &str =
    "INSERT INTO oauth_compat_schema (version) VALUES ($1) ON CONFLICT (version) DO NOTHING";
pub(crate) const SELECT_SCHEMA_VERSION: &str = "SELECT MAX(version) FROM oauth_compat_schema";

pub(crate) const UPSERT_CLIENT: &str = "INSERT INTO oauth1_clients \
     (client_id, client_secret, rsa_public_key, default_redirect_uri) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (client_id) DO UPDATE SET client_secret = excluded.client_secret, \
     rsa_public_key = excluded.rsa_public_key, default_redirect_uri = excluded.default_redirect_uri";
pub(crate) const SELECT_CLIENT: &str = "SELECT client_id, client_secret, rsa_public_key, \
     default_redirect_uri FROM oauth1_clients WHERE client_id = $1";
pub(crate) const DELETE_CLIENT: &str = "DELETE FROM oauth1_clients WHERE client_id = $1";
pub(crate) const DELETE_CLIENT_TOKEN_CREDENTIALS: &str =
    "DELETE FROM oauth1_token_credentials WHERE client_id = $1";
pub(crate) const DELETE_CLIENT_TEMPORARY_CREDENTIALS: &str =
    "DELETE FROM oauth1_temporary_credentials WHERE client_id = $1";

/// One statement, so atomic in both databases: a new key is inserted; a live duplicate makes
/// the conflict clause's `WHERE` false, so nothing changes and no row is counted; an expired
/// duplicate (not purged yet) is taken over in place, counted as one row. Concurrent inserts of
/// one key serialize on the key (PostgreSQL waits for the first inserter's commit, then
/// re-checks the `WHERE` against the committed row; SQLite has one writer at a time).
pub(crate) const INSERT_NONCE: &str = "INSERT INTO oauth1_nonces \
     (client_id, oauth_timestamp, oauth_nonce, oauth_token, expires_at) \
     VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (client_id, oauth_timestamp, oauth_nonce, oauth_token) \
     DO UPDATE SET expires_at = excluded.expires_at WHERE oauth1_nonces.expires_at <= $6";

pub(crate) const INSERT_TEMPORARY_CREDENTIAL: &str = "INSERT INTO oauth1_temporary_credentials \
     (oauth_token, client_id, oauth_token_secret, oauth_callback, oauth_verifier, user_id, \
     expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const SELECT_TEMPORARY_CREDENTIAL: &str = "SELECT oauth_token, client_id, \
     oauth_token_secret, oauth_callback, oauth_verifier, user_id, expires_at \
     FROM oauth1_temporary_credentials WHERE oauth_token = $1 AND expires_at > $2";
pub(crate) const DELETE_TEMPORARY_CREDENTIAL: &str =
    "DELETE FROM oauth1_temporary_credentials WHERE oauth_token = $1";
/// One statement: the grant lands only on a credential that exists, is unexpired now and has
/// no verifier yet (a second grant must not replace the first one's verifier).
pub(crate) const AUTHORIZE_TEMPORARY_CREDENTIAL: &str = "UPDATE oauth1_temporary_credentials \
     SET user_id = $2, oauth_verifier = $3 WHERE oauth_token = $1 AND expires_at > $4 \
     AND oauth_verifier IS NULL";

pub(crate) const INSERT_TOKEN_CREDENTIAL: &str = "INSERT INTO oauth1_token_credentials \
     (oauth_token, client_id, oauth_token_secret, user_id) VALUES ($1, $2, $3, $4)";
pub(crate) const SELECT_TOKEN_CREDENTIAL: &str = "SELECT oauth_token, client_id, \
     oauth_token_secret, user_id FROM oauth1_token_credentials \
     WHERE oauth_token = $1 AND client_id = $2";

pub(crate) const PURGE_NONCES: &str = "DELETE FROM oauth1_nonces WHERE expires_at <= $1";
pub(crate) const PURGE_TEMPORARY_CREDENTIALS: &str =
    "DELETE FROM oauth1_temporary_credentials WHERE expires_at <= $1";

/// How often a store purges expired rows by itself, from its inserts: the default of
/// `purge_interval`.
pub(crate) const DEFAULT_PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// Whole seconds, rounded up, saturating.
fn ceil_secs(duration: Duration) -> i64 {
    let secs = duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0));
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// When a nonce recorded `now` for `ttl` expires: one second more than `ttl` rounded up, as
/// `now` is truncated to the second, so it is kept at least `ttl`.
pub(crate) fn nonce_expires_at(now: i64, ttl: Duration) -> i64 {
    now.saturating_add(ceil_secs(ttl)).saturating_add(1)
}

/// The nonce key's columns: its timestamp as a signed 64-bit integer (both databases' integer),
/// its token or `''`.
pub(crate) fn nonce_columns<'k>(
    backend: &'static str,
    key: &'k NonceKey,
) -> Result<(i64, &'k str), StoreError> {
    let timestamp = i64::try_from(key.timestamp).map_err(|_| {
        StoreError::new(
            backend,
            "insert a nonce",
            "oauth_timestamp is over 2^63 - 1; check the timestamp window before the nonce",
        )
    })?;
    Ok((timestamp, key.token.as_deref().unwrap_or("")))
}

/// When a store next purges expired rows by itself. Clones of a store share it, so one of
/// them purges per interval.
#[derive(Debug, Clone)]
pub(crate) struct PurgeSchedule {
    interval: i64,
    next_at: Arc<AtomicI64>,
}

impl PurgeSchedule {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval: ceil_secs(interval),
            next_at: Arc::new(AtomicI64::new(0)),
        }
    }

    pub(crate) fn interval(&self) -> Duration {
        Duration::from_secs(self.interval.unsigned_abs())
    }

    /// Whether this caller should purge now; claims the turn, so that concurrent callers do
    /// not all purge.
    pub(crate) fn claim(&self, now: i64) -> bool {
        let next_at = self.next_at.load(Ordering::Relaxed);
        now >= next_at
            && self
                .next_at
                .compare_exchange(
                    next_at,
                    now.saturating_add(self.interval),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }
}

/// The store-level API and the four storage traits for a store type with fields `pool` (a
/// sqlx pool) and `purge` ([`PurgeSchedule`]). `$backend` names it in errors; `$path` is its
/// path in the docs' examples.
macro_rules! sql_store {
    ($store:ident, $backend:literal, $path:literal) => {
        impl $store {
            /// Registers a client, or replaces the one with the same `client_id` (so an
            /// application can register its clients at every start). The secret is stored as
            /// given.
            ///
            /// ```no_run
            #[doc = concat!("# async fn run(store: &", $path, ") -> Result<(), oauth_compat::server::StoreError> {")]
            /// use oauth_compat::server::Client;
            ///
            /// store
            ///     .add_client(Client {
            ///         client_id: "dpf43f3p2l4k3l03".into(),
            ///         client_secret: "kd94hf93k423kf44".into(),
            ///         rsa_public_key: None,
            ///         default_redirect_uri: Some("https://printer.example/ready".into()),
            ///     })
            ///     .await?;
            /// # Ok(()) }
            /// ```
            pub async fn add_client(
                &self,
                client: $crate::server::Client,
            ) -> Result<(), $crate::server::StoreError> {
                ::sqlx::query($crate::store::sql::UPSERT_CLIENT)
                    .bind(&client.client_id)
                    .bind(client.client_secret.expose_secret())
                    .bind(&client.rsa_public_key)
                    .bind(&client.default_redirect_uri)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| $crate::server::StoreError::new($backend, "add a client", e))?;
                Ok(())
            }

            /// Removes a client with the credentials issued to it (temporary and token), in
            /// one transaction: `false` when there was no such client.
            ///
            /// ```no_run
            #[doc = concat!("# async fn run(store: &", $path, ") -> Result<(), oauth_compat::server::StoreError> {")]
            /// let removed = store.remove_client("dpf43f3p2l4k3l03").await?;
            /// # Ok(()) }
            /// ```
            pub async fn remove_client(
                &self,
                client_id: &str,
            ) -> Result<bool, $crate::server::StoreError> {
                let fail =
                    |e| $crate::server::StoreError::new($backend, "remove a client", e);
                let mut tx = self.pool.begin().await.map_err(fail)?;
                for credentials in [
                    $crate::store::sql::DELETE_CLIENT_TOKEN_CREDENTIALS,
                    $crate::store::sql::DELETE_CLIENT_TEMPORARY_CREDENTIALS,
                ] {
                    ::sqlx::query(credentials)
                        .bind(client_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(fail)?;
                }
                let removed = ::sqlx::query($crate::store::sql::DELETE_CLIENT)
                    .bind(client_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(fail)?;
                tx.commit().await.map_err(fail)?;
                Ok(removed.rows_affected() > 0)
            }

            /// Deletes the expired nonces and temporary credentials now: the number of rows
            /// deleted. The store also does this by itself from its inserts, at most once per
            /// [`purge_interval`](Self::purge_interval), so no cron job is needed.
            ///
            /// ```no_run
            #[doc = concat!("# async fn run(store: &", $path, ") -> Result<(), oauth_compat::server::StoreError> {")]
            /// let deleted = store.purge_expired().await?;
            /// # Ok(()) }
            /// ```
            pub async fn purge_expired(&self) -> Result<u64, $crate::server::StoreError> {
                let now = $crate::wire::now_unix();
                let mut deleted = 0;
                for purge in [
                    $crate::store::sql::PURGE_NONCES,
                    $crate::store::sql::PURGE_TEMPORARY_CREDENTIALS,
                ] {
                    let done = ::sqlx::query(purge)
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(|e| {
                            $crate::server::StoreError::new(
                                $backend,
                                "purge expired rows",
                                e,
                            )
                        })?;
                    deleted += done.rows_affected();
                }
                Ok(deleted)
            }

            /// How often the store purges expired rows by itself (default 60 s), from the
            /// inserts of nonces and temporary credentials: the first insert after the interval
            /// has passed runs [`purge_expired`](Self::purge_expired) (a failure there is
            /// logged, never returned). `Duration::MAX` leaves purging to you.
            ///
            /// ```no_run
            /// use std::time::Duration;
            #[doc = concat!("# async fn run(store: ", $path, ") {")]
            /// let store = store.purge_interval(Duration::from_secs(10));
            /// # }
            /// ```
            #[must_use]
            pub fn purge_interval(mut self, interval: ::std::time::Duration) -> Self {
                self.purge = $crate::store::sql::PurgeSchedule::new(interval);
                self
            }

            /// Purges if this caller's insert is the first after the interval.
            async fn purge_if_due(&self, now: i64) {
                if self.purge.claim(now) {
                    if let Err(error) = self.purge_expired().await {
                        ::tracing::warn!(%error, "opportunistic purge failed");
                    }
                }
            }
        }

        impl ::std::fmt::Debug for $store {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($store))
                    .field("purge_interval", &self.purge.interval())
                    .finish_non_exhaustive()
            }
        }

        impl $crate::server::ClientStore for $store {
            fn query_client<'a>(
                &'a self,
                client_id: &'a str,
            ) -> $crate::wire::BoxFuture<
                'a,
                Result<Option<$crate::server::Client>, $crate::server::StoreError>,
            > {
                Box::pin(async move {
                    let fail =
                        |e| $crate::server::StoreError::new($backend, "read a client", e);
                    let Some(row) = ::sqlx::query($crate::store::sql::SELECT_CLIENT)
                        .bind(client_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(fail)?
                    else {
                        return Ok(None);
                    };
                    Ok(Some($crate::server::Client {
                        client_id: ::sqlx::Row::try_get(&row, "client_id").map_err(fail)?,
                        client_secret: $crate::secret::ClientSecret::new(
                            ::sqlx::Row::try_get::<String, _>(&row, "client_secret")
                                .map_err(fail)?,
                        ),
                        rsa_public_key: ::sqlx::Row::try_get(&row, "rsa_public_key")
                            .map_err(fail)?,
                        default_redirect_uri: ::sqlx::Row::try_get(&row, "default_redirect_uri")
                            .map_err(fail)?,
                    }))
                })
            }
        }

        impl $crate::server::NonceStore for $store {
            fn insert_nonce<'a>(
                &'a self,
                key: &'a $crate::server::NonceKey,
                ttl: ::std::time::Duration,
            ) -> $crate::wire::BoxFuture<'a, Result<bool, $crate::server::StoreError>>
            {
                Box::pin(async move {
                    let (timestamp, token) = $crate::store::sql::nonce_columns($backend, key)?;
                    let now = $crate::wire::now_unix();
                    let done = ::sqlx::query($crate::store::sql::INSERT_NONCE)
                        .bind(&key.client_id)
                        .bind(timestamp)
                        .bind(&key.nonce)
                        .bind(token)
                        .bind($crate::store::sql::nonce_expires_at(now, ttl))
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(|e| {
                            $crate::server::StoreError::new($backend, "insert a nonce", e)
                        })?;
                    self.purge_if_due(now).await;
                    Ok(done.rows_affected() == 1)
                })
            }
        }

        impl $crate::server::TemporaryCredentialStore for $store {
            fn create_temporary_credential<'a>(
                &'a self,
                credential: &'a $crate::server::TemporaryCredential,
            ) -> $crate::wire::BoxFuture<'a, Result<(), $crate::server::StoreError>>
            {
                Box::pin(async move {
                    ::sqlx::query($crate::store::sql::INSERT_TEMPORARY_CREDENTIAL)
                        .bind(&credential.oauth_token)
                        .bind(&credential.client_id)
                        .bind(credential.oauth_token_secret.expose_secret())
                        .bind(&credential.oauth_callback)
                        .bind(&credential.oauth_verifier)
                        .bind(&credential.user_id)
                        .bind(credential.expires_at)
                        .execute(&self.pool)
                        .await
                        .map_err(|e| {
                            $crate::server::StoreError::new(
                                $backend,
                                "create a temporary credential",
                                e,
                            )
                        })?;
                    self.purge_if_due($crate::wire::now_unix()).await;
                    Ok(())
                })
            }

            fn get_temporary_credential<'a>(
                &'a self,
                oauth_token: &'a str,
            ) -> $crate::wire::BoxFuture<
                'a,
                Result<
                    Option<$crate::server::TemporaryCredential>,
                    $crate::server::StoreError,
                >,
            > {
                Box::pin(async move {
                    let fail = |e| {
                        $crate::server::StoreError::new(
                            $backend,
                            "read a temporary credential",
                            e,
                        )
                    };
                    let Some(row) = ::sqlx::query($crate::store::sql::SELECT_TEMPORARY_CREDENTIAL)
                        .bind(oauth_token)
                        .bind($crate::wire::now_unix())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(fail)?
                    else {
                        return Ok(None);
                    };
                    Ok(Some($crate::server::TemporaryCredential {
                        client_id: ::sqlx::Row::try_get(&row, "client_id").map_err(fail)?,
                        oauth_token: ::sqlx::Row::try_get(&row, "oauth_token").map_err(fail)?,
                        oauth_token_secret: $crate::secret::TokenSecret::new(
                            ::sqlx::Row::try_get::<String, _>(&row, "oauth_token_secret")
                                .map_err(fail)?,
                        ),
                        oauth_callback: ::sqlx::Row::try_get(&row, "oauth_callback")
                            .map_err(fail)?,
                        oauth_verifier: ::sqlx::Row::try_get(&row, "oauth_verifier")
                            .map_err(fail)?,
                        user_id: ::sqlx::Row::try_get(&row, "user_id").map_err(fail)?,
                        expires_at: ::sqlx::Row::try_get(&row, "expires_at").map_err(fail)?,
                    }))
                })
            }

            fn delete_temporary_credential<'a>(
                &'a self,
                oauth_token: &'a str,
            ) -> $crate::wire::BoxFuture<'a, Result<(), $crate::server::StoreError>>
            {
                Box::pin(async move {
                    ::sqlx::query($crate::store::sql::DELETE_TEMPORARY_CREDENTIAL)
                        .bind(oauth_token)
                        .execute(&self.pool)
                        .await
                        .map_err(|e| {
                            $crate::server::StoreError::new(
                                $backend,
                                "delete a temporary credential",
                                e,
                            )
                        })?;
                    Ok(())
                })
            }

            fn create_authorization_verifier<'a>(
                &'a self,
                oauth_token: &'a str,
                user_id: &'a str,
                verifier: &'a str,
            ) -> $crate::wire::BoxFuture<'a, Result<bool, $crate::server::StoreError>>
            {
                Box::pin(async move {
                    let done = ::sqlx::query($crate::store::sql::AUTHORIZE_TEMPORARY_CREDENTIAL)
                        .bind(oauth_token)
                        .bind(user_id)
                        .bind(verifier)
                        .bind($crate::wire::now_unix())
                        .execute(&self.pool)
                        .await
                        .map_err(|e| {
                            $crate::server::StoreError::new(
                                $backend,
                                "record an authorization verifier",
                                e,
                            )
                        })?;
                    Ok(done.rows_affected() > 0)
                })
            }
        }

        impl $crate::server::TokenCredentialStore for $store {
            fn create_token_credential<'a>(
                &'a self,
                credential: &'a $crate::server::TokenCredential,
            ) -> $crate::wire::BoxFuture<'a, Result<(), $crate::server::StoreError>>
            {
                Box::pin(async move {
                    ::sqlx::query($crate::store::sql::INSERT_TOKEN_CREDENTIAL)
                        .bind(&credential.oauth_token)
                        .bind(&credential.client_id)
                        .bind(credential.oauth_token_secret.expose_secret())
                        .bind(&credential.user_id)
                        .execute(&self.pool)
                        .await
                        .map_err(|e| {
                            $crate::server::StoreError::new(
                                $backend,
                                "create a token credential",
                                e,
                            )
                        })?;
                    Ok(())
                })
            }

            fn query_token<'a>(
                &'a self,
                client_id: &'a str,
                oauth_token: &'a str,
            ) -> $crate::wire::BoxFuture<
                'a,
                Result<
                    Option<$crate::server::TokenCredential>,
                    $crate::server::StoreError,
                >,
            > {
                Box::pin(async move {
                    let fail = |e| {
                        $crate::server::StoreError::new(
                            $backend,
                            "read a token credential",
                            e,
                        )
                    };
                    let Some(row) = ::sqlx::query($crate::store::sql::SELECT_TOKEN_CREDENTIAL)
                        .bind(oauth_token)
                        .bind(client_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(fail)?
                    else {
                        return Ok(None);
                    };
                    Ok(Some($crate::server::TokenCredential {
                        client_id: ::sqlx::Row::try_get(&row, "client_id").map_err(fail)?,
                        oauth_token: ::sqlx::Row::try_get(&row, "oauth_token").map_err(fail)?,
                        oauth_token_secret: $crate::secret::TokenSecret::new(
                            ::sqlx::Row::try_get::<String, _>(&row, "oauth_token_secret")
                                .map_err(fail)?,
                        ),
                        user_id: ::sqlx::Row::try_get(&row, "user_id").map_err(fail)?,
                    }))
                })
            }
        }
    };
}
pub(crate) use sql_store;

/// Checks the version `migrate()` read back: a database migrated by a newer oauth-compat is
/// refused rather than misread.
pub(crate) fn check_schema_version(
    backend: &'static str,
    found: Option<i64>,
) -> Result<(), StoreError> {
    match found {
        Some(version) if version > SCHEMA_VERSION => Err(StoreError::new(
            backend,
            "migrate the schema",
            format!(
                "the database has schema version {version}, newer than the {SCHEMA_VERSION} \
                 this oauth-compat knows: upgrade oauth-compat"
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_kept_at_least_their_ttl() {
        assert_eq!(nonce_expires_at(100, Duration::from_secs(300)), 401);
        assert_eq!(nonce_expires_at(100, Duration::from_millis(1)), 102);
        assert_eq!(nonce_expires_at(100, Duration::ZERO), 101);
        assert_eq!(nonce_expires_at(100, Duration::MAX), i64::MAX);
    }

    #[test]
    fn one_caller_purges_per_interval() {
        let schedule = PurgeSchedule::new(Duration::from_secs(60));
        assert!(schedule.claim(1000));
        assert!(!schedule.clone().claim(1000));
        assert!(!schedule.claim(1059));
        assert!(schedule.claim(1060));
    }

    #[test]
    fn huge_timestamps_are_an_error_naming_the_fix() {
        let key = NonceKey {
            client_id: "c".into(),
            timestamp: u64::MAX,
            nonce: "n".into(),
            token: None,
        };
        let error = nonce_columns("sqlite", &key).unwrap_err().to_string();
        assert!(error.contains("timestamp window"), "{error}");
    }
}

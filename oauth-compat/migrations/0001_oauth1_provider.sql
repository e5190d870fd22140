-- oauth-compat OAuth 1.0 provider storage, schema version 1. Valid in SQLite and PostgreSQL;
-- idempotent (every statement is IF NOT EXISTS). Times are Unix seconds.
--
-- client_secret and oauth_token_secret are stored raw, and cannot be hashed: HMAC-SHA1 and
-- HMAC-SHA256 sign with the raw secrets as the key, and PLAINTEXT's signature is the secrets
-- themselves, so the server needs them to check every request (only RSA-SHA1 needs no shared
-- secret). Guard the database as you would a key file (access, backups, disk encryption).
-- Encrypting the columns at rest would take: a key kept outside this database (a KMS or a
-- secrets file the database host cannot read); a store wrapping this one that encrypts a secret
-- before it is written and decrypts it at each lookup; and rotation, a key id stored beside each
-- ciphertext so rows under the old key stay readable while they are re-encrypted.

CREATE TABLE IF NOT EXISTS oauth_compat_schema (
    version BIGINT PRIMARY KEY
);

-- Registered clients (Authlib's ClientMixin).
CREATE TABLE IF NOT EXISTS oauth1_clients (
    client_id TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    -- PEM (SPKI or PKCS#1), for RSA-SHA1.
    rsa_public_key TEXT,
    default_redirect_uri TEXT
);

-- Nonces seen (RFC 5849 3.3): single-use per client, timestamp and token. oauth_token is ''
-- when the request carried none, so the primary key covers it.
CREATE TABLE IF NOT EXISTS oauth1_nonces (
    client_id TEXT NOT NULL,
    oauth_timestamp BIGINT NOT NULL,
    oauth_nonce TEXT NOT NULL,
    oauth_token TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, oauth_timestamp, oauth_nonce, oauth_token)
);
CREATE INDEX IF NOT EXISTS oauth1_nonces_expires_at ON oauth1_nonces (expires_at);

-- Temporary credentials (request tokens), gone from expires_at on.
CREATE TABLE IF NOT EXISTS oauth1_temporary_credentials (
    oauth_token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    oauth_token_secret TEXT NOT NULL,
    oauth_callback TEXT NOT NULL,
    oauth_verifier TEXT,
    user_id TEXT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS oauth1_temporary_credentials_expires_at
    ON oauth1_temporary_credentials (expires_at);

-- Token credentials (access tokens); they do not expire in OAuth 1.
CREATE TABLE IF NOT EXISTS oauth1_token_credentials (
    oauth_token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    oauth_token_secret TEXT NOT NULL,
    user_id TEXT NOT NULL
);

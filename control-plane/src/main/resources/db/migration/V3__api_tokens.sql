-- API tokens for REST and gRPC AdminService. Only the SHA-256 of a token is stored; the
-- token itself is shown once, when it is created. The bootstrap admin token comes from
-- configuration (pgfleet.api.admin-token) and has no row here.
CREATE TABLE api_token (
    name          text PRIMARY KEY,
    role          text        NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    token_sha256  bytea       NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL
);

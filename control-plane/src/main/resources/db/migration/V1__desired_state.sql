-- Every change to the desired state takes one revision from this sequence, in the same
-- transaction as the change. Pushes to nodes carry the latest revision as their generation.
CREATE SEQUENCE config_revision;

-- A PostgreSQL target; its name is the database name clients ask the pooler for.
CREATE TABLE upstream (
    name        text PRIMARY KEY,
    host        text        NOT NULL,
    port        integer     NOT NULL CHECK (port BETWEEN 1 AND 65535),
    dbname      text        NOT NULL,
    revision    bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A user clients log in as. The SCRAM verifier lets nodes check client proofs without
-- the password; the server password (to log in to upstreams) is stored encrypted.
CREATE TABLE fleet_user (
    name                text PRIMARY KEY,
    scram_verifier      text        NOT NULL,
    server_password_enc text        NOT NULL,
    revision            bigint      NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- The desired state as versioned documents: one row per resource of a fleet, its spec as
-- JSON (secrets sealed with AES-GCM, see SecretCipher), and the revision of the change
-- that last wrote it. Every change also writes one config_change row per resource it
-- touched: the audit trail, and what a rollback restores from.
DROP TABLE upstream;
DROP TABLE fleet_user;

CREATE TABLE desired_resource (
    fleet       text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('fleet', 'upstream', 'user', 'route')),
    name        text        NOT NULL,
    spec        jsonb       NOT NULL,
    revision    bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL,
    PRIMARY KEY (fleet, kind, name)
);

CREATE TABLE config_change (
    id          bigserial   PRIMARY KEY,
    revision    bigint      NOT NULL,
    fleet       text        NOT NULL,
    kind        text        NOT NULL,
    name        text        NOT NULL,
    action      text        NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    actor       text        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    summary     text        NOT NULL,
    before      jsonb,
    after       jsonb
);
CREATE INDEX config_change_by_revision ON config_change (revision);
CREATE INDEX config_change_by_resource ON config_change (fleet, kind, name, revision);

-- The fleet every node joins unless told otherwise.
WITH r AS (SELECT nextval('config_revision') AS revision)
INSERT INTO desired_resource (fleet, kind, name, spec, revision, updated_by)
SELECT 'default', 'fleet', 'default', '{}'::jsonb, revision, 'system' FROM r;
INSERT INTO config_change (revision, fleet, kind, name, action, actor, summary, after)
SELECT revision, fleet, kind, name, 'create', 'system', 'create fleet default', spec FROM desired_resource;

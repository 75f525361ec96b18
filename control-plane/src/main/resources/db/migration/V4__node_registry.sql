-- Every node any replica has heard from. One row per node id; the replica that holds the
-- node's Sync stream keeps it current and refreshes last_seen every heartbeat, so every
-- replica sees every node and a replica's death shows as a heartbeat that stopped.
CREATE TABLE node (
    node_id            text PRIMARY KEY,
    boot_id            text        NOT NULL,
    fleet              text        NOT NULL,
    address            text        NOT NULL DEFAULT '',
    build              text        NOT NULL DEFAULT '',
    labels             jsonb       NOT NULL DEFAULT '{}',
    connected          boolean     NOT NULL DEFAULT false,
    -- the control-plane replica (random id per process) that holds the node's stream
    replica            text,
    last_seen          timestamptz NOT NULL DEFAULT now(),
    applied_generation bigint      NOT NULL DEFAULT 0,
    -- the newest push not acknowledged yet, and since when one has been waiting
    pending_generation bigint,
    pending_since      timestamptz,
    last_error         text        NOT NULL DEFAULT '',
    rejected           boolean     NOT NULL DEFAULT false,
    client_connections bigint      NOT NULL DEFAULT 0,
    server_connections bigint      NOT NULL DEFAULT 0
);
CREATE INDEX node_fleet ON node (fleet);

-- Resource revisions a node refused (NACK). No replica ever pushes them to that node again;
-- only a newer revision of the resource is pushed.
CREATE TABLE node_rejection (
    node_id  text        NOT NULL REFERENCES node (node_id) ON DELETE CASCADE,
    kind     text        NOT NULL,
    name     text        NOT NULL,
    revision bigint      NOT NULL,
    reason   text        NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (node_id, kind, name, revision)
);

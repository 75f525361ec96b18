-- Fleet stats rollups (docs/fleet-stats.md). One row per bucket, fleet, kind of series
-- (fleet, node, pool, service), series key and control-plane replica: each replica writes
-- only the rows of the nodes it holds, under its own random id, so rows of different
-- replicas never conflict and a query sums them. Counters are the sums of reset-safe
-- deltas over the bucket, as jsonb keyed by the contract's field names (stats.proto);
-- histograms are the merged HdrHistograms in their compressed encoding (microseconds).
CREATE TABLE stats_1m (
    bucket           timestamptz NOT NULL,
    fleet            text        NOT NULL,
    kind             text        NOT NULL,
    node_id          text        NOT NULL DEFAULT '',
    database         text        NOT NULL DEFAULT '',
    username         text        NOT NULL DEFAULT '',
    application_name text        NOT NULL DEFAULT '',
    replica          text        NOT NULL,
    counters         jsonb       NOT NULL,
    query_latency_us bytea,
    xact_latency_us  bytea,
    wait_latency_us  bytea,
    PRIMARY KEY (fleet, kind, bucket, node_id, database, username, application_name, replica)
);
CREATE INDEX stats_1m_bucket ON stats_1m (bucket);

-- Hourly rollups, made once for the whole cluster from every replica's minute rows
-- (replica = 'all'), under an advisory lock, marked done in stats_rollup_hour.
CREATE TABLE stats_1h (LIKE stats_1m INCLUDING ALL);

CREATE TABLE stats_rollup_hour (
    hour    timestamptz PRIMARY KEY,
    done_at timestamptz NOT NULL DEFAULT now()
);

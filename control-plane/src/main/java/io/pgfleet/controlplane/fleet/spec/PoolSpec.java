package io.pgfleet.controlplane.fleet.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Pool settings with pgbouncer.ini's names. A null field inherits (fleet -> database ->
 * user); 0 means what it means in PgBouncer. Durations are seconds. Which keys a scope may
 * set is the node validator's call (docs/control-plane.md).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PoolSpec(
        @JsonProperty("pool_mode") String poolMode,
        @JsonProperty("default_pool_size") Integer defaultPoolSize,
        @JsonProperty("min_pool_size") Integer minPoolSize,
        @JsonProperty("reserve_pool_size") Integer reservePoolSize,
        @JsonProperty("max_db_connections") Integer maxDbConnections,
        @JsonProperty("max_user_connections") Integer maxUserConnections,
        @JsonProperty("max_client_conn") Integer maxClientConn,
        @JsonProperty("max_db_client_connections") Integer maxDbClientConnections,
        @JsonProperty("max_user_client_connections") Integer maxUserClientConnections,
        @JsonProperty("server_idle_timeout") Double serverIdleTimeout,
        @JsonProperty("server_lifetime") Double serverLifetime,
        @JsonProperty("query_timeout") Double queryTimeout,
        @JsonProperty("query_wait_timeout") Double queryWaitTimeout,
        @JsonProperty("idle_transaction_timeout") Double idleTransactionTimeout,
        @JsonProperty("transaction_timeout") Double transactionTimeout,
        @JsonProperty("client_idle_timeout") Double clientIdleTimeout,
        @JsonProperty("max_prepared_statements") Integer maxPreparedStatements,
        @JsonProperty("pgfleet_session_state") String sessionState) {

    public static final PoolSpec NONE = new PoolSpec(null, null, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null);

    /** True when no key is set (nothing to send to nodes). Not a JSON property. */
    @JsonIgnore
    public boolean isEmpty() {
        return equals(NONE);
    }

    public static PoolSpec orNone(PoolSpec spec) {
        return spec == null ? NONE : spec;
    }
}

package io.pgfleet.testkit;

import org.junit.jupiter.api.Assumptions;

/**
 * Where tests get their PostgreSQL. By default the embedded binaries (PostgreSQL 17).
 * With {@code -Dpgfleet.test.postgres=docker:16} (any major) the same tests run against a
 * container instead; without a Docker engine such a run is skipped, not failed.
 */
public final class Postgres {
    public static final String SELECTOR_PROPERTY = "pgfleet.test.postgres";

    private Postgres() {
    }

    private static PostgresServer shared;

    /**
     * One server for every test class of this JVM that does not stop or kill it: starting
     * PostgreSQL takes seconds, a database per test class takes milliseconds. Stopped when
     * the JVM exits. Test classes must use their own databases and roles.
     */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            PostgresServer server = start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "postgres-shutdown"));
            shared = server;
        }
        return shared;
    }

    public static PostgresServer start() {
        return start(System.getProperty(SELECTOR_PROPERTY, "embedded"));
    }

    public static PostgresServer start(String selector) {
        if (selector.startsWith("docker:")) {
            Assumptions.assumeTrue(ContainerPostgresServer.dockerAvailable(),
                    "no Docker engine reachable: skipping the PostgreSQL " + selector.substring(7) + " run");
            return ContainerPostgresServer.start(Integer.parseInt(selector.substring(7)));
        }
        if (!selector.equals("embedded")) {
            throw new IllegalArgumentException(SELECTOR_PROPERTY + " must be 'embedded' or 'docker:<major>', not " + selector);
        }
        return EmbeddedPostgresServer.start();
    }
}

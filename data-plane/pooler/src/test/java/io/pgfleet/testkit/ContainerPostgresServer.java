package io.pgfleet.testkit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * PostgreSQL of any major in a container, for runs on machines with a Docker engine.
 * Where none is reachable, {@link Postgres} skips the test instead of using this class.
 * Its superuser authenticates like the embedded one: trusted from loopback inside the
 * container is not possible, so the superuser gets a password and others use SCRAM.
 */
final class ContainerPostgresServer implements PostgresServer {
    private final PostgreSQLContainer container;
    private final int major;

    private ContainerPostgresServer(PostgreSQLContainer container, int major) {
        this.container = container;
        this.major = major;
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static ContainerPostgresServer start(int major) {
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:" + major)
                .withUsername(SUPERUSER).withPassword("")
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")
                .withEnv("POSTGRES_INITDB_ARGS", "--auth-host=scram-sha-256");
        container.start();
        return new ContainerPostgresServer(container, major);
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
    }

    @Override
    public int majorVersion() {
        return major;
    }

    @Override
    public void stop() {
        container.getDockerClient().stopContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void kill() {
        container.getDockerClient().killContainerCmd(container.getContainerId()).withSignal("KILL").exec();
    }

    @Override
    public void restart() {
        container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void close() {
        container.stop();
    }
}

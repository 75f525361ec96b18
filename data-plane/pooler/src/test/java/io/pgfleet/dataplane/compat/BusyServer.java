package io.pgfleet.dataplane.compat;

import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.TestNode;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Keeps busy the server connection that a client's next statement lands on, without timing:
 * a superuser connection straight to PostgreSQL takes an advisory lock, and the client runs
 * {@code SELECT pg_advisory_xact_lock(key)} (one statement, allowed in every pool mode), which
 * waits until {@link #close()} releases it. Until then that server is nobody else's, so in
 * transaction and statement mode every other client runs on the pool's other server.
 */
final class BusyServer implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Connection direct;
    private final long key;
    private final ExecutorService thread;
    private final Future<?> waiting;
    private final int pid;

    private BusyServer(Connection direct, long key, ExecutorService thread, Future<?> waiting, int pid) {
        this.direct = direct;
        this.key = key;
        this.thread = thread;
        this.waiting = waiting;
        this.pid = pid;
    }

    /** Sends {@code client}'s waiting statement and returns once PostgreSQL shows it waiting. */
    static BusyServer occupy(TestNode node, Connection client, long key) throws SQLException {
        Connection direct = ModeNodes.direct(node);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            direct.createStatement().execute("SELECT pg_advisory_lock(" + key + ")");
            Future<?> waiting = thread.submit(() -> {
                client.createStatement().execute("SELECT pg_advisory_xact_lock(" + key + ")");
                return null;
            });
            int[] pid = {0};
            Eventually.await(WAIT, "a statement waiting for advisory lock " + key, () -> {
                if (waiting.isDone()) {
                    return true; // failed: get() in the check below says why
                }
                pid[0] = waiter(direct, key);
                return pid[0] != 0;
            });
            if (waiting.isDone()) {
                waiting.get();
                throw new IllegalStateException("the waiting statement ended before the lock was released");
            }
            return new BusyServer(direct, key, thread, waiting, pid[0]);
        } catch (Exception e) {
            thread.shutdownNow();
            direct.close();
            if (e instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException(e);
        }
    }

    /** The backend pid of the server kept busy. */
    int pid() {
        return pid;
    }

    private static int waiter(Connection direct, long key) {
        try (PreparedStatement ps = direct.prepareStatement(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = ? "
                        + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Releases the lock and waits for the client's statement to complete. */
    @Override
    public void close() throws Exception {
        try {
            direct.createStatement().execute("SELECT pg_advisory_unlock(" + key + ")");
            waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            thread.shutdownNow();
            direct.close();
        }
    }
}

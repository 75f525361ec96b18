package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * server_connect_timeout covers the login, not just the TCP connect: a server that accepts
 * the connection and then never answers gives the client an error after the timeout (and
 * the node does not keep the connection).
 */
class ServerConnectTimeoutTest {
    private static ServerSocket silent;
    private static final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private static TestNode node;

    @BeforeAll
    static void start() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    accepted.add(silent.accept()); // and never a byte back
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-server");
        acceptor.setDaemon(true);
        acceptor.start();
        node = TestNode.start("srvconnect", List.of("user"), List.of("silent"), s -> {
            s.serverConnectTimeout = Duration.ofSeconds(1);
            s.queryWaitTimeout = Duration.ofSeconds(30);
        }, ServerConnectTimeoutTest::silentTarget);
    }

    /** The node's second database points at the socket that never answers. */
    private static NodeConfig silentTarget(NodeConfig c) {
        Map<String, DatabaseTarget> databases = new LinkedHashMap<>(c.databases());
        String name = "srvconnect_silent";
        databases.put(name, new DatabaseTarget(name, List.of(new HostAndPort("127.0.0.1", silent.getLocalPort())),
                name, null, null));
        return new NodeConfig(c.authType(), databases, c.users(), c.pooler(), c.hba());
    }

    @AfterAll
    static void stop() throws IOException {
        node.close();
        silent.close();
        for (Socket s : accepted) {
            s.close();
        }
    }

    @Test
    void aServerThatNeverAnswersTheLoginFailsTheClientAfterServerConnectTimeout() throws Exception {
        long started = System.nanoTime();
        assertThatThrownBy(() -> node.connect(node.user(), node.database(1)).close())
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getMessage()).contains("server_connect_timeout"));
        assertThat((System.nanoTime() - started) / 1_000_000).isBetween(900L, 10_000L);
        assertThat(accepted).isNotEmpty();
        // The node gave up the connection: the silent server sees it closed.
        Eventually.await(Duration.ofSeconds(5), "the node closed its side", () -> accepted.stream().allMatch(ServerConnectTimeoutTest::closedByPeer));
        // The working database of the same node is unaffected.
        try (Connection ok = node.connect()) {
            assertThat(ok.createStatement().executeQuery("SELECT 1").next()).isTrue();
        }
    }

    private static boolean closedByPeer(Socket s) {
        try {
            s.setSoTimeout(50);
            while (true) {
                int b = s.getInputStream().read();
                if (b < 0) {
                    return true;
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}

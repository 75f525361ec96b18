package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Several event loops: pools stay correct when clients and servers live on different threads. */
class EventLoopConcurrencyTest {

    @Test
    void fortyClientsOnFourLoopsNeverExceedThePoolAndEveryAnswerIsTheirs() throws Exception {
        try (TestNode node = TestNode.start(Postgres.shared(), "loops", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 3;
        }, p -> p.withEventLoopThreads(4))) {
            AtomicInteger maxServers = new AtomicInteger();
            ExecutorService threads = Executors.newFixedThreadPool(40);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int id = i;
                results.add(threads.submit(() -> {
                    int ok = 0;
                    try (Connection c = node.connect(); Statement s = c.createStatement()) {
                        for (int q = 0; q < 100; q++) {
                            // Each answer must be this client's own: a mixed-up relay would show.
                            try (ResultSet rs = s.executeQuery("SELECT " + id + " * 1000 + " + q)) {
                                rs.next();
                                if (rs.getInt(1) == id * 1000 + q) {
                                    ok++;
                                }
                            }
                            if (q % 25 == 0) {
                                maxServers.accumulateAndGet(node.pooler().pools().serversOfDatabase(node.database()), Math::max);
                            }
                        }
                    }
                    return ok;
                }));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get();
            }
            threads.shutdown();
            assertThat(total).isEqualTo(40 * 100);
            assertThat(maxServers.get()).isLessThanOrEqualTo(3);
            assertThat(node.serverConnectionsSeenByPostgres()).isLessThanOrEqualTo(3);
        }
    }
}

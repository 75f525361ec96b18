package io.pgfleet.dataplane.pool;

import io.netty.buffer.PooledByteBufAllocator;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that does not read its result never makes the node buffer the result: the node
 * stops reading from the server, and memory stays at a few socket buffers per connection.
 */
class SlowClientBackpressureTest {

    @Test
    void aStalledClientDoesNotMakeTheNodeBufferAHugeResult() throws Exception {
        try (TestNode node = TestNode.start("backpressure", s -> s.poolMode = PoolMode.TRANSACTION);
             RawClient client = RawClient.connect(node)) {
            client.socket().setReceiveBufferSize(64 * 1024);
            long before = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() + PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
            // About 400 MB of rows; the client reads none of it for a while.
            client.sendQuery("SELECT repeat('x', 1000) FROM generate_series(1, 400000)");
            Thread.sleep(2_000);
            long during = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() + PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
            assertThat(during - before).as("bytes the node holds for the stalled client").isLessThan(16L * 1024 * 1024);

            // Then it reads everything, and nothing was lost.
            DataInputStream in = new DataInputStream(client.socket().getInputStream());
            long rows = 0;
            while (true) {
                RawClient.Message m = client.read();
                if (m.type() == 'D') {
                    rows++;
                } else if (m.type() == 'Z') {
                    break;
                }
            }
            assertThat(rows).isEqualTo(400_000);
        }
    }
}

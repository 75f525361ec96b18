package io.pgfleet.dataplane.console;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.pgfleet.dataplane.pool.PoolView;

import static io.pgfleet.dataplane.console.Column.int4;
import static io.pgfleet.dataplane.console.Column.int8;
import static io.pgfleet.dataplane.console.Column.text;

/**
 * SHOW MEM in PgBouncer's columns (name, size, used, free, memtotal). PgBouncer reports
 * its slab caches: per object kind the item size, items in use and free, and the bytes
 * allocated. A JVM has no slabs and does not tell an object's size, so the node reports
 * what it knows for certain: its object counts (size and memtotal 0: not measured), and
 * the memory the JVM and Netty's buffer pools use, in KiB items (size 1024).
 */
final class MemoryView {
    private static final int KIB = 1024;

    private MemoryView() {
    }

    static Table mem(ConsoleSnapshot s) {
        Table t = new Table(text("name"), int4("size"), int4("used"), int4("free"), int8("memtotal"));
        int servers = 0;
        int prepared = 0;
        for (PoolView p : s.pools()) {
            servers += p.active() + p.idle() + p.connecting();
            for (PoolView.ServerView v : p.servers()) {
                prepared += v.preparedStatements();
            }
        }
        t.row("clients", 0, s.clientCount(), 0, 0);
        t.row("console_clients", 0, s.consoleClients().size(), 0, 0);
        t.row("servers", 0, servers, 0, 0);
        t.row("pools", 0, s.pools().size(), 0, 0);
        t.row("server_prepared_statements", 0, prepared, 0, 0);
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();
        kib(t, "jvm_heap", heapUsed, rt.freeMemory());
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            kib(t, "netty_direct_buffers", metric.usedDirectMemory(), 0);
            kib(t, "netty_heap_buffers", metric.usedHeapMemory(), 0);
        }
        return t;
    }

    /** A row of bytes counted in KiB items: used and free items, and the bytes they make up. */
    private static void kib(Table t, String name, long usedBytes, long freeBytes) {
        long used = usedBytes / KIB;
        long free = freeBytes / KIB;
        t.row(name, KIB, used, free, (used + free) * KIB);
    }
}

package io.pgfleet.dataplane.session;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One pool's prepared statements by content. A statement lives while some client holds it
 * under a name; one no client holds is forgotten (servers that still have it drop it when
 * their cache evicts it), so clients that prepare ever-new texts do not grow the node.
 */
public final class StatementRegistry {
    private final ConcurrentHashMap<Content, PreparedStatement> statements = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /** The statement for this Parse body (query, parameter types), shared, with one more reference. */
    public PreparedStatement acquire(byte[] parseBody, int sqlFlags) {
        return statements.compute(new Content(parseBody), (content, existing) -> {
            PreparedStatement statement = existing != null ? existing
                    : new PreparedStatement(ids.incrementAndGet(), parseBody, sqlFlags);
            statement.references++;
            return statement;
        });
    }

    /** The statement for this Parse body if some client holds it, without taking a reference. */
    public PreparedStatement find(byte[] parseBody) {
        return statements.get(new Content(parseBody));
    }

    /** A client no longer holds the statement under a name. */
    public void release(PreparedStatement statement) {
        statements.computeIfPresent(new Content(statement.parseBody()), (content, existing) -> {
            if (existing != statement) {
                return existing;
            }
            statement.references--;
            return statement.references > 0 ? statement : null;
        });
    }

    /** Parse bodies compared by value. */
    private record Content(byte[] bytes, int hash) {
        Content(byte[] bytes) {
            this(bytes, Arrays.hashCode(bytes));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Content c && c.hash == hash && Arrays.equals(c.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}

package io.pgfleet.dataplane.client;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.netty.channel.EventLoop;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The node's logged-in clients: their cancel keys, and a once-a-second timeout sweep on
 * each event loop over the clients living there (no timer per client).
 *
 * <p>A cancel key's process id carries the node's slot in its fleet in its top 12 bits
 * (below the sign bit) and a per-node number in the low 19; the secret is random. A cancel
 * that reaches another node of the fleet names the node that issued the key, which the
 * receiving node forwards it to.
 */
public final class ClientRegistry {
    static final int SLOT_SHIFT = 19;
    private static final int LOCAL_MASK = (1 << SLOT_SHIFT) - 1;

    /** The BackendKeyData a client was given. */
    public record CancelKey(int processId, int secretKey) {
    }

    private final SecureRandom random = new SecureRandom();
    private final int nodeSlot;
    private final AtomicInteger next = new AtomicInteger();
    private final Map<Integer, ClientSession> byProcessId = new ConcurrentHashMap<>();
    private final Map<EventLoop, LoopClients> loops = new ConcurrentHashMap<>();
    private volatile Map<Integer, InetSocketAddress> peers = Map.of();

    public ClientRegistry(int nodeSlot) {
        this.nodeSlot = nodeSlot;
    }

    CancelKey register(ClientSession session) {
        loops.computeIfAbsent(session.eventLoop(), LoopClients::new).sessions.add(session);
        while (true) {
            int processId = (nodeSlot << SLOT_SHIFT) | (next.incrementAndGet() & LOCAL_MASK);
            if (processId != 0 && byProcessId.putIfAbsent(processId, session) == null) {
                return new CancelKey(processId, random.nextInt());
            }
        }
    }

    void unregister(ClientSession session) {
        CancelKey key = session.cancelKey();
        if (key != null) {
            byProcessId.remove(key.processId(), session);
        }
        LoopClients local = loops.get(session.eventLoop());
        if (local != null) {
            local.sessions.remove(session);
        }
    }

    /** The client a cancel key belongs to on this node, or null (unknown key or wrong secret). */
    ClientSession lookup(int processId, int secretKey) {
        ClientSession session = byProcessId.get(processId);
        if (session == null || session.cancelKey() == null) {
            return null;
        }
        byte[] expected = intBytes(session.cancelKey().secretKey());
        return MessageDigest.isEqual(expected, intBytes(secretKey)) ? session : null;
    }

    /** Where a cancel key issued by another node must go; null when it is ours or the node is unknown. */
    InetSocketAddress peerFor(int processId) {
        int slot = processId >>> SLOT_SHIFT;
        return slot == nodeSlot ? null : peers.get(slot);
    }

    /** The fleet's other nodes by slot, as the control plane announces them. */
    public void peers(Map<Integer, InetSocketAddress> peersBySlot) {
        peers = Map.copyOf(peersBySlot);
    }

    /**
     * Every logged-in client, each read on its own event loop. Completes once every loop has
     * answered; never blocks the caller (an event loop itself, for the admin console).
     */
    public CompletableFuture<List<ClientView>> views() {
        List<CompletableFuture<List<ClientView>>> parts = new ArrayList<>();
        loops.forEach((loop, local) -> {
            CompletableFuture<List<ClientView>> part = new CompletableFuture<>();
            try {
                loop.execute(() -> {
                    try {
                        part.complete(local.sessions.stream().map(ClientSession::view).toList());
                    } catch (RuntimeException e) {
                        part.completeExceptionally(e);
                    }
                });
            } catch (RuntimeException e) { // the loop is shutting down
                part.completeExceptionally(e);
            }
            parts.add(part);
        });
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<ClientView> all = new ArrayList<>();
            parts.forEach(p -> all.addAll(p.join()));
            all.sort(java.util.Comparator.comparingLong(ClientView::connectedAtMillis));
            return all;
        });
    }

    /**
     * KILL: every client of the databases {@code database} accepts is told {@code message}
     * and closed, each on its own loop. Completes with how many once every loop has done so.
     */
    public CompletableFuture<Integer> kill(Predicate<String> database, String message) {
        return onEveryLoop(local -> {
            int killed = 0;
            for (ClientSession session : Set.copyOf(local.sessions)) {
                if (database.test(session.database())) {
                    session.kill(message);
                    killed++;
                }
            }
            return killed;
        }).thenApply(counts -> counts.stream().mapToInt(Integer::intValue).sum());
    }

    /**
     * KILL_CLIENT: closes the client SHOW CLIENTS lists with this {@code id} (its cancel key's
     * process id). Completes with false when there is no such client.
     */
    public CompletableFuture<Boolean> kill(int id, String message) {
        ClientSession session = byProcessId.get(id);
        if (session == null) {
            return CompletableFuture.completedFuture(false);
        }
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            session.eventLoop().execute(() -> {
                session.kill(message);
                done.complete(true);
            });
        } catch (RuntimeException e) { // the loop is shutting down
            done.complete(false);
        }
        return done;
    }

    /** The process id (SHOW CLIENTS id) of the client whose ptr is {@code ptr}; -1 when none. */
    public int processIdOfPtr(int ptr) {
        for (Map.Entry<Integer, ClientSession> e : byProcessId.entrySet()) {
            if (System.identityHashCode(e.getValue()) == ptr) {
                return e.getKey();
            }
        }
        return -1;
    }

    /** Runs {@code task} on every loop with clients; completes with each loop's answer. */
    private <T> CompletableFuture<List<T>> onEveryLoop(java.util.function.Function<LoopClients, T> task) {
        List<CompletableFuture<T>> parts = new ArrayList<>();
        loops.forEach((loop, local) -> {
            CompletableFuture<T> part = new CompletableFuture<>();
            try {
                loop.execute(() -> {
                    try {
                        part.complete(task.apply(local));
                    } catch (RuntimeException e) {
                        part.completeExceptionally(e);
                    }
                });
            } catch (RuntimeException e) { // the loop is shutting down
                part.completeExceptionally(e);
            }
            parts.add(part);
        });
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> parts.stream().map(CompletableFuture::join).toList());
    }

    public int size() {
        return byProcessId.size();
    }

    /** Node shutdown: every client is told, each on its own loop (see ClientSession#drain). */
    public void drainAll() {
        loops.forEach((loop, local) -> loop.execute(() -> Set.copyOf(local.sessions).forEach(ClientSession::drain)));
    }

    private static byte[] intBytes(int value) {
        return new byte[]{(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    /** The clients of one loop; touched only on that loop. */
    private static final class LoopClients {
        final Set<ClientSession> sessions = new HashSet<>();

        LoopClients(EventLoop loop) {
            loop.scheduleAtFixedRate(() -> {
                long now = System.nanoTime();
                for (ClientSession session : Set.copyOf(sessions)) {
                    session.checkTimeouts(now);
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
    }
}

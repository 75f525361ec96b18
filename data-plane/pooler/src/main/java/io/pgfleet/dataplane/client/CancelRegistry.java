package io.pgfleet.dataplane.client;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps the BackendKeyData the node gave each client to the server connection serving it,
 * so a CancelRequest reaches the server running that client's query. Each client gets its
 * own random key; server keys are never shown to clients.
 */
public final class CancelRegistry {
    /** Where a cancel for one client must go. */
    public record ServerKey(InetSocketAddress server, int processId, int secretKey) {
    }

    /** A key the node handed to a client. */
    public record ClientKey(int processId, int secretKey) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<ClientKey, ServerKey> servers = new ConcurrentHashMap<>();

    public ClientKey register(ServerKey server) {
        while (true) {
            ClientKey key = new ClientKey(random.nextInt() & 0x7FFFFFFF, random.nextInt());
            if (servers.putIfAbsent(key, server) == null) {
                return key;
            }
        }
    }

    public ServerKey lookup(int processId, int secretKey) {
        return servers.get(new ClientKey(processId, secretKey));
    }

    public void unregister(ClientKey key) {
        if (key != null) {
            servers.remove(key);
        }
    }
}

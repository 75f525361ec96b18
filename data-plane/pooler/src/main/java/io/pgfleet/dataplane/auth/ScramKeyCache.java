package io.pgfleet.dataplane.auth;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.StringPreparation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * SCRAM ClientKey/ServerKey pairs derived from passwords, cached by (password digest,
 * salt, iterations). PBKDF2 costs milliseconds by design; a server's salt and iteration
 * count never change for a role, so after the first login to a server every later login
 * is free. Misses are computed on the given executor, never on an event loop.
 */
public final class ScramKeyCache {
    public record Keys(byte[] clientKey, byte[] serverKey) {
    }

    private final Map<String, CompletableFuture<Keys>> cache = new ConcurrentHashMap<>();
    private final Executor cryptoExecutor;

    public ScramKeyCache(Executor cryptoExecutor) {
        this.cryptoExecutor = cryptoExecutor;
    }

    public CompletableFuture<Keys> keys(String password, byte[] salt, int iterations) {
        String cacheKey = sha256(password) + "$" + Base64.getEncoder().encodeToString(salt) + "$" + iterations;
        return cache.computeIfAbsent(cacheKey, k -> CompletableFuture.supplyAsync(() -> derive(password, salt, iterations), cryptoExecutor));
    }

    private static Keys derive(String password, byte[] salt, int iterations) {
        byte[] salted = ScramFunctions.saltedPassword(ScramVerifier.MECHANISM, StringPreparation.POSTGRESQL_PREPARATION,
                password.toCharArray(), salt, iterations);
        return new Keys(ScramFunctions.clientKey(ScramVerifier.MECHANISM, salted),
                ScramFunctions.serverKey(ScramVerifier.MECHANISM, salted));
    }

    private static String sha256(String value) {
        try {
            return Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.pgfleet.controlplane.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of a secret: API tokens and bootstrap tokens are stored and compared only as this. */
public final class Sha256 {
    private Sha256() {
    }

    public static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    public static String hex(String secret) {
        return HexFormat.of().formatHex(digest(secret == null ? "" : secret));
    }
}

package io.pgfleet.controlplane.security;

import io.smallrye.config.ConfigMapping;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Encrypts secrets at rest with AES-256-GCM under the key {@code pgfleet.secrets.key}.
 *
 * <p>Stored form: {@code k<key id>:<base64 nonce>:<base64 ciphertext+tag>}, where the key id
 * is the first 8 hex digits of the SHA-256 of the key, so that after a rotation each
 * ciphertext names the key that sealed it. Rotation: make the new key
 * {@code pgfleet.secrets.key} and move the old one to {@code pgfleet.secrets.previous-keys}
 * (comma-separated); old ciphertexts still decrypt, and {@link #reseal} re-encrypts them under
 * the current key. The legacy form {@code v1:<nonce>:<ciphertext>} (no key id) is read with
 * the current key, and then with the previous keys.
 *
 * <p>No exception or log line carries key material, plaintext or ciphertext.
 */
@ApplicationScoped
public class SecretCipher {
    private static final String LEGACY_PREFIX = "v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    @ConfigMapping(prefix = "pgfleet.secrets")
    public interface SecretsConfig {
        /** Base64 of 32 random bytes. */
        String key();

        /** Keys that sealed existing secrets before a rotation: base64, comma-separated. */
        Optional<List<String>> previousKeys();
    }

    private record Key(String id, SecretKeySpec spec) {
        @Override
        public String toString() {
            return "Key[" + id + "]";
        }
    }

    private final Key current;
    /** Every key that may decrypt, current first, by key id. */
    private final Map<String, Key> keys = new LinkedHashMap<>();
    private final SecureRandom random = new SecureRandom();

    @Inject
    public SecretCipher(SecretsConfig config) {
        this(config.key(), config.previousKeys().orElse(List.of()));
    }

    /** For tests and tools: the current key and the previous keys, each base64 of 32 bytes. */
    public SecretCipher(String currentKey, List<String> previousKeys) {
        this.current = key(currentKey, "pgfleet.secrets.key");
        keys.put(current.id(), current);
        for (int i = 0; i < previousKeys.size(); i++) {
            String previous = previousKeys.get(i);
            if (previous == null || previous.isBlank()) {
                continue;
            }
            Key k = key(previous, "pgfleet.secrets.previous-keys[" + i + "]");
            keys.putIfAbsent(k.id(), k);
        }
    }

    private static Key key(String base64, String what) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(what + " is not valid base64");
        }
        if (raw.length != 32) {
            throw new IllegalStateException(what + " must be 32 bytes (base64), got " + raw.length);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw);
            return new Key("k" + HexFormat.of().formatHex(digest, 0, 4), new SecretKeySpec(raw, "AES"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available");
        }
    }

    public String encrypt(String plaintext) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, current.spec(), new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            Base64.Encoder b64 = Base64.getEncoder();
            return current.id() + ":" + b64.encodeToString(nonce) + ":" + b64.encodeToString(sealed);
        } catch (GeneralSecurityException e) {
            // The cause names only the algorithm problem, never the key or the plaintext.
            throw new IllegalStateException("secret encryption failed: " + e.getClass().getSimpleName());
        }
    }

    public String decrypt(String stored) {
        if (stored == null) {
            throw new IllegalStateException("no secret to decrypt");
        }
        if (stored.startsWith(LEGACY_PREFIX)) {
            // Legacy ciphertexts name no key: current key first, then the previous ones (GCM's tag tells).
            for (Key k : keys.values()) {
                String plaintext = open(k, stored.substring(LEGACY_PREFIX.length()));
                if (plaintext != null) {
                    return plaintext;
                }
            }
            throw new IllegalStateException("secret (legacy v1 form) could not be decrypted with pgfleet.secrets.key or pgfleet.secrets.previous-keys");
        }
        int colon = stored.indexOf(':');
        String id = colon < 0 ? "" : stored.substring(0, colon);
        Key k = keys.get(id);
        if (k == null) {
            throw new IllegalStateException(id.matches("k[0-9a-f]{8}")
                    ? "secret was sealed with key " + id + ", which is neither pgfleet.secrets.key nor in pgfleet.secrets.previous-keys"
                    : "secret is not in a known stored form");
        }
        String plaintext = open(k, stored.substring(colon + 1));
        if (plaintext == null) {
            throw new IllegalStateException("secret could not be decrypted with key " + id + " (corrupted or tampered)");
        }
        return plaintext;
    }

    /** True when {@code stored} is in the current form under the current key (nothing for a reseal to do). */
    public boolean sealedWithCurrentKey(String stored) {
        return stored != null && stored.startsWith(current.id() + ":");
    }

    /** {@code stored} sealed under the current key: unchanged when it already is, re-encrypted otherwise. */
    public String reseal(String stored) {
        return sealedWithCurrentKey(stored) ? stored : encrypt(decrypt(stored));
    }

    /** The id new ciphertexts carry (a SHA-256 prefix of the current key, not key material). */
    public String currentKeyId() {
        return current.id();
    }

    /** The plaintext of {@code <nonce>:<ciphertext>} under {@code k}, or null when it does not open. */
    private static String open(Key k, String body) {
        String[] parts = body.split(":", -1);
        if (parts.length != 2) {
            return null;
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, k.spec(), new GCMParameterSpec(TAG_BITS, Base64.getDecoder().decode(parts[0])));
            return new String(cipher.doFinal(Base64.getDecoder().decode(parts[1])), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }
}

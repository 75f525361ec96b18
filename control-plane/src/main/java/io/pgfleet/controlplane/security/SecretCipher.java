package io.pgfleet.controlplane.security;

import io.smallrye.config.ConfigMapping;
import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Encrypts secrets at rest with AES-256-GCM under the key {@code pgfleet.secrets.key}.
 * Stored form: {@code v1:<base64 nonce>:<base64 ciphertext+tag>}; the "v1" names the key
 * generation so a later key rotation can tell old ciphertexts from new ones.
 */
@ApplicationScoped
public class SecretCipher {
    private static final String PREFIX = "v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    @ConfigMapping(prefix = "pgfleet.secrets")
    public interface SecretsConfig {
        /** Base64 of 32 random bytes. */
        String key();
    }

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public SecretCipher(SecretsConfig config) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(config.key().strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("pgfleet.secrets.key is not valid base64");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("pgfleet.secrets.key must be 32 bytes (base64), got " + raw.length);
        }
        this.key = new SecretKeySpec(raw, "AES");
    }

    public String encrypt(String plaintext) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            Base64.Encoder b64 = Base64.getEncoder();
            return PREFIX + b64.encodeToString(nonce) + ":" + b64.encodeToString(sealed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("secret encryption failed", e);
        }
    }

    public String decrypt(String stored) {
        if (!stored.startsWith(PREFIX)) {
            throw new IllegalStateException("secret was sealed with an unknown key generation");
        }
        String[] parts = stored.substring(PREFIX.length()).split(":");
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Base64.getDecoder().decode(parts[0])));
            return new String(cipher.doFinal(Base64.getDecoder().decode(parts[1])), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | RuntimeException e) {
            // Never include the ciphertext or key material in the error.
            throw new IllegalStateException("secret could not be decrypted with pgfleet.secrets.key");
        }
    }
}

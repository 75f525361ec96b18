package io.pgfleet.controlplane.security;

import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretCipherTest {
    private static final String OLD = newKey();
    private static final String NEW = newKey();
    private static final String PLAINTEXT = "s3cret-server-password";

    @Test
    void newCiphertextsNameTheirKeyAndRoundTrip() {
        SecretCipher cipher = new SecretCipher(OLD, List.of());
        String sealed = cipher.encrypt(PLAINTEXT);
        assertThat(sealed).startsWith(cipher.currentKeyId() + ":").doesNotContain(PLAINTEXT);
        assertThat(cipher.currentKeyId()).matches("k[0-9a-f]{8}");
        assertThat(cipher.decrypt(sealed)).isEqualTo(PLAINTEXT);
        assertThat(cipher.sealedWithCurrentKey(sealed)).isTrue();
        assertThat(cipher.reseal(sealed)).isSameAs(sealed);
    }

    @Test
    void oldCiphertextDecryptsAfterRotationAndResealMovesItToTheCurrentKey() {
        String sealedWithOld = new SecretCipher(OLD, List.of()).encrypt(PLAINTEXT);

        SecretCipher rotated = new SecretCipher(NEW, List.of(OLD));
        assertThat(rotated.sealedWithCurrentKey(sealedWithOld)).isFalse();
        assertThat(rotated.decrypt(sealedWithOld)).isEqualTo(PLAINTEXT);

        String resealed = rotated.reseal(sealedWithOld);
        assertThat(resealed).startsWith(rotated.currentKeyId() + ":").isNotEqualTo(sealedWithOld);
        assertThat(rotated.sealedWithCurrentKey(resealed)).isTrue();
        // Once resealed, the old key can go.
        assertThat(new SecretCipher(NEW, List.of()).decrypt(resealed)).isEqualTo(PLAINTEXT);
    }

    @Test
    void legacyV1FormDecryptsWithTheCurrentKeyAndIsResealed() throws Exception {
        String legacy = legacyV1(OLD, PLAINTEXT);
        SecretCipher cipher = new SecretCipher(OLD, List.of());
        assertThat(cipher.decrypt(legacy)).isEqualTo(PLAINTEXT);
        assertThat(cipher.sealedWithCurrentKey(legacy)).isFalse();
        assertThat(cipher.decrypt(cipher.reseal(legacy))).isEqualTo(PLAINTEXT);
        assertThat(cipher.sealedWithCurrentKey(cipher.reseal(legacy))).isTrue();
        // Still readable when its key has moved to the previous keys.
        assertThat(new SecretCipher(NEW, List.of(OLD)).decrypt(legacy)).isEqualTo(PLAINTEXT);
    }

    @Test
    void wrongKeyFailsWithoutLeakingKeyCiphertextOrPlaintext() throws Exception {
        String sealed = new SecretCipher(OLD, List.of()).encrypt(PLAINTEXT);
        String legacy = legacyV1(OLD, PLAINTEXT);
        SecretCipher other = new SecretCipher(NEW, List.of());
        SecretCipher same = new SecretCipher(OLD, List.of());
        assertFailsQuietly(other, sealed);
        assertFailsQuietly(other, legacy);
        assertFailsQuietly(same, tampered(sealed));
        assertFailsQuietly(same, "garbage");
        assertFailsQuietly(same, "kdeadbeef:AAAA:BBBB");
    }

    private static void assertFailsQuietly(SecretCipher cipher, String stored) {
        assertThatThrownBy(() -> cipher.decrypt(stored))
                .isInstanceOf(IllegalStateException.class)
                .hasNoCause()
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain(PLAINTEXT).doesNotContain(OLD).doesNotContain(NEW)
                        .doesNotContain(stored.length() > 12 ? stored.substring(10) : "\u0000"));
    }

    @Test
    void badKeysAreRejectedWithoutEchoingThem() {
        assertThatThrownBy(() -> new SecretCipher("not base64 !!", List.of()))
                .hasMessage("pgfleet.secrets.key is not valid base64");
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> new SecretCipher(NEW, List.of(shortKey)))
                .hasMessageNotContaining(shortKey).hasMessageContaining("previous-keys[0]");
    }

    private static String tampered(String sealed) {
        char last = sealed.charAt(sealed.length() - 3);
        return sealed.substring(0, sealed.length() - 3) + (last == 'A' ? 'B' : 'A') + sealed.substring(sealed.length() - 2);
    }

    /** What the first SecretCipher wrote: v1:<nonce>:<ciphertext>. */
    private static String legacyV1(String key, String plaintext) throws Exception {
        byte[] nonce = new byte[12];
        new SecureRandom().nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Base64.getDecoder().decode(key), "AES"), new GCMParameterSpec(128, nonce));
        byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
        return "v1:" + Base64.getEncoder().encodeToString(nonce) + ":" + Base64.getEncoder().encodeToString(sealed);
    }

    private static String newKey() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }
}

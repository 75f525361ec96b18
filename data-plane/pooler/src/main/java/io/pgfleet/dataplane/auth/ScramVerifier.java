package io.pgfleet.dataplane.auth;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ScramMechanism;
import com.ongres.scram.common.StringPreparation;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SCRAM-SHA-256 verifier in PostgreSQL's text form:
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}. It lets the node
 * check a client's proof without knowing the password.
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    public static final ScramMechanism MECHANISM = ScramMechanism.SCRAM_SHA_256;
    /** PostgreSQL's default scram_iterations. */
    public static final int DEFAULT_ITERATIONS = 4096;

    private static final Pattern FORMAT = Pattern.compile(
            "SCRAM-SHA-256\\$(\\d+):([A-Za-z0-9+/=]+)\\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] MOCK_SECRET = ScramFunctions.salt(32, RANDOM);

    public static boolean looksLikeVerifier(String secret) {
        return secret != null && secret.startsWith("SCRAM-SHA-256$");
    }

    /** Parses PostgreSQL's text form; the message never echoes the secret. */
    public static ScramVerifier parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier in PostgreSQL's format");
        }
        Base64.Decoder b64 = Base64.getDecoder();
        try {
            int iterations = Integer.parseInt(m.group(1));
            if (iterations < 1) {
                throw new IllegalArgumentException("SCRAM verifier has an invalid iteration count");
            }
            return new ScramVerifier(iterations, b64.decode(m.group(2)), b64.decode(m.group(3)), b64.decode(m.group(4)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SCRAM verifier has an invalid iteration count");
        }
    }

    /**
     * Derives a verifier from a password, as PostgreSQL's CREATE ROLE ... PASSWORD does.
     * PBKDF2 is slow on purpose: never call this on an event loop.
     */
    public static ScramVerifier fromPassword(String password, int iterations) {
        byte[] salt = ScramFunctions.salt(16, RANDOM);
        byte[] salted = ScramFunctions.saltedPassword(MECHANISM, StringPreparation.POSTGRESQL_PREPARATION,
                password.toCharArray(), salt, iterations);
        byte[] clientKey = ScramFunctions.clientKey(MECHANISM, salted);
        return new ScramVerifier(iterations, salt,
                ScramFunctions.storedKey(MECHANISM, clientKey), ScramFunctions.serverKey(MECHANISM, salted));
    }

    /**
     * A verifier no password matches, for a user that does not exist, so the exchange
     * looks the same as for a wrong password. Like PostgreSQL's mock salt, the salt is a
     * function of the user name (keyed by a per-process secret), so repeated attempts
     * cannot tell a missing user by a changing salt. No PBKDF2 is run.
     */
    public static ScramVerifier mockFor(String user) {
        byte[] digest = ScramFunctions.hmac(MECHANISM, MOCK_SECRET,
                (user == null ? "" : user).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] salt = java.util.Arrays.copyOf(digest, 16);
        byte[] storedKey = new byte[32];
        byte[] serverKey = new byte[32];
        RANDOM.nextBytes(storedKey);
        RANDOM.nextBytes(serverKey);
        return new ScramVerifier(DEFAULT_ITERATIONS, salt, storedKey, serverKey);
    }

    public String format() {
        Base64.Encoder b64 = Base64.getEncoder();
        return "SCRAM-SHA-256$" + iterations + ":" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    }

    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + ", keys redacted]";
    }
}

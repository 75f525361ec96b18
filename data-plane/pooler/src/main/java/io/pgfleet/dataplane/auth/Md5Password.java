package io.pgfleet.dataplane.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** PostgreSQL's md5 password scheme: "md5" + md5hex(md5hex(password + user) + salt). */
public final class Md5Password {
    private Md5Password() {
    }

    /** The stored form, as in pg_authid and userlist.txt: "md5" + md5hex(password + user). */
    public static String storedHash(String user, String password) {
        return "md5" + md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
    }

    /** What a client sends in answer to AuthenticationMD5Password, from the stored hash. */
    public static String saltedResponse(String storedHash, byte[] salt) {
        byte[] inner = storedHash.substring(3).getBytes(StandardCharsets.US_ASCII);
        byte[] salted = new byte[inner.length + salt.length];
        System.arraycopy(inner, 0, salted, 0, inner.length);
        System.arraycopy(salt, 0, salted, inner.length, salt.length);
        return "md5" + md5Hex(salted);
    }

    private static String md5Hex(byte[] input) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(input));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }
}

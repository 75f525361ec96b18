package io.pgfleet.dataplane.auth;

import com.ongres.scram.common.ScramFunctions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) as PostgreSQL runs
 * it: no channel binding, the user name taken from the startup packet, not the SCRAM
 * message. Cryptography comes from com.ongres.scram; the message flow and parsing are
 * ours, because the library ships no server and its parser rejects the empty user name
 * ("n=") that libpq and pgjdbc send. Cheap: no PBKDF2 here, the verifier holds the keys.
 */
public final class ScramServerExchange {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ScramVerifier verifier;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private byte[] recoveredClientKey;

    /**
     * @param verifier the user's verifier, or null when the user does not exist: the
     *                 exchange then runs against a random verifier and always fails, so
     *                 a client cannot tell a missing user from a wrong password.
     * @param user     the user name from the startup packet
     */
    public ScramServerExchange(ScramVerifier verifier, String user) {
        this.verifier = verifier != null ? verifier : ScramVerifier.mockFor(user);
    }

    /** Takes the client-first-message, returns the server-first-message. */
    public String serverFirstMessage(String clientFirstMessage) throws ScramException {
        // gs2-header = cbind-flag "," [authzid] "," ; then n=user,r=nonce[,extensions]
        if (clientFirstMessage.startsWith("p=")) {
            throw new ScramException("channel binding is not supported");
        }
        if (!clientFirstMessage.startsWith("n,") && !clientFirstMessage.startsWith("y,")) {
            throw new ScramException("malformed SCRAM message");
        }
        int bareAt = clientFirstMessage.indexOf(',', 2);
        if (bareAt < 0) {
            throw new ScramException("malformed SCRAM message");
        }
        clientFirstBare = clientFirstMessage.substring(bareAt + 1);
        String clientNonce = attribute(clientFirstBare, 'r');
        if (clientNonce == null || clientNonce.isEmpty() || !clientFirstBare.startsWith("n=")) {
            throw new ScramException("malformed SCRAM message");
        }
        nonce = clientNonce + ScramFunctions.nonce(18, RANDOM);
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(verifier.salt()) + ",i=" + verifier.iterations();
        return serverFirst;
    }

    /**
     * Takes the client-final-message; returns the server-final-message when the proof
     * is right, or null when it is wrong.
     */
    public String serverFinalMessage(String clientFinalMessage) throws ScramException {
        if (serverFirst == null) {
            throw new ScramException("SCRAM messages out of order");
        }
        ClientFinal parsed = ClientFinal.parse(clientFinalMessage);
        if (!parsed.nonce().equals(nonce)) {
            throw new ScramException("SCRAM nonce mismatch");
        }
        String authMessage = clientFirstBare + "," + serverFirst + "," + parsed.withoutProof();
        byte[] clientSignature = ScramFunctions.clientSignature(ScramVerifier.MECHANISM, verifier.storedKey(), authMessage);
        byte[] proof = parsed.proof();
        if (proof.length != clientSignature.length) {
            return null;
        }
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        byte[] storedKey = ScramFunctions.hash(ScramVerifier.MECHANISM, clientKey);
        if (!MessageDigest.isEqual(storedKey, verifier.storedKey())) {
            return null;
        }
        recoveredClientKey = clientKey;
        byte[] serverSignature = ScramFunctions.serverSignature(ScramVerifier.MECHANISM, verifier.serverKey(), authMessage);
        return "v=" + Base64.getEncoder().encodeToString(serverSignature);
    }

    /** The ClientKey proven by a successful exchange (for SCRAM passthrough to the server). */
    public byte[] recoveredClientKey() {
        return recoveredClientKey;
    }

    /** client-final-message = channel-binding "," nonce ["," extensions] "," proof */
    private record ClientFinal(String withoutProof, String nonce, byte[] proof) {
        static ClientFinal parse(String message) throws ScramException {
            int proofAt = message.lastIndexOf(",p=");
            if (proofAt < 0 || !message.startsWith("c=")) {
                throw new ScramException("malformed SCRAM message");
            }
            String withoutProof = message.substring(0, proofAt);
            String nonce = attribute(withoutProof, 'r');
            if (nonce == null) {
                throw new ScramException("malformed SCRAM message");
            }
            String channelBinding = withoutProof.substring(2, withoutProof.indexOf(','));
            if (!"biws".equals(channelBinding) && !"eSws".equals(channelBinding)) { // "n,," or "y,,"
                throw new ScramException("channel binding is not supported");
            }
            try {
                return new ClientFinal(withoutProof, nonce,
                        Base64.getDecoder().decode(message.substring(proofAt + 3).getBytes(StandardCharsets.US_ASCII)));
            } catch (IllegalArgumentException e) {
                throw new ScramException("malformed SCRAM message");
            }
        }
    }

    /** The value of the first attribute named {@code name} in a comma-separated SCRAM message. */
    private static String attribute(String message, char name) {
        for (String attribute : message.split(",")) {
            if (attribute.length() >= 2 && attribute.charAt(0) == name && attribute.charAt(1) == '=') {
                return attribute.substring(2);
            }
        }
        return null;
    }

    /** A SCRAM exchange that cannot go on; the message is safe to show a client. */
    public static final class ScramException extends Exception {
        public ScramException(String message) {
            super(message, null, false, false);
        }
    }
}

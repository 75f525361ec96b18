package io.pgfleet.dataplane.tls;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Checks that a PEM key belongs to the first certificate of a PEM chain, by signing with one
 * and verifying with the other. Netty's JDK provider builds a context from any pair, and a
 * mismatched one fails every handshake later; a certificate renewed before its key is
 * copied is exactly such a pair, and a reload must then keep the previous context.
 * Keys in other forms than unencrypted PKCS#8 are left to the TLS library to judge.
 */
final class KeyPairCheck {
    private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PKCS8_END = "-----END PRIVATE KEY-----";

    private KeyPairCheck() {
    }

    static void requireMatchingPair(String certFile, String keyFile) throws SSLException {
        try {
            PublicKey publicKey = firstCertificate(Path.of(certFile)).getPublicKey();
            PrivateKey privateKey = pkcs8Key(Path.of(keyFile), publicKey.getAlgorithm());
            String algorithm = signatureAlgorithm(publicKey.getAlgorithm());
            if (privateKey == null || algorithm == null) {
                return;
            }
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new SSLException("the key in " + keyFile + " does not belong to the certificate in " + certFile);
            }
        } catch (SSLException e) {
            throw e;
        } catch (IOException | GeneralSecurityException e) {
            // Never the key's bytes: only which files and what kind of problem.
            throw new SSLException("cannot read " + certFile + " and " + keyFile + " as a certificate and its key: "
                    + e.getClass().getSimpleName(), e);
        }
    }

    private static X509Certificate firstCertificate(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static PrivateKey pkcs8Key(Path file, String algorithm) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = pem.indexOf(PKCS8_BEGIN);
        int end = pem.indexOf(PKCS8_END);
        if (begin < 0 || end < begin) {
            return null;
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + PKCS8_BEGIN.length(), end));
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    private static String signatureAlgorithm(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
    }
}

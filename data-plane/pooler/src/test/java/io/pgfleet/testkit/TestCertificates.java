package io.pgfleet.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority for tests, made with the {@code openssl} CLI in a temp
 * directory at test time: no key is ever committed. RSA keys, because every client
 * (libpq, pgjdbc, JSSE) reads them. Keys are written 0600, as libpq and PostgreSQL demand.
 */
public final class TestCertificates {
    /** A certificate and its key: PEM both, and the key also as DER PKCS#8 for pgjdbc's sslkey. */
    public record Issued(Path cert, Path key, Path keyDer) {
    }

    private final Path dir;
    private final Path caCert;
    private final Path caKey;

    private TestCertificates(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.crt");
        this.caKey = dir.resolve("ca.key");
    }

    public static boolean opensslAvailable() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** A new CA in {@code dir}, named {@code name}. */
    public static TestCertificates createAuthority(Path dir, String name) {
        TestCertificates ca = new TestCertificates(dir);
        ca.writeConfig("ca.cnf", """
                [req]
                distinguished_name = dn
                prompt = no
                x509_extensions = v3
                [dn]
                CN = %s
                [v3]
                basicConstraints = critical, CA:TRUE
                keyUsage = critical, keyCertSign, cRLSign
                subjectKeyIdentifier = hash
                """.formatted(name));
        ca.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3", "-config", "ca.cnf",
                "-keyout", "ca.key", "-out", "ca.crt");
        ca.protect(ca.caKey);
        return ca;
    }

    public Path caCert() {
        return caCert;
    }

    /** A server certificate for the given subjectAltName entries, e.g. "DNS:localhost", "IP:127.0.0.1". */
    public Issued server(String fileName, String commonName, String... subjectAltNames) {
        return issue(fileName, commonName, "serverAuth", List.of(subjectAltNames));
    }

    /** A client certificate whose CN is the user name it vouches for. */
    public Issued client(String fileName, String commonName) {
        return issue(fileName, commonName, "clientAuth", List.of());
    }

    private Issued issue(String fileName, String commonName, String usage, List<String> subjectAltNames) {
        writeConfig(fileName + ".cnf", """
                [req]
                distinguished_name = dn
                prompt = no
                [dn]
                CN = %s
                [v3]
                basicConstraints = CA:FALSE
                keyUsage = critical, digitalSignature, keyEncipherment
                extendedKeyUsage = %s
                %s
                """.formatted(commonName, usage,
                subjectAltNames.isEmpty() ? "" : "subjectAltName = " + String.join(", ", subjectAltNames)));
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-config", fileName + ".cnf",
                "-keyout", fileName + ".key", "-out", fileName + ".csr");
        openssl("x509", "-req", "-in", fileName + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", fileName + ".cnf", "-extensions", "v3", "-out", fileName + ".crt");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", fileName + ".key", "-outform", "DER", "-out", fileName + ".pk8");
        Issued issued = new Issued(dir.resolve(fileName + ".crt"), dir.resolve(fileName + ".key"), dir.resolve(fileName + ".pk8"));
        protect(issued.key());
        protect(issued.keyDer());
        return issued;
    }

    private void writeConfig(String name, String text) {
        try {
            Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void protect(Path key) {
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void openssl(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("openssl " + arguments[0] + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run openssl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

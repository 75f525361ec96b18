package io.pgfleet.dataplane.tls;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.HbaRules;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.TlsSettings;
import io.pgfleet.testkit.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A renewed client_tls certificate is served to new connections without a restart: after
 * its files are replaced on disk, and at once when the config points to other files.
 * Needs no PostgreSQL: the certificate is visible right after the SSLRequest.
 */
class CertificateReloadTest {
    private static TestCertificates ca;
    private static Path served;
    private static final ConfigHolder config = new ConfigHolder();
    private static Pooler pooler;
    private static SSLContext trustingCa;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        assumeTrue(TestCertificates.opensslAvailable(), "openssl is not installed");
        ca = TestCertificates.createAuthority(dir, "pgfleet test CA");
        trustingCa = TlsProbe.trusting(ca.caCert());
        served = Files.createDirectories(dir.resolve("served"));
        install(ca.server("first", "first certificate", "DNS:localhost"));
        configure(served.resolve("node.crt"), served.resolve("node.key"));
        pooler = TestNodes.start(config);
    }

    @AfterAll
    static void stop() {
        if (pooler != null) {
            pooler.close();
        }
    }

    private static void configure(Path cert, Path key) {
        config.replace(TestNodes.config(AuthType.TRUST, List.of(), List.of(),
                TestNodes.tls(TlsMode.PREFER, cert, key, null), TlsSettings.DISABLED, false, HbaRules.NONE));
    }

    /** Replaces the served files the way certificate renewal tools do: write aside, then rename over. */
    private static void install(TestCertificates.Issued issued) throws Exception {
        Files.copy(issued.key(), served.resolve("node.key.new"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(issued.cert(), served.resolve("node.crt.new"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(served.resolve("node.key.new"), served.resolve("node.key"), StandardCopyOption.ATOMIC_MOVE);
        Files.move(served.resolve("node.crt.new"), served.resolve("node.crt"), StandardCopyOption.ATOMIC_MOVE);
    }

    private static String servedCommonName() throws Exception {
        return TlsProbe.certificateViaSslRequest(pooler.port(), trustingCa).getSubjectX500Principal().getName();
    }

    @Test
    void replacedFilesAreServedToNewConnections() throws Exception {
        configure(served.resolve("node.crt"), served.resolve("node.key"));
        install(ca.server("first", "first certificate", "DNS:localhost"));
        Thread.sleep(1100);
        assertThat(servedCommonName()).isEqualTo("CN=first certificate");

        install(ca.server("second", "second certificate", "DNS:localhost"));
        // Files are looked at no more than once a second.
        Thread.sleep(1100);
        assertThat(servedCommonName()).isEqualTo("CN=second certificate");
    }

    @Test
    void aHalfReplacedPairKeepsThePreviousCertificate() throws Exception {
        configure(served.resolve("node.crt"), served.resolve("node.key"));
        install(ca.server("good", "good certificate", "DNS:localhost"));
        Thread.sleep(1100);
        assertThat(servedCommonName()).isEqualTo("CN=good certificate");

        // A new certificate whose key has not been copied yet: the pair does not match.
        TestCertificates.Issued next = ca.server("next", "next certificate", "DNS:localhost");
        Files.copy(next.cert(), served.resolve("node.crt.new"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(served.resolve("node.crt.new"), served.resolve("node.crt"), StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(1100);
        assertThat(servedCommonName()).isEqualTo("CN=good certificate");

        Files.copy(next.key(), served.resolve("node.key.new"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(served.resolve("node.key.new"), served.resolve("node.key"), StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(1100);
        assertThat(servedCommonName()).isEqualTo("CN=next certificate");
    }

    @Test
    void aConfigPointingToOtherFilesAppliesAtOnce() throws Exception {
        TestCertificates.Issued other = ca.server("other", "other certificate", "DNS:localhost");
        try {
            configure(other.cert(), other.key());
            assertThat(servedCommonName()).isEqualTo("CN=other certificate");
        } finally {
            configure(served.resolve("node.crt"), served.resolve("node.key"));
        }
    }
}

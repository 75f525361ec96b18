package io.pgfleet.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.security.SecureRandom;

/** Where things are: the repository, the packaged apps, the JDK that runs these tests, the logs. */
public final class E2e {
    private static final SecureRandom RANDOM = new SecureRandom();

    private E2e() {
    }

    /** The repository root: {@code -Dpgfleet.root} (set by surefire and bench/config-propagation), else the parent of the working directory. */
    public static Path root() {
        String configured = System.getProperty("pgfleet.root");
        Path root = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent();
        return root.toAbsolutePath().normalize();
    }

    /** The JDK that runs the tests runs the apps too. */
    public static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    public static Path controlPlaneJar() {
        return requireJar(root().resolve("control-plane/target/quarkus-app/quarkus-run.jar"));
    }

    public static Path nodeJar() {
        return requireJar(root().resolve("data-plane/node/target/quarkus-app/quarkus-run.jar"));
    }

    private static Path requireJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the apps first (./mvnw -o package -DskipTests, "
                    + "or ./mvnw verify, which builds e2e after them)");
        }
        return jar;
    }

    /** A directory for one test class or run (logs, snapshots) under e2e/target/e2e, created. */
    public static Path workDir(String name) {
        String configured = System.getProperty("pgfleet.e2e.work");
        Path base = configured != null ? Path.of(configured) : root().resolve("e2e/target/e2e");
        Path dir = base.resolve(name).toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * Like {@link #workDir(String)}, emptied first: logs and node snapshots of an earlier run
     * (sealed with another key) must not leak into this one.
     */
    public static Path freshWorkDir(String name) {
        Path dir = workDir(name);
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Base64 of {@code bytes} random bytes: secrets keys, tokens, passwords. */
    public static String randomBase64(int bytes) {
        byte[] value = new byte[bytes];
        RANDOM.nextBytes(value);
        return Base64.getEncoder().encodeToString(value);
    }

    /** A random secret that needs no quoting anywhere (URL-safe base64, no padding). */
    public static String randomToken(int bytes) {
        byte[] value = new byte[bytes];
        RANDOM.nextBytes(value);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }
}

package io.pgfleet.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Linux sysctl a test needs, set for the test and put back after. Used for
 * net.ipv4.tcp_migrate_req, which lets the kernel hand connections queued on a closing
 * SO_REUSEPORT listener to its sibling (docs/operations: what a host running nodes needs).
 */
public final class KernelSetting implements AutoCloseable {
    private final Path path;
    private final String previous;

    private KernelSetting(Path path, String previous) {
        this.path = path;
        this.previous = previous;
    }

    /** Sets the value; null when the setting does not exist or cannot be written here. */
    public static KernelSetting set(String name, String value) {
        Path path = Path.of("/proc/sys", name.replace('.', '/'));
        try {
            String previous = Files.readString(path).strip();
            Files.writeString(path, value);
            return new KernelSetting(path, previous);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    @Override
    public void close() {
        try {
            Files.writeString(path, previous);
        } catch (IOException e) {
            // Best effort: the value only matters to SO_REUSEPORT takeovers.
        }
    }
}

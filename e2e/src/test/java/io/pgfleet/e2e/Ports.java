package io.pgfleet.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for the processes a test launches. Taken below the kernel's ephemeral
 * range (ip_local_port_range), so that no outgoing connection can grab a port while a
 * process that owns it is down (a killed control plane restarts on the same port), and never
 * the same port twice in one JVM.
 */
public final class Ports {
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private Ports() {
    }

    public static synchronized int free() {
        int ephemeralStart = ephemeralRangeStart();
        int low = 20000;
        int high = Math.max(low + 1000, ephemeralStart);
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(low, high);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            if (bindable(port)) {
                HANDED_OUT.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + low + "-" + high);
    }

    private static boolean bindable(int port) {
        // Both the loopback address the apps listen on and the wildcard: either taken means taken.
        try (ServerSocket loopback = new ServerSocket()) {
            loopback.setReuseAddress(false);
            loopback.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            return false;
        }
        try (ServerSocket any = new ServerSocket()) {
            any.setReuseAddress(false);
            any.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int ephemeralRangeStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).strip();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}

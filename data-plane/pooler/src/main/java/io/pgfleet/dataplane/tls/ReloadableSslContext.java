package io.pgfleet.dataplane.tls;

import io.netty.handler.ssl.SslContext;
import io.pgfleet.dataplane.config.TlsSettings;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One side's SSL context, rebuilt when its settings change (config reload or push) or when
 * its PEM files change on disk, so a renewed certificate is served without a restart.
 *
 * <p>Files are looked at when a TLS connection starts, at most once per {@link #CHECK_INTERVAL_NANOS}:
 * a stat of three files per second is cheap enough for an event loop, and a watcher
 * thread would be one more thing to start and stop. When new files do not make a valid
 * context (e.g. the certificate was replaced but the key not yet), the previous context
 * stays in use and the next change of the files is tried again.
 */
public final class ReloadableSslContext {
    private static final Logger LOG = Logger.getLogger(ReloadableSslContext.class);
    static final long CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Builds a context from settings; may throw on unreadable or mismatched files. */
    @FunctionalInterface
    public interface Builder {
        SslContext build(TlsSettings settings) throws Exception;
    }

    /** What identifies one version of a file: a replaced or rewritten file differs in one of these. */
    private record FileVersion(String path, Object fileKey, long modifiedNanos, long size) {
    }

    private final String side;
    private final Builder builder;
    private final LongSupplier nanoClock;
    private TlsSettings settings;
    private List<FileVersion> files = List.of();
    private SslContext context;
    private long checkedAt;

    /** @param side the settings' prefix, for log lines ("client_tls", "server_tls") */
    public ReloadableSslContext(String side, Builder builder) {
        this(side, builder, System::nanoTime);
    }

    ReloadableSslContext(String side, Builder builder, LongSupplier nanoClock) {
        this.side = side;
        this.builder = builder;
        this.nanoClock = nanoClock;
    }

    /** The context for these settings; null when they cannot make one (the reason is logged). */
    public synchronized SslContext get(TlsSettings wanted) {
        long now = nanoClock.getAsLong();
        if (!wanted.equals(settings)) {
            settings = wanted;
            checkedAt = now;
            files = versions(wanted);
            context = null;
            rebuild();
        } else if (now - checkedAt >= CHECK_INTERVAL_NANOS) {
            checkedAt = now;
            List<FileVersion> current = versions(wanted);
            if (!current.equals(files)) {
                files = current;
                rebuild();
            }
        }
        return context;
    }

    private void rebuild() {
        try {
            SslContext built = builder.build(settings);
            if (context != null) {
                LOG.infof("%s: reloaded certificate files %s", side, settings);
            }
            context = built;
        } catch (Exception e) {
            // The message names files, never their contents.
            LOG.warnf("%s: cannot use %s: %s%s", side, settings, e.getMessage(),
                    context == null ? "" : "; keeping the previous certificate");
        }
    }

    private static List<FileVersion> versions(TlsSettings settings) {
        List<FileVersion> versions = new ArrayList<>(3);
        for (String file : new String[]{settings.certFile(), settings.keyFile(), settings.caFile()}) {
            if (file != null) {
                versions.add(version(file));
            }
        }
        return versions;
    }

    private static FileVersion version(String file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(Path.of(file), BasicFileAttributes.class);
            return new FileVersion(file, Objects.requireNonNullElse(attributes.fileKey(), ""),
                    attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS), attributes.size());
        } catch (NoSuchFileException e) {
            return new FileVersion(file, "missing", -1, -1);
        } catch (IOException e) {
            return new FileVersion(file, "unreadable", -1, -1);
        }
    }
}

package io.pgfleet.dataplane.agent;

import com.google.protobuf.InvalidProtocolBufferException;
import io.pgfleet.proto.v1.ConfigPush;
import org.jboss.logging.Logger;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * The node's last applied config on local disk, so that a restarted node serves at once
 * even when no control plane is reachable (static stability). It holds credentials, so it
 * is encrypted with AES-256-GCM under a key from the node's configuration, and readable by
 * the node's user only.
 *
 * <p>File layout: the magic {@code PGFSNAP1}, a random 12-byte nonce, then the GCM
 * ciphertext (with its 16-byte tag) of a {@link ConfigPush} holding every resource and the
 * applied generation. The magic is also the associated data, so a file of another format
 * or version does not decrypt. Writes go to a temp file in the same directory that is
 * then renamed over the old one: a crash leaves either the old or the new snapshot.
 */
public final class SnapshotStore {
    private static final Logger LOG = Logger.getLogger(SnapshotStore.class);
    private static final byte[] MAGIC = "PGFSNAP1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final SecretKeySpec key;

    public SnapshotStore(Path file, byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("a snapshot key must be 32 bytes (AES-256)");
        }
        this.file = file.toAbsolutePath();
        this.key = new SecretKeySpec(key.clone(), "AES");
    }

    /** The key from its base64 form (pgfleet.node.snapshot-key); the message never repeats the value. */
    public static byte[] keyFromBase64(String base64) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("snapshot-key is not valid base64");
        }
        if (key.length != 32) {
            throw new IllegalArgumentException("snapshot-key must be the base64 of 32 bytes, it decodes to " + key.length);
        }
        return key;
    }

    public Path file() {
        return file;
    }

    /** Replaces the snapshot with what the node holds now. */
    public void write(ConfigPush holding) throws IOException {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        byte[] sealed;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(MAGIC);
            sealed = cipher.doFinal(holding.toByteArray());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encrypt the snapshot: " + e.getMessage(), e);
        }
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path temp = createPrivateTemp(dir);
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(ByteBuffer.wrap(MAGIC));
                out.write(ByteBuffer.wrap(nonce));
                out.write(ByteBuffer.wrap(sealed));
                out.force(true); // on disk before the rename makes it the snapshot
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Writes, and logs instead of failing: a node that cannot write its snapshot still serves. */
    public void writeQuietly(ConfigPush holding) {
        try {
            write(holding);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot write the config snapshot %s: %s", file, e.getMessage());
        }
    }

    /** The stored config; empty when there is none or it cannot be read or decrypted (logged). */
    public Optional<ConfigPush> read() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length < MAGIC.length + NONCE_BYTES + TAG_BITS / 8
                    || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
                LOG.warnf("config snapshot %s is not a pgfleet snapshot; ignoring it", file);
                return Optional.empty();
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, MAGIC.length, NONCE_BYTES));
            cipher.updateAAD(MAGIC);
            int start = MAGIC.length + NONCE_BYTES;
            byte[] plain = cipher.doFinal(bytes, start, bytes.length - start);
            return Optional.of(ConfigPush.parseFrom(plain));
        } catch (GeneralSecurityException e) {
            // Wrong key or a damaged file: GCM cannot tell which, and neither can we.
            LOG.warnf("config snapshot %s does not decrypt with the configured snapshot-key (another key, or a damaged file); ignoring it", file);
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("config snapshot %s decrypts but does not parse (%s); ignoring it", file, e.getMessage());
        } catch (IOException e) {
            LOG.warnf("cannot read the config snapshot %s: %s; ignoring it", file, e.getMessage());
        }
        return Optional.empty();
    }

    /** A new file only the node's user may read, created so (no window with wider permissions). */
    private static Path createPrivateTemp(Path dir) throws IOException {
        try {
            return Files.createTempFile(dir, ".snapshot-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            return Files.createTempFile(dir, ".snapshot-", ".tmp"); // not a POSIX file system
        }
    }
}

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opens many logged-in PostgreSQL client connections and then leaves them idle, so the
 * benchmark can weigh what an idle client costs a pooler. One thread, non-blocking
 * sockets, no driver: a connection costs this process a socket and a few objects.
 *
 * <p>Speaks just enough of the protocol to log in: StartupMessage, then cleartext, MD5 or
 * SCRAM-SHA-256 authentication, until ReadyForQuery. A connection is counted as idle once
 * ReadyForQuery arrives. After all attempts it prints one line,
 * {@code idle opened=N failed=M first_error=...}, and holds the connections until killed.
 *
 * <p>Usage: {@code java bench/IdleClients.java HOST PORT USER DATABASE COUNT} with the
 * password in {@code PGPASSWORD}.
 */
public final class IdleClients {
    /** Logins in flight at once: enough to be quick, few enough not to overflow a listen backlog. */
    private static final int IN_FLIGHT = 64;
    /** Stop starting new connections after this many failures: the target has hit a limit. */
    private static final int MAX_FAILURES = 50;
    /** A login not done by then counts as failed: a target that stops accepting must not hang us. */
    private static final long LOGIN_TIMEOUT_NANOS = 30_000_000_000L;

    private final InetSocketAddress address;
    private final String user;
    private final String database;
    private final String password;
    private final int count;
    private final Selector selector;
    private final SecureRandom random = new SecureRandom();
    // PBKDF2 is the costly step of SCRAM; a target that keeps one salt per user needs it once.
    private final Map<String, byte[]> saltedPasswords = new HashMap<>();
    private final ByteBuffer discard = ByteBuffer.allocate(8192);

    private int started;
    private int inFlight;
    private int opened;
    private int failed;
    private String firstError = "";

    /** One connection's login. Dropped (buffer and all) once the connection is idle. */
    private final class Login {
        final SocketChannel channel;
        final long startedAt = System.nanoTime();
        ByteBuffer in = ByteBuffer.allocate(4096);
        String clientFirstBare;
        byte[] serverSignature;

        Login(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private IdleClients(String host, int port, String user, String database, String password, int count) throws IOException {
        this.address = new InetSocketAddress(host, port);
        this.user = user;
        this.database = database;
        this.password = password;
        this.count = count;
        this.selector = Selector.open();
    }

    public static void main(String[] args) throws Exception {
        String password = System.getenv().getOrDefault("PGPASSWORD", "");
        IdleClients clients = new IdleClients(args[0], Integer.parseInt(args[1]), args[2], args[3], password, Integer.parseInt(args[4]));
        clients.run();
    }

    private void run() throws IOException {
        startMore();
        while (inFlight > 0) {
            selector.select(1000);
            for (SelectionKey key : selector.selectedKeys()) {
                handle(key);
            }
            selector.selectedKeys().clear();
            failSlowLogins();
            startMore();
        }
        System.out.println("idle opened=" + opened + " failed=" + failed + " first_error=" + firstError);
        System.out.flush();
        // Hold the connections: only read (and drop) whatever the server sends, e.g. a shutdown notice.
        while (true) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                if (key.isValid() && key.isReadable()) {
                    drain(key);
                }
            }
            selector.selectedKeys().clear();
        }
    }

    private void startMore() throws IOException {
        while (inFlight < IN_FLIGHT && started < count && failed < MAX_FAILURES) {
            SocketChannel channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Login login = new Login(channel);
            if (channel.connect(address)) {
                channel.register(selector, SelectionKey.OP_READ, login);
                send(login, startupMessage());
            } else {
                channel.register(selector, SelectionKey.OP_CONNECT, login);
            }
            started++;
            inFlight++;
        }
    }

    private void failSlowLogins() {
        long now = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Login login && now - login.startedAt > LOGIN_TIMEOUT_NANOS) {
                fail(key, "login timed out");
            }
        }
    }

    private void handle(SelectionKey key) {
        Login login = (Login) key.attachment();
        if (login == null) {
            drain(key);
            return;
        }
        try {
            if (key.isConnectable()) {
                login.channel.finishConnect();
                key.interestOps(SelectionKey.OP_READ);
                send(login, startupMessage());
            } else if (key.isReadable()) {
                if (login.channel.read(login.in) < 0) {
                    throw new IOException("closed by the server during login");
                }
                processMessages(key, login);
            }
        } catch (Exception e) {
            fail(key, e.getMessage());
        }
    }

    /** Handles every complete message in the buffer; a partial one waits for more bytes. */
    private void processMessages(SelectionKey key, Login login) throws Exception {
        ByteBuffer in = login.in;
        in.flip();
        while (in.remaining() >= 5) {
            int start = in.position();
            byte type = in.get();
            int length = in.getInt();
            if (in.remaining() < length - 4) {
                in.position(start);
                break;
            }
            byte[] body = new byte[length - 4];
            in.get(body);
            switch (type) {
                case 'R' -> authenticate(login, body);
                case 'E' -> throw new IOException(errorMessage(body));
                case 'Z' -> {
                    // Logged in: forget the login state, keep only the socket.
                    key.attach(null);
                    opened++;
                    inFlight--;
                    return;
                }
                default -> {
                    // ParameterStatus, BackendKeyData, notices: not needed to stay idle.
                }
            }
        }
        in.compact();
        if (!in.hasRemaining()) {
            login.in = ByteBuffer.allocate(in.capacity() * 2).put(in.flip());
        }
    }

    private void authenticate(Login login, byte[] body) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(body);
        int code = b.getInt();
        switch (code) {
            case 0 -> { } // AuthenticationOk
            case 3 -> send(login, passwordMessage('p', cstring(password)));
            case 5 -> {
                byte[] salt = new byte[4];
                b.get(salt);
                String inner = md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
                byte[] outer = concat(inner.getBytes(StandardCharsets.US_ASCII), salt);
                send(login, passwordMessage('p', cstring("md5" + md5Hex(outer))));
            }
            case 10 -> scramFirst(login);
            case 11 -> scramFinal(login, new String(body, 4, body.length - 4, StandardCharsets.UTF_8));
            case 12 -> {
                String serverFinal = new String(body, 4, body.length - 4, StandardCharsets.UTF_8);
                byte[] signature = Base64.getDecoder().decode(attribute(serverFinal, 'v'));
                if (!MessageDigest.isEqual(signature, login.serverSignature)) {
                    throw new IOException("SCRAM server signature does not match");
                }
            }
            default -> throw new IOException("unsupported authentication request " + code);
        }
    }

    private void scramFirst(Login login) throws IOException {
        byte[] nonce = new byte[18];
        random.nextBytes(nonce);
        login.clientFirstBare = "n=,r=" + Base64.getEncoder().encodeToString(nonce);
        byte[] clientFirst = ("n,," + login.clientFirstBare).getBytes(StandardCharsets.UTF_8);
        ByteBuffer payload = ByteBuffer.allocate(cstring("SCRAM-SHA-256").length + 4 + clientFirst.length);
        payload.put(cstring("SCRAM-SHA-256")).putInt(clientFirst.length).put(clientFirst);
        send(login, passwordMessage('p', payload.array()));
    }

    private void scramFinal(Login login, String serverFirst) throws Exception {
        String salt = attribute(serverFirst, 's');
        int iterations = Integer.parseInt(attribute(serverFirst, 'i'));
        byte[] salted = saltedPasswords.computeIfAbsent(salt + ":" + iterations, k -> pbkdf2(salt, iterations));
        String clientFinalBare = "c=biws,r=" + attribute(serverFirst, 'r');
        String authMessage = login.clientFirstBare + "," + serverFirst + "," + clientFinalBare;
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        byte[] clientSignature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
        }
        login.serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
        String clientFinal = clientFinalBare + ",p=" + Base64.getEncoder().encodeToString(proof);
        send(login, passwordMessage('p', clientFinal.getBytes(StandardCharsets.UTF_8)));
    }

    private byte[] pbkdf2(String salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), Base64.getDecoder().decode(salt), iterations, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    }

    private static String attribute(String message, char name) throws IOException {
        for (String part : message.split(",")) {
            if (part.length() > 1 && part.charAt(0) == name && part.charAt(1) == '=') {
                return part.substring(2);
            }
        }
        throw new IOException("SCRAM message without " + name + ": " + message);
    }

    private void drain(SelectionKey key) {
        try {
            discard.clear();
            if (((SocketChannel) key.channel()).read(discard) < 0) {
                key.cancel();
                key.channel().close();
            }
        } catch (IOException e) {
            key.cancel();
        }
    }

    private void fail(SelectionKey key, String message) {
        failed++;
        inFlight--;
        if (firstError.isEmpty()) {
            firstError = String.valueOf(message).replace('\n', ' ');
        }
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // already failed
        }
    }

    private byte[] startupMessage() {
        ByteBuffer params = ByteBuffer.allocate(512);
        params.putInt(196608); // protocol 3.0
        params.put(cstring("user")).put(cstring(user)).put(cstring("database")).put(cstring(database)).put((byte) 0);
        params.flip();
        ByteBuffer message = ByteBuffer.allocate(4 + params.remaining());
        message.putInt(4 + params.remaining()).put(params);
        return message.array();
    }

    private static byte[] passwordMessage(char type, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put((byte) type).putInt(4 + payload.length).put(payload).array();
    }

    /** Writes all of a small message; a fresh socket's send buffer always has room for it. */
    private static void send(Login login, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            login.channel.write(buffer);
        }
    }

    private static String errorMessage(byte[] body) {
        StringBuilder message = new StringBuilder();
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char field = (char) body[i++];
            int end = i;
            while (body[end] != 0) {
                end++;
            }
            if (field == 'C' || field == 'M') {
                message.append(message.isEmpty() ? "" : " ").append(new String(body, i, end - i, StandardCharsets.UTF_8));
            }
            i = end + 1;
        }
        return message.toString();
    }

    private static byte[] cstring(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String md5Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.pgfleet.testkit;

import com.ongres.scram.client.ScramClient;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal frontend speaking the v3 protocol over a plain socket, for what drivers do not
 * let a test do on purpose: several Syncs in flight, a cancel with a chosen key, a client
 * that stops mid-login. It talks to the real node and PostgreSQL; nothing is simulated.
 */
public final class RawClient implements AutoCloseable {
    /** One backend message: type and body. */
    public record Message(char type, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The M (message) field of an ErrorResponse. */
        public String errorField(char code) {
            int i = 0;
            while (i < body.length && body[i] != 0) {
                int end = i + 1;
                while (body[end] != 0) {
                    end++;
                }
                if (body[i] == code) {
                    return new String(body, i + 1, end - i - 1, StandardCharsets.UTF_8);
                }
                i = end + 1;
            }
            return null;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private int processId;
    private int secretKey;
    private final Map<String, String> parameters = new LinkedHashMap<>();

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.socket.setSoTimeout(30_000);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    public static RawClient open(int port) throws IOException {
        return new RawClient(new Socket("127.0.0.1", port));
    }

    /** Connected and logged in to the node's database as its first user. */
    public static RawClient connect(TestNode node) throws IOException {
        RawClient client = open(node.port());
        client.login(node.user(), TestNode.PASSWORD, node.database(), Map.of());
        return client;
    }

    public void login(String user, String password, String database, Map<String, String> extra) throws IOException {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", user);
        startup.put("database", database);
        startup.putAll(extra);
        sendStartup(196608, startup);
        ScramClient scram = null;
        while (true) {
            Message m = read();
            switch (m.type()) {
                case 'R' -> {
                    int code = java.nio.ByteBuffer.wrap(m.body()).getInt();
                    String data = new String(m.body(), 4, m.body().length - 4, StandardCharsets.UTF_8);
                    switch (code) {
                        case 0 -> {
                        }
                        case 10 -> {
                            scram = ScramClient.builder().advertisedMechanisms(List.of("SCRAM-SHA-256"))
                                    .username("*").password(password.toCharArray()).build();
                            byte[] first = scram.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8);
                            byte[] mech = "SCRAM-SHA-256".getBytes(StandardCharsets.US_ASCII);
                            out.writeByte('p');
                            out.writeInt(4 + mech.length + 1 + 4 + first.length);
                            out.write(mech);
                            out.writeByte(0);
                            out.writeInt(first.length);
                            out.write(first);
                            out.flush();
                        }
                        case 11 -> {
                            try {
                                scram.serverFirstMessage(data);
                            } catch (Exception e) {
                                throw new IOException(e);
                            }
                            byte[] fin = scram.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8);
                            out.writeByte('p');
                            out.writeInt(4 + fin.length);
                            out.write(fin);
                            out.flush();
                        }
                        case 12 -> {
                        }
                        default -> throw new IOException("unsupported auth request " + code);
                    }
                }
                case 'S' -> {
                    String[] kv = m.text().split("\0");
                    parameters.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
                case 'K' -> {
                    var b = java.nio.ByteBuffer.wrap(m.body());
                    processId = b.getInt();
                    secretKey = b.getInt();
                }
                case 'Z' -> {
                    return;
                }
                case 'E' -> throw new IOException("login failed: " + m.errorField('C') + " " + m.errorField('M'));
                default -> {
                }
            }
        }
    }

    public void sendStartup(int protocol, Map<String, String> parameters) throws IOException {
        var body = new java.io.ByteArrayOutputStream();
        parameters.forEach((k, v) -> {
            body.writeBytes(k.getBytes(StandardCharsets.UTF_8));
            body.write(0);
            body.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        });
        body.write(0);
        out.writeInt(8 + body.size());
        out.writeInt(protocol);
        out.write(body.toByteArray());
        out.flush();
    }

    /** Parse/Bind/Execute/Sync for each statement, all written before reading anything. */
    public void sendExtended(String... statements) throws IOException {
        for (String sql : statements) {
            byte[] q = sql.getBytes(StandardCharsets.UTF_8);
            message('P', concat(new byte[]{0}, q, new byte[]{0, 0, 0}));
            message('B', new byte[]{0, 0, 0, 0, 0, 0, 0, 0});
            message('E', new byte[]{0, 0, 0, 0, 0});
            message('S', new byte[0]);
        }
        out.flush();
    }

    // ---- single extended-protocol messages (written, not flushed until sync()/flush()) ----

    public void parse(String statement, String sql) throws IOException {
        message('P', concat(cstring(statement), cstring(sql), new byte[]{0, 0}));
    }

    /** Bind of the unnamed portal to the statement: no parameters, text results. */
    public void bind(String statement) throws IOException {
        message('B', concat(new byte[]{0}, cstring(statement), new byte[]{0, 0, 0, 0, 0, 0}));
    }

    public void describeStatement(String statement) throws IOException {
        message('D', concat(new byte[]{'S'}, cstring(statement)));
    }

    /** Execute of the unnamed portal, all rows. */
    public void execute() throws IOException {
        message('E', new byte[]{0, 0, 0, 0, 0});
    }

    public void closeStatement(String statement) throws IOException {
        message('C', concat(new byte[]{'S'}, cstring(statement)));
    }

    public void sync() throws IOException {
        message('S', new byte[0]);
        out.flush();
    }

    /** Every message up to and including the next ReadyForQuery. */
    public List<Message> readUntilReady() throws IOException {
        List<Message> messages = new ArrayList<>();
        Message m;
        do {
            m = read();
            messages.add(m);
        } while (m.type() != 'Z');
        return messages;
    }

    /**
     * The messages in short: type letters, "E:sqlstate" for errors, the first column of a
     * row as "D:value", notices and parameter changes left out. E.g. "1 2 D:42 C Z".
     */
    public static String summary(List<Message> messages) {
        StringBuilder out = new StringBuilder();
        for (Message m : messages) {
            String item = switch (m.type()) {
                case 'N', 'S' -> null;
                case 'E' -> "E:" + m.errorField('C');
                case 'D' -> {
                    var b = java.nio.ByteBuffer.wrap(m.body());
                    b.getShort();
                    int len = b.getInt();
                    yield "D:" + (len < 0 ? "null" : new String(m.body(), 6, len, StandardCharsets.UTF_8));
                }
                default -> String.valueOf(m.type());
            };
            if (item != null) {
                out.append(out.isEmpty() ? "" : " ").append(item);
            }
        }
        return out.toString();
    }

    /** The first ErrorResponse's message, or null. */
    public static String errorMessage(List<Message> messages) {
        return messages.stream().filter(m -> m.type() == 'E').map(m -> m.errorField('M')).findFirst().orElse(null);
    }

    private static byte[] cstring(String s) {
        return concat(s.getBytes(StandardCharsets.UTF_8), new byte[]{0});
    }

    public void sendQuery(String sql) throws IOException {
        message('Q', concat(sql.getBytes(StandardCharsets.UTF_8), new byte[]{0}));
        out.flush();
    }

    /** The first column of every DataRow until {@code readyCount} ReadyForQuery messages came. */
    public List<String> readRowsUntilReadyForQuery(int readyCount) throws IOException {
        List<String> rows = new ArrayList<>();
        int ready = 0;
        while (ready < readyCount) {
            Message m = read();
            if (m.type() == 'D') {
                var b = java.nio.ByteBuffer.wrap(m.body());
                b.getShort();
                int len = b.getInt();
                rows.add(len < 0 ? null : new String(m.body(), 6, len, StandardCharsets.UTF_8));
            } else if (m.type() == 'Z') {
                ready++;
            } else if (m.type() == 'E') {
                rows.add("ERROR " + m.errorField('C'));
            }
        }
        return rows;
    }

    public Message read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message(type, body);
    }

    /** Reads until a message of the type comes (or the connection ends: IOException). */
    public Message readUntil(char type) throws IOException {
        while (true) {
            Message m = read();
            if (m.type() == type) {
                return m;
            }
        }
    }

    public void message(char type, byte[] body) throws IOException {
        out.writeByte(type);
        out.writeInt(4 + body.length);
        out.write(body);
    }

    public OutputStream rawOutput() {
        return out;
    }

    public int processId() {
        return processId;
    }

    public int secretKey() {
        return secretKey;
    }

    public Map<String, String> parameters() {
        return parameters;
    }

    public Socket socket() {
        return socket;
    }

    /** Sends a CancelRequest for a key on a new connection to a port, as libpq does. */
    public static void cancel(int port, int processId, int secretKey) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port); DataOutputStream o = new DataOutputStream(s.getOutputStream())) {
            o.writeInt(16);
            o.writeInt(80877102);
            o.writeInt(processId);
            o.writeInt(secretKey);
            o.flush();
            s.getInputStream().read(); // the node closes when done
        }
    }

    private static byte[] concat(byte[]... parts) {
        var all = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

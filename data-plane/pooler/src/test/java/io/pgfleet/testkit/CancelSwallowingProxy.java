package io.pgfleet.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder in front of PostgreSQL that passes every connection through, except
 * CancelRequests: those it accepts and then never answers or closes, like a server too
 * busy to act on them. Lets a test see what cancel_wait_timeout does. Loopback only.
 */
public final class CancelSwallowingProxy implements AutoCloseable {
    private static final int CANCEL_REQUEST_CODE = 80877102;

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger cancelsSwallowed = new AtomicInteger();

    public CancelSwallowingProxy(String targetHost, int targetPort) throws IOException {
        this.listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        Thread acceptor = new Thread(this::acceptLoop, "cancel-swallowing-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    public int cancelsSwallowed() {
        return cancelsSwallowed.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                open.add(client);
                Thread t = new Thread(() -> serve(client), "proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try {
            DataInputStream in = new DataInputStream(client.getInputStream());
            int length = in.readInt();
            int code = in.readInt();
            if (length == 16 && code == CANCEL_REQUEST_CODE) {
                in.readLong();
                cancelsSwallowed.incrementAndGet();
                return; // keep the socket open, say nothing
            }
            Socket server = new Socket(targetHost, targetPort);
            open.add(server);
            OutputStream toServer = server.getOutputStream();
            toServer.write(new byte[]{(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length,
                    (byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code});
            Thread back = new Thread(() -> pipe(uncheckedIn(server), uncheckedOut(client)), "proxy-back");
            back.setDaemon(true);
            back.start();
            pipe(in, toServer);
        } catch (IOException e) {
            // a side closed
        }
    }

    private static InputStream uncheckedIn(Socket s) {
        try {
            return s.getInputStream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OutputStream uncheckedOut(Socket s) {
        try {
            return s.getOutputStream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pipe(InputStream in, OutputStream out) {
        byte[] buffer = new byte[16384];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a side closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) {
            s.close();
        }
    }
}

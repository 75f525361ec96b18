package io.pgfleet.dataplane.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * A bare TLS client speaking just enough of the protocol to look at the node's TLS side:
 * SSLRequest or direct TLS, then a StartupMessage and the first answer. Trusts one CA.
 */
final class TlsProbe {
    static final int SSL_REQUEST_CODE = 80877103;

    private TlsProbe() {
    }

    static SSLContext trusting(Path caCert) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caCert)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /** SSLRequest, 'S', handshake: the certificate the node presents. */
    static X509Certificate certificateViaSslRequest(int port, SSLContext context) throws IOException {
        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(plain.getOutputStream());
            out.writeInt(8);
            out.writeInt(SSL_REQUEST_CODE);
            out.flush();
            int answer = plain.getInputStream().read();
            if (answer != 'S') {
                throw new IOException("node answered SSLRequest with " + answer);
            }
            try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true)) {
                tls.startHandshake();
                return (X509Certificate) tls.getSession().getPeerCertificates()[0];
            }
        }
    }

    /** A direct TLS connection offering these ALPN protocols (none when empty). */
    static SSLSocket direct(int port, SSLContext context, String... alpn) throws IOException {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        tls.setSoTimeout(10_000);
        SSLParameters parameters = tls.getSSLParameters();
        if (alpn.length > 0) {
            parameters.setApplicationProtocols(alpn);
        }
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    static void sendStartup(Socket socket, String user, String database) throws IOException {
        socket.getOutputStream().write(startupMessage(user, database));
        socket.getOutputStream().flush();
    }

    static byte[] startupMessage(String user, String database) throws IOException {
        byte[] body = ("user\0" + user + "\0database\0" + database + "\0\0").getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(8 + body.length);
        out.writeInt(196608);
        out.write(body);
        out.flush();
        return bytes.toByteArray();
    }

    /** The first backend message: its type and its body as text (enough to read an error). */
    record Message(char type, String text) {
    }

    static Message readMessage(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        byte[] body = in.readNBytes(length - 4);
        return new Message(type, new String(body, StandardCharsets.UTF_8));
    }
}

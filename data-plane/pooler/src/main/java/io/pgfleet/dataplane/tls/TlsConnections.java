package io.pgfleet.dataplane.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** What a channel's TLS layer tells about the connection. */
public final class TlsConnections {
    private TlsConnections() {
    }

    /** True when the channel has a TLS layer; messages only reach the login after its handshake. */
    public static boolean isEncrypted(Channel channel) {
        return channel.pipeline().get(SslHandler.class) != null;
    }

    /**
     * The common name of the peer's certificate; null when there is no TLS, no certificate,
     * or the subject does not have exactly one CN. The certificate was checked against the
     * CA during the handshake: the node only asks for one when a CA file is configured.
     */
    public static String peerCommonName(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
                return null;
            }
            List<String> names = new ArrayList<>();
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    names.add(rdn.getValue().toString());
                }
            }
            // Two CNs would leave it to chance which one names the user.
            return names.size() == 1 ? names.get(0) : null;
        } catch (SSLPeerUnverifiedException | InvalidNameException e) {
            return null;
        }
    }
}

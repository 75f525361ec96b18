package io.pgfleet.dataplane.protocol;

import java.util.Map;

/** The untyped first packet a client sends: one of four request codes. */
public sealed interface StartupPacket {
    int PROTOCOL_3_0 = 196608;
    int SSL_REQUEST_CODE = 80877103;
    int GSSENC_REQUEST_CODE = 80877104;
    int CANCEL_REQUEST_CODE = 80877102;

    record SslRequest() implements StartupPacket {
    }

    record GssEncRequest() implements StartupPacket {
    }

    record CancelRequest(int processId, int secretKey) implements StartupPacket {
    }

    /** A StartupMessage; parameters keep the client's order (user, database, options, ...). */
    record Startup(int protocolVersion, Map<String, String> parameters) implements StartupPacket {
        public String user() {
            return parameters.get("user");
        }

        /** PostgreSQL's rule: the database defaults to the user name. */
        public String database() {
            String database = parameters.get("database");
            return database == null || database.isEmpty() ? user() : database;
        }
    }
}

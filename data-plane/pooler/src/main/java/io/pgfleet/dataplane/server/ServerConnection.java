package io.pgfleet.dataplane.server;

import io.netty.channel.Channel;

import java.util.Map;

/**
 * A logged-in server connection.
 *
 * @param parameters the ParameterStatus values the server reported at login
 * @param processId  the server's BackendKeyData, used to forward cancel requests
 */
public record ServerConnection(Channel channel, Map<String, String> parameters, int processId, int secretKey) {
}

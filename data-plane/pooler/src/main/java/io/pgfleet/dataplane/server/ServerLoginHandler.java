package io.pgfleet.dataplane.server;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.ServerFirstMessage;
import com.ongres.scram.common.exception.ScramException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import io.pgfleet.dataplane.auth.Md5Password;
import io.pgfleet.dataplane.auth.ScramKeyCache;
import io.pgfleet.dataplane.protocol.BackendMessages;
import io.pgfleet.dataplane.protocol.ErrorFields;
import io.pgfleet.dataplane.protocol.FrontendMessages;
import io.pgfleet.dataplane.protocol.SqlState;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Logs the node in to a server: StartupMessage, then whichever authentication the server
 * asks for (SCRAM-SHA-256, md5, cleartext, trust), then ParameterStatus and BackendKeyData
 * up to the first ReadyForQuery. Completes the promise and removes itself when done.
 * Expects whole frames from a {@link io.pgfleet.dataplane.protocol.MessageFrameDecoder}.
 */
final class ServerLoginHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ServerLoginHandler.class);
    private static final String SCRAM_SHA_256 = "SCRAM-SHA-256";

    private final ServerLogin login;
    private final ScramKeyCache keyCache;
    private final Promise<ServerConnection> result;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private int processId;
    private int secretKey;
    private ScramClient scram;
    private String clientNonce;

    ServerLoginHandler(ServerLogin login, ScramKeyCache keyCache, Promise<ServerConnection> result) {
        this.login = login;
        this.keyCache = keyCache;
        this.result = result;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(FrontendMessages.startupMessage(ctx.alloc(), login.startupParameters()));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            onFrame(ctx, frame);
        } catch (ScramException | IllegalArgumentException e) {
            fail(ctx, SqlState.INVALID_PASSWORD, "SCRAM login to server failed: " + e.getMessage());
        } finally {
            frame.release();
        }
    }

    private void onFrame(ChannelHandlerContext ctx, ByteBuf frame) throws ScramException {
        byte type = frame.getByte(frame.readerIndex());
        switch (type) {
            case BackendMessages.AUTHENTICATION -> onAuthentication(ctx, frame);
            case BackendMessages.PARAMETER_STATUS -> {
                int index = frame.readerIndex() + 5;
                int nameEnd = frame.indexOf(index, frame.writerIndex(), (byte) 0);
                int valueEnd = frame.indexOf(nameEnd + 1, frame.writerIndex(), (byte) 0);
                parameters.put(frame.toString(index, nameEnd - index, StandardCharsets.UTF_8),
                        frame.toString(nameEnd + 1, valueEnd - nameEnd - 1, StandardCharsets.UTF_8));
            }
            case BackendMessages.BACKEND_KEY_DATA -> {
                processId = frame.getInt(frame.readerIndex() + 5);
                secretKey = frame.getInt(frame.readerIndex() + 9);
            }
            case BackendMessages.ERROR_RESPONSE -> {
                ErrorFields error = ErrorFields.parse(frame);
                fail(ctx, error.sqlState(), error.message());
            }
            case BackendMessages.NOTICE_RESPONSE -> {
                // Login notices (e.g. password expiry warnings) are for a human, not for the pooler.
            }
            case BackendMessages.READY_FOR_QUERY -> {
                ctx.pipeline().remove(this);
                result.trySuccess(new ServerConnection(ctx.channel(), Map.copyOf(parameters), processId, secretKey));
            }
            default -> fail(ctx, SqlState.PROTOCOL_VIOLATION, "unexpected message '" + (char) type + "' from server during login");
        }
    }

    private void onAuthentication(ChannelHandlerContext ctx, ByteBuf frame) throws ScramException {
        int code = frame.getInt(frame.readerIndex() + 5);
        int dataStart = frame.readerIndex() + 9;
        switch (code) {
            case BackendMessages.AUTH_OK -> {
                // Wait for ParameterStatus, BackendKeyData and ReadyForQuery.
            }
            case BackendMessages.AUTH_CLEARTEXT_PASSWORD -> {
                if (requirePassword(ctx)) {
                    ctx.writeAndFlush(FrontendMessages.passwordMessage(ctx.alloc(), login.password()));
                }
            }
            case BackendMessages.AUTH_MD5_PASSWORD -> {
                if (requirePassword(ctx)) {
                    byte[] salt = new byte[4];
                    frame.getBytes(dataStart, salt);
                    String stored = Md5Password.storedHash(login.user(), login.password());
                    ctx.writeAndFlush(FrontendMessages.passwordMessage(ctx.alloc(), Md5Password.saltedResponse(stored, salt)));
                }
            }
            case BackendMessages.AUTH_SASL -> startScram(ctx, readMechanisms(frame, dataStart));
            case BackendMessages.AUTH_SASL_CONTINUE -> continueScram(ctx, frame.toString(dataStart, frame.writerIndex() - dataStart, StandardCharsets.UTF_8));
            case BackendMessages.AUTH_SASL_FINAL -> {
                // Throws when the server's signature is wrong: a server that does not know the
                // password is not the server we meant to reach.
                scram.serverFinalMessage(frame.toString(dataStart, frame.writerIndex() - dataStart, StandardCharsets.UTF_8));
            }
            default -> fail(ctx, SqlState.FEATURE_NOT_SUPPORTED, "server requested an unsupported authentication method (" + code + ")");
        }
    }

    private void startScram(ChannelHandlerContext ctx, List<String> mechanisms) {
        if (!mechanisms.contains(SCRAM_SHA_256)) {
            fail(ctx, SqlState.FEATURE_NOT_SUPPORTED, "server offers no supported SASL mechanism: " + mechanisms);
            return;
        }
        if (login.scramKeys() == null && !requirePassword(ctx)) {
            return;
        }
        // Whatever secret is given now only serves the first message; the real keys are
        // swapped in once the salt is known (see continueScram).
        var builder = ScramClient.builder().advertisedMechanisms(List.of(SCRAM_SHA_256)).username("*");
        scram = (login.password() != null ? builder.password(login.password().toCharArray())
                : builder.clientAndServerKey(login.scramKeys().clientKey(), login.scramKeys().serverKey())).build();
        var clientFirst = scram.clientFirstMessage();
        clientNonce = clientFirst.getClientNonce();
        ctx.writeAndFlush(FrontendMessages.saslInitialResponse(ctx.alloc(), SCRAM_SHA_256, clientFirst.toString()));
    }

    private void continueScram(ChannelHandlerContext ctx, String serverFirst) throws ScramException {
        ServerFirstMessage parsed = ServerFirstMessage.parseFrom(serverFirst, clientNonce);
        byte[] salt = Base64.getDecoder().decode(parsed.getSalt());
        ServerLogin.ScramKeys passthrough = login.scramKeys();
        java.util.concurrent.CompletableFuture<ScramKeyCache.Keys> derived;
        if (passthrough != null && passthrough.matches(salt, parsed.getIterationCount())) {
            // SCRAM passthrough: the client proved the key to us and the server holds the same
            // verifier, so its ClientKey logs us in; no password is stored anywhere.
            derived = java.util.concurrent.CompletableFuture.completedFuture(
                    new ScramKeyCache.Keys(passthrough.clientKey(), passthrough.serverKey()));
        } else if (login.password() != null) {
            derived = keyCache.keys(login.password(), salt, parsed.getIterationCount());
        } else {
            fail(ctx, SqlState.INVALID_PASSWORD, "server asks for SCRAM for user \"" + login.user()
                    + "\"; the node has no password for it and its verifier differs from the server's");
            return;
        }
        derived.whenComplete((keys, error) ->
                ctx.executor().execute(() -> {
                    if (error != null) {
                        fail(ctx, SqlState.INTERNAL_ERROR, "SCRAM key derivation failed");
                        return;
                    }
                    try {
                        // A client with the derived keys and the same nonce replays the exchange
                        // without running PBKDF2 again.
                        scram = ScramClient.builder().advertisedMechanisms(List.of(SCRAM_SHA_256))
                                .username("*").clientAndServerKey(keys.clientKey(), keys.serverKey())
                                .nonceSupplier(() -> clientNonce).build();
                        scram.clientFirstMessage();
                        scram.serverFirstMessage(serverFirst);
                        ctx.writeAndFlush(FrontendMessages.saslResponse(ctx.alloc(), scram.clientFinalMessage().toString()));
                    } catch (ScramException | RuntimeException e) {
                        fail(ctx, SqlState.INVALID_PASSWORD, "SCRAM login to server failed: " + e.getMessage());
                    }
                }));
    }

    private boolean requirePassword(ChannelHandlerContext ctx) {
        if (login.password() == null) {
            fail(ctx, SqlState.INVALID_PASSWORD, "server asks for a password for user \"" + login.user()
                    + "\" and the node has none for it");
            return false;
        }
        return true;
    }

    private static List<String> readMechanisms(ByteBuf frame, int start) {
        List<String> mechanisms = new ArrayList<>();
        int index = start;
        while (index < frame.writerIndex()) {
            int end = frame.indexOf(index, frame.writerIndex(), (byte) 0);
            if (end <= index) {
                break;
            }
            mechanisms.add(frame.toString(index, end - index, StandardCharsets.UTF_8));
            index = end + 1;
        }
        return mechanisms;
    }

    private void fail(ChannelHandlerContext ctx, String sqlState, String message) {
        if (result.tryFailure(new ServerLoginException(sqlState, message))) {
            LOG.debugf("server login %s on %s failed: %s %s", login, ctx.channel(), sqlState, message);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, SqlState.CONNECTION_FAILURE, "server closed the connection during login");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, SqlState.CONNECTION_FAILURE, "server connection failed during login: " + cause.getMessage());
    }
}
